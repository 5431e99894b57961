// UI test of "Semindex: Find Similar Code" in the PACKAGED extension (semindex-linux-x64.vsix,
// built by `npm run package`), in code-server driven by headless chromium like ui/vsix.test.mjs:
// a copy of test/fixtures/workspace plus a near-copy of compute_levenshtein_distance in another
// file, indexed from the palette; a function selected in the editor, the command from the palette,
// then the panel's own "Find similar" on a result. Takes the README screenshot find-similar.png
// (test-results/screenshots/; copied to docs/images/ with SEMINDEX_UPDATE_SCREENSHOTS=1).
// Failure artifacts: test-results/ui-similar/<test>/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, docsScreenshot, frameWith, installVsix, openWorkbenchSession, runCommand, statusBarItemById, widenSideBar } from '../harness.mjs';

const VSIX = path.join(REPO_ROOT, 'semindex-linux-x64.vsix');
const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/workspace');
const WAIT = 90_000;

// The fixture's function under other names, with two lines swapped, as a copy-paste that drifted
// would look. Written into the session's copy only: the fixture keeps one answer per query, which
// the other tests count on ("edit distance" finds levenshtein.py, 14 files).
const NEAR_COPY = `"""Fuzzy matching of user input against known names."""


${fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/near-copy/edit_distance.py'), 'utf8')}`;

/** The lines of compute_levenshtein_distance in the fixture (1-based, inclusive). */
function functionLines() {
  const lines = fs.readFileSync(path.join(FIXTURE, 'src/text/levenshtein.py'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('def compute_levenshtein_distance')) + 1;
  const end = lines.findIndex((l, i) => i >= start && l.startsWith('    return previous[-1]')) + 1;
  assert.ok(start > 0 && end > start, `${start}-${end}`);
  return { start, end };
}

/** aria-labels of the panel's result rows ("symbol, path, lines a–b"). */
const rowLabels = (view) => view.locator('#results [role=option]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));

describe('Find Similar Code (packaged extension in code-server)', function () {
  this.timeout(240_000);
  let session;
  let page;
  let extensionsDir;
  const fn = functionLines();

  before(async function () {
    this.timeout(300_000);
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run "npm run package" first`);
    // Under the harness's temp prefix, so `harness.mjs cleanup` also removes a leftover.
    extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-e2e-similar-extensions-'));
    installVsix(VSIX, extensionsDir);
    session = await openWorkbenchSession({ name: 'ui-similar', folder: FIXTURE, copyFolder: true, extensionsDir, viewport: { width: 1280, height: 800 } });
    page = session.page;
    fs.writeFileSync(path.join(session.server.folder, 'src/text/fuzzy_match.py'), NEAR_COPY);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) console.error(`artifacts: ${await session.saveArtifacts(this.currentTest.title)}`);
  });

  after(async () => {
    await session?.close();
    if (extensionsDir) fs.rmSync(extensionsDir, { recursive: true, force: true });
  });

  it('indexes the workspace with the near-copy', async () => {
    const status = statusBarItemById(page, 'semindex.semindex', 'semindex.status');
    await status.filter({ hasText: 'Semindex: not indexed' }).waitFor({ timeout: WAIT });
    await runCommand(page, 'Semindex: Index Workspace', { timeoutMs: WAIT });
    await status.filter({ hasText: /Semindex: 15 files, [\d,]+ chunks/ }).waitFor({ timeout: WAIT });
  });

  it('a function selected in the editor, then "Semindex: Find Similar Code": the near-copy in the other file, not the selection itself', async () => {
    // Quick Open the file, go to the function's first line, select down to the line after its last.
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget .quick-input-box input').fill('levenshtein.py');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'levenshtein.py' }).first().waitFor({ timeout: WAIT });
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: 'levenshtein.py' }).waitFor({ timeout: WAIT });
    await page.locator('.monaco-editor .view-line', { hasText: 'def compute_levenshtein_distance' }).waitFor({ timeout: WAIT });
    await page.locator('.monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(fn.start));
    await page.keyboard.press('Enter');
    await page.locator('[id="status.editor.selection"]', { hasText: new RegExp(`^Ln ${fn.start}, Col 1$`) }).waitFor({ timeout: WAIT });
    for (let i = fn.start; i <= fn.end; i++) await page.keyboard.press('Shift+ArrowDown');
    await page.locator('[id="status.editor.selection"]', { hasText: new RegExp(`^Ln ${fn.end + 1}, Col 1 \\([\\d,]+ selected\\)`) }).waitFor({ timeout: WAIT });

    await runCommand(page, 'Semindex: Find Similar Code', { timeoutMs: WAIT });
    const view = await frameWith(page, '#similar-label');
    await view.locator('#similar-label', { hasText: 'Similar to the selection' }).waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await view.locator('#query').inputValue(), '', 'the header stands in for the query');
    await widenSideBar(page, 520);
    const first = view.locator('#results [role=option]').first();
    await view.locator('#result-0[aria-label*="fuzzy_match.py"]').waitFor({ timeout: WAIT });
    await view.locator('#status', { hasText: /^\d+ results?/ }).waitFor({ timeout: WAIT });
    assert.match((await first.getAttribute('aria-label')) ?? '', /^edit_distance, src\/text\/fuzzy_match\.py, lines \d+–\d+$/);
    const labels = await rowLabels(view);
    assert.ok(!labels.some((l) => l.startsWith('compute_levenshtein_distance,')), `the selected function is left out: ${JSON.stringify(labels)}`);
    assert.ok(!labels.some((l) => /levenshtein\.py, lines (\d+)–(\d+)$/.test(l) && Number(/lines (\d+)/.exec(l)[1]) <= fn.end && Number(/–(\d+)$/.exec(l)[1]) >= fn.start), JSON.stringify(labels));
    // Every row has the panel's own "Find similar" action.
    assert.equal(await view.locator('#results .result-similar').count(), labels.length);

    // ↓ from the box selects the first result, which shows its "Find similar" action (in the screenshot too).
    await view.locator('#query').press('ArrowDown');
    await view.locator('#result-0[aria-selected=true] .result-similar').waitFor({ state: 'visible', timeout: WAIT });
    await view.locator('#results').evaluate(() => window.scrollTo(0, 0)); // the page scrolls, under a sticky box
    await docsScreenshot(page, 'find-similar.png');
  });

  it('"Find similar" on a result: code like that result, which is left out, under its own header', async () => {
    const view = await frameWith(page, '#similar-label');
    const first = view.locator('#results [role=option]').first();
    const label = (await first.getAttribute('aria-label')) ?? '';
    const [, start, end] = /lines (\d+)–(\d+)$/.exec(label).map(Number);
    await first.hover();
    await first.locator('.result-similar').click();
    await view.locator('#similar-label', { hasText: `Similar to src/text/fuzzy_match.py:${start}-${end}` }).waitFor({ timeout: WAIT });
    await view.locator('#result-0[aria-label*="levenshtein.py"]').waitFor({ timeout: WAIT });
    const labels = await rowLabels(view);
    assert.match(labels[0], /^compute_levenshtein_distance, src\/text\/levenshtein\.py, lines /, JSON.stringify(labels));
    assert.ok(!labels.some((l) => l.startsWith('edit_distance,')), `the result itself is left out: ${JSON.stringify(labels)}`);
    // No tab opened for the result whose button was pressed.
    assert.equal(await page.locator('.tabs-container .tab', { hasText: 'fuzzy_match.py' }).count(), 0);

    // Back to the search: the header goes, the box is the query box again.
    await view.locator('#similar-clear').click();
    await view.locator('#similar').waitFor({ state: 'hidden', timeout: WAIT });
    await view.locator('#query').fill('ParseHTTPHeader');
    await view.locator('#result-0[aria-label*="headers.go"]').waitFor({ timeout: WAIT });
  });

  it('without a selection, the command finds code like the indexed function around the cursor', async () => {
    await page.locator('.tabs-container .tab', { hasText: 'levenshtein.py' }).click();
    await page.locator('.monaco-editor textarea').first().focus();
    const inside = fn.start + 5;
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(inside));
    await page.keyboard.press('Enter');
    await page.locator('[id="status.editor.selection"]', { hasText: new RegExp(`^Ln ${inside}, Col 1$`) }).waitFor({ timeout: WAIT });
    await runCommand(page, 'Semindex: Find Similar Code', { timeoutMs: WAIT });
    const view = await frameWith(page, '#similar-label');
    // The header names the whole chunk the cursor is in, as the index has it.
    await view.locator('#similar-label', { hasText: `Similar to src/text/levenshtein.py:${fn.start}-${fn.end}` }).waitFor({ state: 'visible', timeout: WAIT });
    await view.locator('#result-0[aria-label*="fuzzy_match.py"]').waitFor({ timeout: WAIT });
    const labels = await rowLabels(view);
    assert.ok(!labels.some((l) => l.startsWith('compute_levenshtein_distance,')), JSON.stringify(labels));
  });
});

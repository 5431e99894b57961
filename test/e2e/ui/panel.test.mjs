// UI test of the search panel of the PACKAGED extension (semindex-linux-x64.vsix, built by
// `npm run package`) in code-server driven by headless chromium, like ui/vsix.test.mjs: the empty
// state's Index Workspace button, files to include, results grouped by file, syntax colour, open
// to the side, copy path:line, the flat list on the toggle. Takes the README screenshots
// search-panel-light.png and search-panel-dark.png (test-results/screenshots/; copied to
// docs/images/ when missing or with SEMINDEX_UPDATE_SCREENSHOTS=1).
// Failure artifacts: test-results/ui-panel/<test>/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, SELECTORS, docsScreenshot, frameWith, installVsix, openWorkbenchSession, runCommand, statusBarItemById, widenSideBar } from '../harness.mjs';

const VSIX = path.join(REPO_ROOT, 'semindex-linux-x64.vsix');
const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/workspace');
const WAIT = 90_000;

/** aria-labels of the panel's result rows ("symbol, path, lines a–b", or "path, lines a–b" without a symbol), in display order. */
const rowLabels = (view) => view.locator('#results [role=option]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
/** The path a row's aria-label names. */
const pathOf = (label) => /(?:^|, )([^,]+), lines /.exec(label)?.[1] ?? '';

/** Waits until fn() is truthy (polling: the page and the extension answer asynchronously). */
async function until(fn, what, timeout = WAIT) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    assert.ok(Date.now() < end, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Types a query and waits for its results (the status line says how many); the last ones are cleared first, so they cannot pass for the new ones. */
async function search(view, query) {
  await view.locator('#query').fill('');
  await view.locator('#query').press('Enter');
  await until(async () => (await view.locator('#results [role=option]').count()) === 0, 'the results cleared');
  await view.locator('#query').fill(query);
  await view.locator('#query').press('Enter');
  await view.locator('#status', { hasText: /^\d+ results?/ }).waitFor({ timeout: WAIT });
}

describe('search panel (packaged extension in code-server)', function () {
  this.timeout(240_000);
  let session;
  let page;
  let extensionsDir;
  let view;

  before(async function () {
    this.timeout(300_000);
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run "npm run package" first`);
    extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-e2e-panel-extensions-'));
    installVsix(VSIX, extensionsDir);
    session = await openWorkbenchSession({ name: 'ui-panel', folder: FIXTURE, copyFolder: true, extensionsDir, viewport: { width: 1280, height: 800 } });
    page = session.page;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(session.url).origin });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) console.error(`artifacts: ${await session.saveArtifacts(this.currentTest.title)}`);
  });

  after(async () => {
    await session?.close();
    if (extensionsDir) fs.rmSync(extensionsDir, { recursive: true, force: true });
  });

  it('says "No index yet" with an Index Workspace button, which indexes; no ETA in the first second', async () => {
    const status = statusBarItemById(page, 'semindex.semindex', 'semindex.status');
    await status.filter({ hasText: 'Semindex: not indexed' }).waitFor({ timeout: WAIT });
    await runCommand(page, 'Semindex: Search', { timeoutMs: WAIT });
    view = await frameWith(page, '#query');
    await view.locator('#empty-text', { hasText: /^No index yet — Index Workspace/ }).waitFor({ timeout: WAIT });
    // Every status bar text from the click on, with when it showed.
    await page.evaluate(() => {
      const w = /** @type {any} */ (window);
      w.__texts = [];
      const t0 = performance.now();
      const read = () => {
        const text = (document.getElementById('semindex.semindex.semindex.status')?.textContent || '').trim();
        if (text && w.__texts.at(-1)?.text !== text) w.__texts.push({ text, ms: performance.now() - t0 });
      };
      new MutationObserver(read).observe(document.getElementById('workbench.parts.statusbar') || document.body, { subtree: true, childList: true, characterData: true });
    });
    await view.locator('#empty-action', { hasText: 'Index Workspace' }).click();
    await status.filter({ hasText: /Semindex: 14 files, [\d,]+ chunks/ }).waitFor({ timeout: WAIT });
    const texts = await page.evaluate(() => /** @type {any} */ (window).__texts);
    assert.ok(texts.length > 0, 'the status bar changed');
    assert.deepEqual(texts.filter((t) => t.ms < 1000 && /ETA|files\/s/.test(t.text)), [], JSON.stringify(texts));
    await view.locator('#empty-text', { hasText: 'Type to search 14 files' }).waitFor({ timeout: WAIT });
  });

  it('groups results by file: two hits of one file under one header with its count, best file first', async () => {
    await widenSideBar(page, 520);
    await search(view, 'edit distance between two strings');
    const first = view.locator('#results .file-group').first();
    const head = (await first.locator('.file-head').getAttribute('aria-label')) ?? '';
    const m = /^src\/text\/levenshtein\.py, (\d+) results$/.exec(head);
    assert.ok(m && Number(m[1]) >= 2, head);
    assert.equal(await first.locator('.file-count').innerText(), m[1]);
    const inFirst = await first.locator('[role=option]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    assert.equal(inFirst.length, Number(m[1]));
    assert.match(inFirst[0], /^compute_levenshtein_distance, src\/text\/levenshtein\.py/, 'the best hit first');
    assert.ok(inFirst.some((l) => l.startsWith('normalized_similarity_ratio, ')), JSON.stringify(inFirst));
    // Each file once: a header per file.
    const heads = await view.locator('#results .file-head').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label').replace(/, \d+ results?$/, '')));
    assert.equal(new Set(heads).size, heads.length, JSON.stringify(heads));
    // Folding the file hides its hits.
    await first.locator('.file-head').click();
    await first.locator('[role=option]').first().waitFor({ state: 'hidden', timeout: WAIT });
    await first.locator('.file-head').click();
    await first.locator('[role=option]').first().waitFor({ state: 'visible', timeout: WAIT });
  });

  it('colours snippet tokens with the theme, under the query-word marks', async () => {
    const snippet = view.locator('#result-0 .result-snippet');
    assert.deepEqual((await snippet.locator('.tok-keyword').allTextContents()).slice(0, 1), ['def']);
    assert.ok((await snippet.locator('mark').count()) > 0, 'query words are still marked');
    const colours = await snippet.evaluate((pre) => {
      const of = (sel) => getComputedStyle(/** @type {Element} */ (pre.querySelector(sel))).color;
      return { plain: getComputedStyle(pre).color, keyword: of('.tok-keyword'), function: of('.tok-function'), number: pre.querySelector('.tok-number') ? of('.tok-number') : '' };
    });
    assert.notEqual(colours.keyword, colours.plain, JSON.stringify(colours));
    assert.notEqual(colours.function, colours.plain, JSON.stringify(colours));
    assert.notEqual(colours.keyword, colours.function, JSON.stringify(colours));
  });

  it('files to include narrows the results to a folder; the filters hide behind their toggle and still apply', async () => {
    await search(view, 'parse');
    const before = await rowLabels(view);
    assert.ok(before.some((l) => !pathOf(l).startsWith('src/http/')), `unfiltered, other folders too: ${JSON.stringify(before)}`);
    await view.locator('#toggle-filters').click();
    await view.locator('#include').fill('src/http');
    await view.locator('#include').press('Enter');
    await until(async () => {
      const labels = await rowLabels(view);
      return labels.length > 0 && labels.every((l) => pathOf(l).startsWith('src/http/'));
    }, 'results only in src/http');
    await view.locator('#status', { hasText: /filtered/ }).waitFor({ timeout: WAIT });
    assert.match((await rowLabels(view))[0], /^ParseHTTPHeader, src\/http\/headers\.go/);
    // Excluding that folder too leaves nothing, and the empty state says to check the filters.
    await view.locator('#exclude').fill('http');
    await view.locator('#exclude').press('Enter');
    await view.locator('#empty-text', { hasText: 'Check the filters' }).waitFor({ timeout: WAIT });
    await view.locator('#exclude').fill('');
    await view.locator('#exclude').press('Enter');
    await view.locator('#result-0').waitFor({ timeout: WAIT });
    await view.locator('#toggle-filters').click();
    await view.locator('#include').waitFor({ state: 'hidden', timeout: WAIT });
    assert.match((await view.locator('#toggle-filters').getAttribute('title')) ?? '', /filters are set/);
    // Cleared for the tests after this one.
    await view.locator('#toggle-filters').click();
    await view.locator('#include').fill('');
    await view.locator('#include').press('Enter');
    await view.locator('#toggle-filters').click();
  });

  it('Ctrl+Enter opens a result to the side; Shift+Alt+C and the context menu copy path:line', async () => {
    await search(view, 'edit distance between two strings');
    await view.locator('#query').press('ArrowDown');
    await view.locator('#result-0[aria-selected=true]').waitFor({ timeout: WAIT });
    await until(() => view.locator('#results').evaluate((el) => el === document.activeElement), 'the list has the keyboard');
    await view.locator('#results').press('Control+Enter');
    await page.locator('.editor-group-container').nth(1).waitFor({ timeout: WAIT });
    await page.locator('.editor-group-container.active .tab.active', { hasText: 'levenshtein.py' }).waitFor({ timeout: WAIT });
    const label = (await view.locator('#result-0').getAttribute('aria-label')) ?? '';
    const line = /lines (\d+)/.exec(label)[1];
    await view.locator('#results').focus();
    await view.locator('#results').press('Shift+Alt+KeyC');
    await view.locator('#status', { hasText: `Copied src/text/levenshtein.py:${line}` }).waitFor({ timeout: WAIT });
    const copied = await until(async () => {
      const text = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
      return text === `src/text/levenshtein.py:${line}` && text;
    }, 'the clipboard holds path:line');
    assert.equal(copied, `src/text/levenshtein.py:${line}`);

    // The row's context menu (VS Code's webview/context menu): Copy Path:Line of another result.
    const second = (await view.locator('#result-1').getAttribute('aria-label')) ?? '';
    const [, secondPath, secondLine] = /(?:^|, )([^,]+), lines (\d+)/.exec(second);
    await view.locator('#result-1').click({ button: 'right' });
    const menu = page.locator('.context-view .monaco-menu');
    for (const item of ['Open to the Side', 'Find Similar Code']) await menu.locator('.action-label', { hasText: item }).waitFor({ timeout: WAIT });
    // A menu ignores a click that comes too soon after it opened (a busy machine): click until it closes.
    await until(async () => {
      await menu.locator('.action-label', { hasText: 'Copy Path:Line' }).click({ timeout: 5000 }).catch(() => {});
      return menu.waitFor({ state: 'hidden', timeout: 2000 }).then(() => true, () => false);
    }, 'the context menu to take the click');
    await until(async () => (await page.evaluate(() => navigator.clipboard.readText()).catch(() => '')) === `${secondPath}:${secondLine}`, `the clipboard holds ${secondPath}:${secondLine}`);
  });

  it('shows the flat ranked list on the toggle, remembered after the view reloads', async () => {
    await view.locator('#toggle-grouped').click();
    await until(async () => (await view.locator('#results .file-group').count()) === 0, 'the flat list');
    assert.equal(await view.locator('#result-0 .result-file').innerText(), 'levenshtein.py');
    // Hidden and shown again, the page reloads, searches again and shows the list it was left with.
    await runCommand(page, 'View: Toggle Primary Side Bar Visibility', { timeoutMs: WAIT });
    await page.locator('[id="workbench.parts.sidebar"]').waitFor({ state: 'hidden', timeout: WAIT });
    await runCommand(page, 'View: Toggle Primary Side Bar Visibility', { timeoutMs: WAIT });
    view = await frameWith(page, '#query');
    await view.locator('#result-0 .result-file').waitFor({ timeout: WAIT });
    assert.equal(await view.locator('#results .file-group').count(), 0);
    assert.equal(await view.locator('#toggle-grouped').getAttribute('aria-pressed'), 'false');
    await view.locator('#toggle-grouped').click();
    await view.locator('#results .file-group').first().waitFor({ timeout: WAIT });
  });

  it('offers the first-run walkthrough: index, search, filters, agents', async () => {
    await runCommand(page, 'Welcome: Open Walkthrough...', { timeoutMs: WAIT });
    const row = page.locator(SELECTORS.quickInputRow, { hasText: 'Get started with Semindex' });
    await row.waitFor({ timeout: WAIT });
    await row.click();
    const steps = page.locator('.gettingStartedContainer .getting-started-step');
    await steps.filter({ hasText: 'Index the workspace' }).first().waitFor({ timeout: WAIT });
    for (const title of ['Search by meaning or by name', 'Narrow with filters', 'Use it from agents']) {
      assert.equal(await steps.filter({ hasText: title }).count(), 1, title);
    }
  });

  it('takes the light and dark screenshots of the panel', async () => {
    // Through the theme picker, as a user would (Preferences: Color Theme, type the name, Enter).
    const setTheme = async (theme) => {
      const box = page.locator(SELECTORS.quickInputBox);
      const row = page.locator(SELECTORS.quickInputRow, { hasText: 'Browse Additional Color Themes' }).first();
      // runCommand waits for the palette to close, which the theme picker in its place never does.
      await Promise.all([runCommand(page, 'Preferences: Color Theme', { timeoutMs: WAIT }), row.waitFor({ timeout: WAIT })]);
      await box.fill(theme);
      await page.locator(`${SELECTORS.quickInputRow}[aria-label^="${theme}"]`).first().waitFor({ timeout: WAIT });
      await box.press('Enter');
      await page.locator(SELECTORS.quickInput).waitFor({ state: 'hidden', timeout: WAIT });
    };
    await runCommand(page, 'View: Close All Editor Groups', { timeoutMs: WAIT });
    if (!(await view.locator('#include').isVisible())) await view.locator('#toggle-filters').click();
    await view.locator('#include').fill('src');
    await search(view, 'edit distance between two strings');
    await view.locator('#query').press('ArrowDown');
    await view.locator('#result-0[aria-selected=true]').waitFor({ timeout: WAIT });
    await view.locator('#results').evaluate(() => window.scrollTo(0, 0));
    await setTheme('Light Modern');
    await view.locator('body.vscode-light').waitFor({ timeout: WAIT });
    await page.locator('.monaco-workbench.vs').waitFor({ timeout: WAIT });
    await docsScreenshot(page, 'search-panel-light.png');
    await setTheme('Dark Modern');
    await view.locator('body.vscode-dark').waitFor({ timeout: WAIT });
    await page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: WAIT });
    await docsScreenshot(page, 'search-panel-dark.png');
  });
});

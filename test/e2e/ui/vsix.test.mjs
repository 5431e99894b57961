// UI tests of the PACKAGED extension: semindex-linux-x64.vsix (built by `npm run package`) is
// installed into a fresh extensions folder of code-server before it starts, then driven like a
// user would, through the command palette, the status bar and the two webviews, in headless
// chromium. One code-server session (on a copy of test/fixtures/workspace) for the whole file; the
// tests run in order. Also takes the README screenshots search-panel.png and progress-view.png
// (test-results/screenshots/; copied to docs/images/ with SEMINDEX_UPDATE_SCREENSHOTS=1).
// Failure artifacts: test-results/ui-vsix/<test>/.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ARTIFACTS, REPO_ROOT, SELECTORS, docsScreenshot, frameWith, installVsix, openWorkbenchSession, runCommand, statusBarItemById, webviewFrame, widenSideBar } from '../harness.mjs';

const VSIX = path.join(REPO_ROOT, 'semindex-linux-x64.vsix');
const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/workspace');
const WAIT = 90_000;
/** Files of the fixture that are indexed (scratch/ is .gitignore'd and absent anyway). */
const FIXTURE_FILES = 14;
/** Numbers as the extension shows them for code-server's display language, en (src/extension/format.ts): 13616 → "13,616". */
const count = (n) => n.toLocaleString('en-US');

/** Records every text the Semindex status bar item shows from now on (progress flashes by quickly). */
async function recordStatusTexts(page) {
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.__semindexStatus = [];
    const read = () => {
      const el = document.getElementById('semindex.semindex.semindex.status');
      const text = el ? (el.textContent || '').trim() : '';
      if (text && w.__semindexStatus.at(-1) !== text) w.__semindexStatus.push(text);
    };
    read();
    w.__semindexObserver?.disconnect();
    w.__semindexObserver = new MutationObserver(read);
    w.__semindexObserver.observe(document.getElementById('workbench.parts.statusbar') || document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  return () => page.evaluate(() => /** @type {any} */ (window).__semindexStatus.slice());
}

/** Empties the box and presses ↑ until it shows `last` (the history arrives from the extension). */
async function recallLast(query, last) {
  const end = Date.now() + WAIT;
  for (;;) {
    await query.fill('');
    await query.press('ArrowUp');
    if ((await query.inputValue()) === last) return;
    assert.ok(Date.now() < end, `↑ recalls "${last}" (box: "${await query.inputValue()}")`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('packaged extension (.vsix) in code-server', function () {
  this.timeout(240_000);
  let session;
  let page;
  let extensionsDir;
  let workspace;
  /** A full index of the fixture by the CLI: { files, chunks }. */
  let reference;
  /** Lines of the chunk the search panel found first for "edit distance between two strings". */
  let chunk;

  before(async function () {
    this.timeout(300_000);
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run "npm run package" first`);
    // Under the harness's temp prefix, so `harness.mjs cleanup` also removes a leftover.
    extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-e2e-vsix-extensions-'));
    installVsix(VSIX, extensionsDir);
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-e2e-cli-store-'));
    try {
      const out = execFileSync(process.execPath, [path.join(REPO_ROOT, 'dist/cli.js'), 'index', FIXTURE, '--store', store, '--json'], { encoding: 'utf8', timeout: WAIT });
      reference = JSON.parse(out.trim().split('\n').pop());
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
    assert.equal(reference.files, FIXTURE_FILES);
    session = await openWorkbenchSession({ name: 'ui-vsix', folder: FIXTURE, copyFolder: true, extensionsDir, viewport: { width: 1280, height: 800 } });
    page = session.page;
    workspace = session.server.folder;
    // Too large to index (default semindex.maxFileSize is 1 MiB): listed in the progress view.
    fs.mkdirSync(path.join(workspace, 'data'));
    fs.writeFileSync(path.join(workspace, 'data/huge_table.ts'), `// generated\n${'export const row = "0123456789abcdefghijklmnopqrstuvwxyz";\n'.repeat(22_000)}`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) console.error(`artifacts: ${await session.saveArtifacts(this.currentTest.title)}`);
  });

  after(async () => {
    await session?.close();
    if (extensionsDir) fs.rmSync(extensionsDir, { recursive: true, force: true });
  });

  it('installs from the .vsix with only what runs', () => {
    const dirs = fs.readdirSync(extensionsDir).filter((d) => d.startsWith('semindex.semindex-'));
    assert.equal(dirs.length, 1, `installed: ${fs.readdirSync(extensionsDir).join(', ')}`);
    const ext = path.join(extensionsDir, dirs[0]);
    for (const f of ['package.json', 'readme.md', 'LICENSE.txt', 'dist/extension.js', 'dist/worker.js', 'dist/transformers-embedder.js', 'dist/tree-sitter.wasm', 'dist/assets/static-table.bin', 'dist/grammars/tree-sitter-go.wasm', 'media/search.js', 'media/progress.js']) {
      assert.ok(fs.existsSync(path.join(ext, f)), `${f} is packaged`);
    }
    const all = fs.readdirSync(ext, { recursive: true });
    assert.deepEqual(all.filter((f) => f.endsWith('.map') || f.startsWith('dist/test') || f.startsWith('src/') || f.startsWith('test/')), [], 'no tests, sources or source maps');
    const packages = fs.readdirSync(path.join(ext, 'node_modules')).flatMap((p) => (p.startsWith('@') ? fs.readdirSync(path.join(ext, 'node_modules', p)).map((q) => `${p}/${q}`) : [p]));
    assert.deepEqual(packages.sort(), ['@lancedb/lancedb', '@lancedb/lancedb-linux-x64-gnu', '@opentelemetry/api', 'apache-arrow', 'flatbuffers', 'onnxruntime-common', 'onnxruntime-node', 'piscina', 'reflect-metadata', 'tslib']);
    assert.deepEqual(fs.readdirSync(path.join(ext, 'node_modules/onnxruntime-node/bin/napi-v6')), ['linux'], 'onnxruntime for linux only');
    assert.deepEqual(fs.readdirSync(path.join(ext, 'node_modules/onnxruntime-node/bin/napi-v6/linux')), ['x64']);
  });

  it('indexes from the command palette: the status bar shows progress, then "Semindex: N files, M chunks"', async () => {
    const status = statusBarItemById(page, 'semindex.semindex', 'semindex.status');
    await status.filter({ hasText: 'Semindex: not indexed' }).waitFor({ timeout: WAIT }); // activated, nothing indexed
    const texts = await recordStatusTexts(page);
    await runCommand(page, 'Semindex: Index Workspace', { timeoutMs: WAIT });
    const done = `Semindex: ${count(reference.files)} files, ${count(reference.chunks)} chunks`;
    await status.filter({ hasText: done }).waitFor({ timeout: WAIT });
    const seen = await texts();
    assert.ok(
      seen.some((t) => /Semindex: (opening the index…|scanning…|[\d,]+\/[\d,]+ files|finalizing…)/.test(t)),
      `progress was shown before the counts: ${JSON.stringify(seen)}`,
    );
    assert.equal(seen.at(-1), done);
  });

  it('searches in the search panel; Enter opens the file at the chunk', async () => {
    await runCommand(page, 'Semindex: Search', { timeoutMs: WAIT });
    const view = await frameWith(page, '#query');
    const query = view.locator('#query');
    await query.waitFor({ state: 'visible', timeout: WAIT });
    await widenSideBar(page, 520);

    // An identifier in keyword mode.
    await view.locator('#mode-keyword').click();
    assert.equal(await view.locator('#mode-keyword').getAttribute('aria-pressed'), 'true');
    await query.fill('ParseHTTPHeader');
    await view.locator('#result-0[aria-label*="headers.go"]').waitFor({ timeout: WAIT });
    assert.match((await view.locator('#results [role=option]').first().getAttribute('aria-label')) ?? '', /^ParseHTTPHeader, src\/http\/headers\.go, lines/);

    // A question in hybrid mode.
    await view.locator('#mode-hybrid').click();
    await query.fill('edit distance between two strings');
    const first = view.locator('#results [role=option]').first();
    await view.locator('#result-0[aria-label*="levenshtein.py"]').waitFor({ timeout: WAIT });
    await view.locator('#status', { hasText: /\d+ results?/ }).waitFor({ timeout: WAIT });
    const label = (await first.getAttribute('aria-label')) ?? '';
    assert.match(label, /^compute_levenshtein_distance, src\/text\/levenshtein\.py, lines \d+–\d+$/, label);
    const [, startLine, endLine] = /lines (\d+)–(\d+)/.exec(label).map(Number);
    assert.ok(startLine >= 1 && startLine < endLine, `${startLine}–${endLine}`);
    chunk = { startLine, endLine };
    assert.match(await first.locator('.result-snippet').innerText(), /def compute_levenshtein_distance/);
    assert.ok((await first.locator('mark').count()) > 0, 'query words are highlighted');
    assert.match((await view.locator('#embedder').innerText()).trim(), /^Embedder: code-search model/);

    // Keyboard: ↓ selects the first result, Enter opens it.
    await query.press('ArrowDown');
    await view.locator('#result-0[aria-selected=true]').waitFor({ timeout: WAIT });
    await view.locator('#results').press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: 'levenshtein.py' }).waitFor({ timeout: WAIT });
    // The chunk is selected, the cursor on its last line: the status bar says "Ln <end>, Col c (n selected)",
    // and the editor shows the chunk's first line.
    await page.locator('[id="status.editor.selection"]', { hasText: new RegExp(`^Ln ${endLine}, Col \\d+ \\([\\d,]+ selected\\)`) }).waitFor({ timeout: WAIT });
    await page.locator('.monaco-editor .view-line', { hasText: 'def compute_levenshtein_distance' }).waitFor({ timeout: WAIT });

    await view.locator('#results').evaluate(() => window.scrollTo(0, 0)); // the page scrolls, under a sticky query box
    await docsScreenshot(page, 'search-panel.png');
  });

  it('Quick Search (Ctrl+Alt+Shift+F): results as you type, the active one previewed, Enter opens it at the chunk; Search Selection seeds the panel', async () => {
    assert.ok(chunk, 'the search panel test found the chunk');
    await runCommand(page, 'View: Close All Editors', { timeoutMs: WAIT });
    const tab = (name) => page.locator('.tabs-container .tab.active', { hasText: name });
    await page.locator('[id="workbench.parts.editor"]').click(); // the workbench has the keyboard, not a webview
    await page.keyboard.press('Control+Alt+Shift+KeyF');
    const input = page.locator(SELECTORS.quickInputBox);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await input.getAttribute('placeholder'), 'Describe the code, or type identifiers');
    await input.pressSequentially('edit distance between two strings', { delay: 15 });
    const rows = page.locator(SELECTORS.quickInputRow);
    const first = rows.first();
    await first.filter({ hasText: 'levenshtein.py' }).waitFor({ timeout: WAIT });
    const label = (await first.getAttribute('aria-label')) ?? '';
    assert.match(label, new RegExp(`^compute_levenshtein_distance — src/text/levenshtein\\.py:${chunk.startLine}\\b`), label);
    // The active item is previewed; the keyboard stays in the input.
    await tab('levenshtein.py').waitFor({ timeout: WAIT });
    assert.equal(await input.evaluate((el) => el === document.activeElement), true, 'the focus stays in the quick input');
    // ↓ previews the next result, ↑ the first again.
    const second = (await rows.nth(1).getAttribute('aria-label')) ?? '';
    const secondFile = /— (?:[^:]*\/)?([^/:]+):\d+/.exec(second)?.[1];
    assert.ok(secondFile, second);
    await input.press('ArrowDown');
    await tab(secondFile).waitFor({ timeout: WAIT });
    await input.press('ArrowUp');
    await tab('levenshtein.py').waitFor({ timeout: WAIT });
    // Enter opens it with the chunk selected: the cursor on its last line.
    await input.press('Enter');
    await page.locator(SELECTORS.quickInput).waitFor({ state: 'hidden', timeout: WAIT });
    await tab('levenshtein.py').waitFor({ timeout: WAIT });
    await page.locator('[id="status.editor.selection"]', { hasText: new RegExp(`^Ln ${chunk.endLine}, Col \\d+ \\([\\d,]+ selected\\)`) }).waitFor({ timeout: WAIT });

    // Search Selection (Ctrl+Alt+Shift+S) on that selection: the panel, seeded with its first line.
    const lines = fs.readFileSync(path.join(workspace, 'src/text/levenshtein.py'), 'utf8').split('\n');
    const firstLine = lines.slice(chunk.startLine - 1, chunk.endLine).find((l) => l.trim()).trim().replace(/\s+/g, ' ');
    await page.keyboard.press('Control+Alt+Shift+KeyS');
    const view = await frameWith(page, '#query');
    await view.locator('#query').waitFor({ state: 'visible', timeout: WAIT });
    const end = Date.now() + WAIT;
    while ((await view.locator('#query').inputValue()) !== firstLine) {
      assert.ok(Date.now() < end, `the query box holds "${firstLine}" (has "${await view.locator('#query').inputValue()}")`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('recalls the last query with ↑ in the empty search box, also once the view has reloaded', async () => {
    const last = 'crc32 checksum of a byte buffer';
    let view = await frameWith(page, '#query');
    let query = view.locator('#query');
    await query.fill(last);
    await query.press('Enter'); // settled on: kept in the workspace's history
    await view.locator('#result-0[aria-label*="crc32.c"]').waitFor({ timeout: WAIT });
    // The page learns the new history from the extension's reply to `remember` (workspaceState is
    // written first): on a loaded machine ↑ can come before it, so try until it has (as below).
    await recallLast(query, last);

    // Hidden and shown again, the page reloads: the history comes back from the extension (workspaceState).
    await runCommand(page, 'View: Toggle Primary Side Bar Visibility', { timeoutMs: WAIT });
    await page.locator('[id="workbench.parts.sidebar"]').waitFor({ state: 'hidden', timeout: WAIT });
    await runCommand(page, 'View: Toggle Primary Side Bar Visibility', { timeoutMs: WAIT });
    view = await frameWith(page, '#query');
    query = view.locator('#query');
    await query.waitFor({ state: 'visible', timeout: WAIT });
    // The history reaches a fresh page just after it says ready: try until it has.
    await recallLast(query, last);
  });

  it('shows phase, counts, health and skipped files in the progress view; its buttons work', async () => {
    await runCommand(page, 'Semindex: Show Index Progress', { timeoutMs: WAIT });
    const panel = await frameWith(page, '#progress-phase');
    await panel.locator('#progress-phase', { hasText: 'Up to date' }).waitFor({ timeout: WAIT });
    await panel.locator('#progress-counts', { hasText: `${count(reference.files)} files · ${count(reference.chunks)} chunks` }).waitFor({ timeout: WAIT });
    assert.equal((await panel.locator('#health-files').innerText()).trim(), count(reference.files));
    assert.equal((await panel.locator('#health-chunks').innerText()).trim(), count(reference.chunks));
    assert.equal(await panel.locator('#progress-bar').getAttribute('aria-valuenow'), '100');
    const skipped = panel.locator('#problems .link', { hasText: 'data/huge_table.ts' });
    await skipped.waitFor({ timeout: WAIT });
    assert.match(await panel.locator('#problems li', { hasText: 'data/huge_table.ts' }).innerText(), /skipped/);
    assert.equal(await panel.locator('#pause').isDisabled(), true, 'nothing to pause');
    await docsScreenshot(page, 'progress-view.png');

    // Rebuild from the panel: it clears, indexes again and comes back with the same counts.
    const texts = await recordStatusTexts(page);
    await panel.locator('#rebuild').click();
    // It asks first, in a modal (window.dialogStyle custom: part of the page).
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.filter({ hasText: 'Rebuild the Semindex index from scratch?' }).waitFor({ timeout: WAIT });
    assert.match(await dialog.innerText(), /embedded again/);
    await dialog.locator('.monaco-button', { hasText: /^Rebuild$/ }).click();
    await dialog.waitFor({ state: 'hidden', timeout: WAIT });
    await panel.locator('#progress-phase', { hasText: /Clearing|Opening|Scanning|Indexing|Finalizing|Working/ }).waitFor({ timeout: WAIT }).catch(() => {});
    await panel.locator('#progress-phase', { hasText: 'Up to date' }).waitFor({ timeout: WAIT });
    await panel.locator('#health-chunks', { hasText: count(reference.chunks) }).waitFor({ timeout: WAIT });
    const seen = await texts();
    assert.ok(seen.some((t) => /clearing the index|opening the index|scanning|files ·/.test(t)), `the rebuild showed in the status bar: ${JSON.stringify(seen)}`);

    // A skipped file opens from the list.
    await skipped.click();
    await page.locator('.tabs-container .tab.active', { hasText: 'huge_table.ts' }).waitFor({ timeout: WAIT });
  });
});

// The webview pages (media/search.js, media/progress.js) in a real headless Chromium, under the
// same CSP the extension sets, with acquireVsCodeApi stubbed: messages in, DOM and messages out.
// Skipped when no Chromium is installed (set SEMINDEX_CHROMIUM to its path to point at one).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { deriveState } from '../../src/extension/indexState';
import { problemItems, progressView } from '../../src/extension/progressView';
import { resultItems, searchStatus } from '../../src/extension/searchModel';
import { pageHtml, progressPanelBody, searchViewBody } from '../../src/extension/webviewHtml';
import type { SearchResult } from '../../src/indexer/search';
import { facts, notIndexedFacts, progress } from './extension-facts';
import { repoRoot } from './helpers';

const chromiumPath = [process.env.SEMINDEX_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && fs.existsSync(p));

// Host side of acquireVsCodeApi: records what the page posts.
const STUB = `window.__posted = []; window.__state = undefined;
window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => window.__state, setState: (s) => { window.__state = s; } });`;

function serve(pages: Record<string, string>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (pages[url] !== undefined) {
      res.writeHead(200, { 'content-type': url.endsWith('.js') ? 'text/javascript' : 'text/html' });
      res.end(pages[url]);
      return;
    }
    const file = path.join(repoRoot, 'media', path.basename(url));
    if (url.startsWith('/media/') && fs.existsSync(file)) {
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css' });
      res.end(fs.readFileSync(file));
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// The callbacks run in the page; `globalThis` is its window (no DOM types in this tsconfig).
type PageGlobals = { __posted: { type: string }[]; __pwned?: number; postMessage(m: unknown, origin: string): void };
const posted = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).__posted);
const send = (page: Page, msg: unknown) => page.evaluate((m) => (globalThis as unknown as PageGlobals).postMessage(m, '*'), msg);
const clearPosted = (page: Page) => page.evaluate(() => ((globalThis as unknown as PageGlobals).__posted.length = 0));

const readyState = deriveState(
  facts({
    multiRoot: true,
    progress: undefined,
    stats: { files: 12, chunks: 80, failed: 1, skipped: 1, bytes: 4096, cacheHitRate: undefined },
    embedder: { kind: 'static', description: 'static test vectors' },
    lastFullRun: { at: Date.now(), seconds: 3, files: 12, chunks: 80 },
  }),
);

describe('extension webview pages (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let server: http.Server;
  let base = '';
  const violations: string[] = [];

  before(async function () {
    if (!chromiumPath) this.skip();
    // Loaded at run time, not bundled: playwright-core locates its own files.
    const { chromium } = createRequire(__filename)('playwright-core') as typeof import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    const page = (body: string, script: string, style: string) => {
      const nonce = 'TESTNONCE123';
      return pageHtml({ cspSource: base, nonce, title: 't', styles: [`${base}/media/${style}`], scripts: [`${base}/stub.js`, `${base}/media/${script}`], body });
    };
    // Pages are built once the port (the CSP source) is known; the server reads them per request.
    const pages: Record<string, string> = { '/stub.js': STUB };
    server = await serve(pages);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    pages['/search.html'] = page(searchViewBody, 'search.js', 'search.css');
    pages['/progress.html'] = page(progressPanelBody, 'progress.js', 'progress.css');
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  async function open(name: string): Promise<Page> {
    const page = await browser!.newPage();
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
    await page.goto(`${base}/${name}`);
    await page.waitForFunction(() => (globalThis as unknown as Partial<PageGlobals>).__posted?.length);
    return page;
  }

  it('search view: debounced query, results with escaped and highlighted snippets, keyboard navigation', async () => {
    const page = await open('search.html');
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);

    await send(page, { type: 'status', status: searchStatus(readyState, 'en') });
    // The flat ranked list here (the grouped view has its own test below).
    await send(page, { type: 'prefs', grouped: false, filtersShown: false, languages: ['go', 'python'] });
    assert.equal(await page.textContent('#empty-text'), 'Type to search 12 files (80 chunks).');
    assert.equal(await page.textContent('#embedder'), 'Embedder: static test vectors');

    await clearPosted(page);
    await page.type('#query', 'parse config', { delay: 20 });
    await page.waitForTimeout(450);
    const searches = (await posted(page)).filter((m) => m.type === 'search') as unknown as { seq: number; query: string }[];
    // Debounced: one search once typing stops (a slow machine may let a pause through, never one per key).
    assert.ok(searches.length >= 1 && searches.length <= 3, `${searches.length} searches for 12 keystrokes`);
    const seq = searches[searches.length - 1].seq;
    assert.deepEqual(searches[searches.length - 1], { type: 'search', seq, query: 'parse config', mode: 'hybrid' });

    const hostile = '<img src=x onerror="window.__pwned=1">';
    const results = resultItems(
      [
        { root: 'app', path: 'src/<b>config</b>.ts', startLine: 3, endLine: 9, symbol: 'parseConfig', language: 'typescript', kind: 'function', score: 1, snippet: `function parseConfig(text) {\n  return ${hostile};\n}`, copies: [{ path: 'app/dist/<i>bundle</i>.js', startLine: 120, endLine: 126 }] },
        { root: 'lib', path: 'lib/b.ts', startLine: 1, endLine: 1, symbol: '', language: 'typescript', kind: 'window', score: 0.5, snippet: 'const configValue = 1;' },
      ],
      'parse config',
      true,
    );
    await send(page, { type: 'results', seq: 0, query: 'stale', results: [], coverageText: '', ms: 1 }); // an older query: ignored
    await send(page, { type: 'results', seq, query: 'parse config', results, coverageText: '62% of files indexed', ms: 3 });
    assert.equal(await page.locator('#results [role=option]').count(), 2);
    assert.equal(await page.textContent('#status'), '2 results · 62% of files indexed');
    assert.equal(await page.locator('#results img, #results b').count(), 0, 'no markup from data');
    assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned), undefined);
    assert.ok((await page.textContent('#result-0 pre'))!.includes(hostile));
    assert.deepEqual(await page.locator('#result-0 mark').allTextContents(), ['parseConfig']);
    assert.equal(await page.textContent('#result-0 .result-root'), 'app');
    assert.equal(await page.textContent('#result-0 .result-copies'), 'Same code also in app/dist/<i>bundle</i>.js:120', 'identical copies named, as text');
    assert.equal(await page.locator('#result-1 .result-copies').count(), 0);
    assert.match((await page.getAttribute('#result-0', 'aria-label'))!, /parseConfig, src\/<b>config<\/b>\.ts in app, lines 3–9/);

    await clearPosted(page);
    await page.focus('#query');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('#results', 'aria-activedescendant'), 'result-0');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('#result-1', 'aria-selected'), 'true');
    assert.equal(await page.getAttribute('#result-0', 'aria-selected'), 'false');
    await page.keyboard.press('Enter');
    await page.click('#result-0');
    // Opening also remembers the query (the history test below); here, what is opened.
    // A result is named by its index into the host's list for that seq, not by a path.
    assert.deepEqual((await posted(page)).filter((m) => m.type === 'open'), [
      { type: 'open', seq, index: 1, toSide: false },
      { type: 'open', seq, index: 0, toSide: false },
    ]);

    await clearPosted(page);
    await page.click('#mode-keyword');
    assert.equal(await page.getAttribute('#mode-keyword', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('#mode-hybrid', 'aria-pressed'), 'false');
    assert.deepEqual(await posted(page), [{ type: 'search', seq: seq + 1, query: 'parse config', mode: 'keyword' }]);
    await send(page, { type: 'results', seq: seq + 1, query: 'parse config', results: [], coverageText: '', ms: 1 });
    await page.locator('#empty-text', { hasText: 'No results for' }).waitFor({ timeout: 10_000 });
    assert.match((await page.textContent('#empty-text'))!, /No results for “parse config”/);
    await page.close();
  });

  it('search view: a result whose file changed says so with a Re-index button and no lines; re-indexed, the query runs again', async () => {
    const page = await open('search.html');
    await send(page, { type: 'status', status: searchStatus(readyState, 'en') });
    await send(page, { type: 'prefs', grouped: false, filtersShown: false, languages: [] });
    await clearPosted(page);
    await page.fill('#query', 'polygon area');
    await page.press('#query', 'Enter');
    const { seq } = (await posted(page)).filter((m) => m.type === 'search').at(-1) as unknown as { seq: number };
    const results = resultItems(
      [
        { root: '', path: 'src/geometry.py', startLine: 4, endLine: 9, symbol: 'polygon_area', language: 'python', kind: 'function', score: 1, snippet: '', stale: 'changed' },
        { root: '', path: 'src/gone.go', startLine: 3, endLine: 6, symbol: 'DeleteScratch', language: 'go', kind: 'function', score: 0.8, snippet: '', stale: 'missing' },
        { root: '', path: 'src/area.py', startLine: 1, endLine: 2, symbol: 'area', language: 'python', kind: 'function', score: 0.5, snippet: 'def area(r):\n    return r * r' },
      ],
      'polygon area',
      false,
    );
    await send(page, { type: 'results', seq, query: 'polygon area', results, coverageText: '', ms: 1 });
    assert.equal(await page.textContent('#result-0 .result-stale-text'), 'File changed since it was indexed');
    assert.equal(await page.textContent('#result-1 .result-stale-text'), 'File not found — deleted or moved since it was indexed');
    assert.equal(await page.locator('#result-0 pre, #result-1 pre').count(), 0, 'no lines for a stale result');
    assert.equal(await page.locator('#result-2 .result-stale').count(), 0);
    assert.equal(await page.textContent('#result-2 pre'), 'def area(r):\n    return r * r');
    assert.equal(await page.textContent('#result-0 .result-reindex'), 'Re-index');
    await clearPosted(page);
    await page.click('#result-0 .result-reindex');
    assert.deepEqual(await posted(page), [{ type: 'reindex', seq, index: 0 }], 'the button re-indexes, it does not open');
    assert.equal(await page.isDisabled('#result-0 .result-reindex'), true);
    await clearPosted(page);
    await send(page, { type: 'reindexed' });
    assert.deepEqual(await posted(page), [{ type: 'search', seq: seq + 1, query: 'polygon area', mode: 'hybrid' }]);
    await page.close();
  });

  it('search view: the not-indexed state offers Index Workspace, and a seed fills the box', async () => {
    const page = await open('search.html');
    const notIndexed = deriveState(notIndexedFacts());
    await send(page, { type: 'status', status: searchStatus(notIndexed, 'en') });
    assert.equal(await page.isVisible('#empty-action'), true);
    assert.equal(await page.textContent('#empty-action'), 'Index Workspace');
    await clearPosted(page);
    await page.click('#empty-action');
    assert.deepEqual(await posted(page), [{ type: 'run', command: 'index' }]);
    await send(page, { type: 'seed', query: 'retry with backoff' });
    assert.equal(await page.inputValue('#query'), 'retry with backoff');
    assert.deepEqual((await posted(page)).at(-1), { type: 'search', seq: 1, query: 'retry with backoff', mode: 'hybrid' });
    await page.close();
  });

  it('search view: find similar from the command and from a row (button, Shift+Enter), the header, and back to the query', async () => {
    const page = await open('search.html');
    await send(page, { type: 'status', status: searchStatus(readyState, 'en') });
    await send(page, { type: 'prefs', grouped: false, filtersShown: false, languages: [] });
    const hits = resultItems(
      [
        { root: 'app', path: 'src/text/levenshtein.py', startLine: 4, endLine: 18, symbol: 'compute_levenshtein_distance', language: 'python', kind: 'function', score: 1, snippet: 'def compute_levenshtein_distance(a, b):' },
        { root: 'lib', path: 'lib/distance.py', startLine: 2, endLine: 9, symbol: 'edit_distance', language: 'python', kind: 'function', score: 0.5, snippet: 'def edit_distance(a, b):' },
      ],
      'edit distance',
      true,
    );
    type Similar = { type: 'similar'; seq: number; target: unknown; mode: string };
    const lastSimilar = async () => (await posted(page)).filter((m) => m.type === 'similar').at(-1) as unknown as Similar | undefined;

    // A query's results first.
    await page.fill('#query', 'edit distance');
    await page.press('#query', 'Enter');
    let seq = ((await posted(page)).filter((m) => m.type === 'search').at(-1) as unknown as { seq: number }).seq;
    await send(page, { type: 'results', seq, query: 'edit distance', results: hits, coverageText: '', ms: 1 });
    await page.locator('#result-1').waitFor({ timeout: 10_000 });
    assert.equal(await page.isVisible('#similar'), false);
    assert.equal(await page.locator('#results .result-similar').count(), 2, 'each row has the action');
    assert.equal(await page.getAttribute('#result-0 .result-similar', 'aria-label'), 'Find code similar to compute_levenshtein_distance');

    // The command: a header instead of the query, and the page asks for the results.
    await clearPosted(page);
    const selection = { kind: 'code', code: 'def f(a, b):\n    return a', from: { root: 'app', path: 'src/x.py', startLine: 1, endLine: 2 } };
    await send(page, { type: 'findSimilar', target: selection, label: 'the selection' });
    await page.locator('#similar-label', { hasText: 'Similar to the selection' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.isVisible('#similar'), true);
    assert.equal(await page.inputValue('#query'), '');
    let asked = (await lastSimilar())!;
    assert.deepEqual(asked, { type: 'similar', seq: asked.seq, target: selection, mode: 'hybrid' });
    assert.equal(await page.locator('#results [role=option]').count(), 0, 'the old results go');
    await send(page, { type: 'results', seq: asked.seq, query: '', results: hits.slice(1), coverageText: '', ms: 1 });
    await page.locator('#status', { hasText: '1 result' }).waitFor({ timeout: 10_000 });

    // A mode switch asks again for the same target.
    await page.click('#mode-keyword');
    asked = (await lastSimilar())!;
    assert.deepEqual(asked, { type: 'similar', seq: asked.seq, target: selection, mode: 'keyword' });
    await send(page, { type: 'results', seq: asked.seq, query: '', results: [], coverageText: '', ms: 1 });
    await page.locator('#empty-text', { hasText: 'No code similar' }).waitFor({ timeout: 10_000 });
    assert.match((await page.textContent('#empty-text'))!, /^No code similar to the selection found\. Try Hybrid mode\.$/);
    await page.click('#mode-hybrid');
    asked = (await lastSimilar())!;
    await send(page, { type: 'results', seq: asked.seq, query: '', results: hits, coverageText: '', ms: 1 });
    await page.locator('#result-1').waitFor({ timeout: 10_000 });

    // A row's button: code like that result, labelled by folder in a multi-root workspace; the row is not opened.
    await clearPosted(page);
    await page.hover('#result-1');
    await page.click('#result-1 .result-similar');
    asked = (await lastSimilar())!;
    assert.deepEqual(asked.target, { kind: 'span', root: 'lib', path: 'lib/distance.py', startLine: 2, endLine: 9 });
    assert.ok(!(await posted(page)).some((m) => m.type === 'open'), 'the button does not open the result');
    assert.equal(await page.textContent('#similar-label'), 'Similar to lib/lib/distance.py:2-9');
    await send(page, { type: 'results', seq: asked.seq, query: '', results: hits.slice(0, 1), coverageText: '', ms: 1 });
    // The keyboard stayed in the list: the new first result is selected, Enter opens it.
    await page.locator('#result-0[aria-selected=true]').waitFor({ timeout: 10_000 });
    assert.equal(await page.getAttribute('#result-0', 'aria-selected'), 'true');
    await clearPosted(page);
    await page.keyboard.press('Enter');
    assert.deepEqual(await posted(page), [{ type: 'open', seq: asked.seq, index: 0, toSide: false }]);

    // Shift+Enter on the list, and Tab to the selected row's button then Enter: the same action.
    await clearPosted(page);
    await page.keyboard.press('Shift+Enter');
    asked = (await lastSimilar())!;
    assert.deepEqual(asked.target, { kind: 'span', root: 'app', path: 'src/text/levenshtein.py', startLine: 4, endLine: 18 });
    await send(page, { type: 'results', seq: asked.seq, query: '', results: hits, coverageText: '', ms: 1 });
    // The page renders on its message event: wait for it rather than racing it.
    await page.locator('#result-1').waitFor({ timeout: 10_000 });
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('#result-1', 'aria-selected'), 'true');
    assert.deepEqual(await page.locator('#results .result-similar').evaluateAll((els) => els.map((e) => (e as unknown as { tabIndex: number }).tabIndex)), [-1, 0]);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { closest(s: string): { id: string } | null } } }).document.activeElement.closest('.result')?.id), 'result-1');
    await clearPosted(page);
    await page.keyboard.press('Enter');
    assert.deepEqual((await lastSimilar())!.target, { kind: 'span', root: 'lib', path: 'lib/distance.py', startLine: 2, endLine: 9 });
    assert.ok(!(await posted(page)).some((m) => m.type === 'open'));

    // Back to the search: the query the box had before find similar, searched again.
    await clearPosted(page);
    await page.click('#similar-clear');
    assert.equal(await page.isVisible('#similar'), false);
    assert.equal(await page.inputValue('#query'), 'edit distance');
    seq = ((await posted(page)).filter((m) => m.type === 'search').at(-1) as unknown as { seq: number }).seq;
    assert.deepEqual((await posted(page)).filter((m) => m.type === 'search').at(-1), { type: 'search', seq, query: 'edit distance', mode: 'hybrid' });

    // Typing ends find similar too.
    await send(page, { type: 'findSimilar', target: selection, label: 'the selection' });
    await page.locator('#similar').waitFor({ timeout: 10_000 });
    await clearPosted(page);
    await page.type('#query', 'x');
    assert.equal(await page.isVisible('#similar'), false);
    await page.waitForTimeout(400);
    assert.deepEqual((await posted(page)).map((m) => m.type), ['search']);
  });

  it('search view: ↑/↓ in the empty box walk the query history; Enter and opening a result remember the query', async () => {
    const page = await open('search.html');
    await send(page, { type: 'status', status: searchStatus(readyState, 'en') });
    await send(page, { type: 'history', queries: ['oldest query', 'middle query', 'last query'] });
    await page.focus('#query');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.inputValue('#query'), 'last query', '↑ in the empty box: the last query');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.inputValue('#query'), 'oldest query', 'and no further than the oldest');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.inputValue('#query'), 'middle query');
    assert.deepEqual((await posted(page)).at(-1), { type: 'search', seq: 5, query: 'middle query', mode: 'hybrid' }, 'a recalled query is searched at once');
    // Typed text is not history: ↑ moves the caret again instead of replacing it.
    await page.keyboard.type(' edited');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.inputValue('#query'), 'middle query edited');
    await clearPosted(page);
    await page.keyboard.press('Enter');
    assert.deepEqual((await posted(page)).filter((m) => m.type === 'remember'), [{ type: 'remember', query: 'middle query edited' }]);
    const seq = ((await posted(page)).find((m) => m.type === 'search') as unknown as { seq: number }).seq;
    await send(page, { type: 'results', seq, query: 'middle query edited', results: resultItems([{ root: '', path: 'a.ts', startLine: 1, endLine: 2, symbol: 'a', kind: 'function', language: 'typescript', score: 1, snippet: 'function a() {}' }], 'q', false), coverageText: '', ms: 1 });
    await clearPosted(page);
    await page.click('#result-0');
    assert.deepEqual((await posted(page)).map((m) => m.type), ['open'], 'remembered once');
    // A query typed and then a result opened (no Enter): remembered too.
    await page.fill('#query', 'another query');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__posted.some((m) => (m as { query?: string }).query === 'another query'));
    const seq2 = ((await posted(page)).filter((m) => m.type === 'search').at(-1) as unknown as { seq: number }).seq;
    await send(page, { type: 'results', seq: seq2, query: 'another query', results: resultItems([{ root: '', path: 'b.ts', startLine: 1, endLine: 2, symbol: 'b', kind: 'function', language: 'typescript', score: 1, snippet: 'function b() {}' }], 'q', false), coverageText: '', ms: 1 });
    await clearPosted(page);
    await page.click('#result-0');
    assert.deepEqual((await posted(page)).filter((m) => m.type !== 'search'), [{ type: 'remember', query: 'another query' }, { type: 'open', seq: seq2, index: 0, toSide: false }]);
    await page.close();
  });

  it('search view: grouped by file (ranked by best hit, counts, folding, keys), flat on a toggle that is remembered', async () => {
    const page = await open('search.html');
    await send(page, { type: 'status', status: searchStatus(readyState, 'en') });
    const hit = (path: string, startLine: number, symbol: string, score: number): SearchResult => ({ root: '', path, startLine, endLine: startLine + 2, symbol, language: 'python', kind: 'function', score, snippet: `def ${symbol}(a):\n    return a` });
    // Ranked: b.py's best hit first, then a.py, then b.py's second hit.
    const hits = resultItems([hit('src/b.py', 10, 'best', 0.9), hit('src/a.py', 1, 'middle', 0.8), hit('src/b.py', 30, 'third', 0.7)], 'best', false);
    await page.fill('#query', 'best');
    await page.press('#query', 'Enter');
    const seq = ((await posted(page)).filter((m) => m.type === 'search').at(-1) as unknown as { seq: number }).seq;
    await send(page, { type: 'results', seq, query: 'best', results: hits, coverageText: '', ms: 1 });
    await page.locator('#result-2').waitFor({ timeout: 10_000 });
    assert.equal(await page.textContent('#status'), '3 results in 2 files');
    const groups = await page.locator('#results .file-group').evaluateAll((els) =>
      els.map((g) => ({
        head: (g as unknown as { querySelector(s: string): { getAttribute(a: string): string } }).querySelector('.file-head').getAttribute('aria-label'),
        rows: [...(g as unknown as { querySelectorAll(s: string): Iterable<{ id: string }> }).querySelectorAll('[role=option]')].map((r) => r.id),
      })),
    );
    assert.deepEqual(groups, [
      { head: 'src/b.py, 2 results', rows: ['result-0', 'result-2'] },
      { head: 'src/a.py, 1 result', rows: ['result-1'] },
    ]);
    assert.equal(await page.textContent('#file-0 .file-count'), '2');

    // Keys: ↓ from the box to the best hit; ↓ walks the display order, headers included; ← goes to the header, ← again folds.
    await page.focus('#query');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('#results', 'aria-activedescendant'), 'result-0');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('#results', 'aria-activedescendant'), 'result-2');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('#results', 'aria-activedescendant'), 'file-1');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.getAttribute('#results', 'aria-activedescendant'), 'file-0');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.getAttribute('#file-0', 'aria-expanded'), 'false');
    assert.equal(await page.isVisible('#result-0'), false);
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('#results', 'aria-activedescendant'), 'file-1', 'a folded file\'s hits are skipped');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.isVisible('#result-0'), true);
    await page.click('#file-1');
    assert.equal(await page.isVisible('#result-1'), false, 'a click on the header folds it');
    await page.click('#file-1');

    // Open to the side: Ctrl+Enter and Alt+click; copy path:line: Shift+Alt+C and the row's button.
    await clearPosted(page);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Control+Enter');
    await page.click('#result-0', { modifiers: ['Alt'] });
    await page.click('#result-2');
    await page.keyboard.press('Shift+Alt+KeyC');
    await page.hover('#result-1');
    await page.click('#result-1 .result-copy');
    assert.deepEqual(
      (await posted(page)).filter((m) => m.type === 'open' || m.type === 'copy'),
      [
        { type: 'open', seq, index: 1, toSide: true },
        { type: 'open', seq, index: 0, toSide: true },
        { type: 'open', seq, index: 2, toSide: false },
        { type: 'copy', seq, index: 2 },
        { type: 'copy', seq, index: 1 },
      ],
    );
    assert.equal(await page.textContent('#status'), 'Copied src/a.py:1');
    // The row's context for VS Code's webview context menu names it by seq and index.
    assert.deepEqual(JSON.parse((await page.getAttribute('#result-2', 'data-vscode-context'))!), { webviewSection: 'result', resultSeq: seq, resultIndex: 2, preventDefaultContextMenuItems: true });

    // The flat list on the toggle: rank order, the file on every row; the choice goes to the extension.
    await clearPosted(page);
    await page.click('#toggle-grouped');
    assert.deepEqual(await posted(page), [{ type: 'prefs', grouped: false, filtersShown: false }]);
    assert.equal(await page.locator('#results .file-group').count(), 0);
    assert.deepEqual(await page.locator('#results [role=option]').evaluateAll((els) => els.map((e) => e.id)), ['result-0', 'result-1', 'result-2']);
    assert.equal(await page.textContent('#result-1 .result-file'), 'a.py');
    // A page that loads with the remembered choice shows it.
    await send(page, { type: 'prefs', grouped: true, filtersShown: false, languages: [] });
    assert.equal(await page.locator('#results .file-group').count(), 2);
    // Folds last while the same query is searched again, and go with a new one.
    await page.click('#file-0');
    assert.equal(await page.getAttribute('#file-0', 'aria-expanded'), 'false');
    await page.press('#query', 'Enter');
    const again = ((await posted(page)).filter((m) => m.type === 'search').at(-1) as unknown as { seq: number }).seq;
    await send(page, { type: 'results', seq: again, query: 'best', results: hits, coverageText: '', ms: 1 });
    await page.locator(`#results[aria-label]`).waitFor({ timeout: 10_000 });
    assert.equal(await page.getAttribute('#file-0', 'aria-expanded'), 'false', 'the same query: still folded');
    await page.fill('#query', 'other');
    await page.press('#query', 'Enter');
    const other = ((await posted(page)).filter((m) => m.type === 'search').at(-1) as unknown as { seq: number }).seq;
    await send(page, { type: 'results', seq: other, query: 'other', results: hits, coverageText: '', ms: 1 });
    await page.locator('#file-0[aria-expanded=true]').waitFor({ timeout: 10_000 });
    await page.close();
  });

  it('search view: files to include / exclude and language go with the search; hidden filters still show as set', async () => {
    const page = await open('search.html');
    await send(page, { type: 'status', status: searchStatus(readyState, 'en') });
    await send(page, { type: 'prefs', grouped: true, filtersShown: false, languages: ['go', 'python', 'typescript'] });
    assert.equal(await page.isVisible('#filters'), false);
    await page.click('#toggle-filters');
    assert.equal(await page.isVisible('#include'), true);
    assert.equal(await page.getAttribute('#toggle-filters', 'aria-expanded'), 'true');
    assert.deepEqual((await posted(page)).at(-1), { type: 'prefs', grouped: true, filtersShown: true });
    await page.fill('#query', 'parse');
    await page.press('#query', 'Enter');
    await page.fill('#include', 'src/http');
    await page.fill('#exclude', '*_test.go');
    await page.selectOption('#language', 'go');
    await page.press('#include', 'Enter');
    const last = (await posted(page)).filter((m) => m.type === 'search').at(-1) as unknown as Record<string, unknown>;
    assert.deepEqual(last, { type: 'search', seq: last.seq, query: 'parse', mode: 'hybrid', include: 'src/http', exclude: '*_test.go', language: 'go' });
    await send(page, { type: 'results', seq: last.seq, query: 'parse', results: [], coverageText: '', ms: 1 });
    await page.locator('#empty-text', { hasText: 'Check the filters' }).waitFor({ timeout: 10_000 });
    await page.click('#toggle-filters');
    assert.equal(await page.isVisible('#filters'), false);
    assert.match((await page.getAttribute('#toggle-filters', 'title'))!, /filters are set/);
    assert.equal(await page.locator('#toggle-filters.filters-set').count(), 1);
    await page.close();
  });

  it('search view: snippets carry syntax colour under the query-word marks; the notice says when results are partial', async () => {
    const page = await open('search.html');
    const running = deriveState(facts({ fullRun: true, lastRunCoverage: undefined, progress: progress({ phase: 'indexing', filesTotal: 100, filesDone: 43, chunks: 300 }) }));
    await send(page, { type: 'status', status: searchStatus(running, 'en') });
    await page.locator('#notice', { hasText: 'Indexing — 43% covered, results so far.' }).waitFor({ timeout: 10_000 });
    const code = 'def parse_config(path):\n    return open(path, "r")  # read';
    const hits = resultItems([{ root: '', path: 'a.py', startLine: 1, endLine: 2, symbol: 'parse_config', language: 'python', kind: 'function', score: 1, snippet: code }], 'parse config', false);
    await page.fill('#query', 'parse config');
    await page.press('#query', 'Enter');
    const seq = ((await posted(page)).filter((m) => m.type === 'search').at(-1) as unknown as { seq: number }).seq;
    await send(page, { type: 'results', seq, query: 'parse config', results: hits, coverageText: '43% of files indexed', ms: 1 });
    await page.locator('#result-0').waitFor({ timeout: 10_000 });
    assert.equal(await page.textContent('#result-0 pre'), code, 'the text is unchanged');
    assert.deepEqual(await page.locator('#result-0 .tok-keyword').allTextContents(), ['def', 'return']);
    assert.deepEqual(await page.locator('#result-0 .tok-string').allTextContents(), ['"r"']);
    assert.deepEqual(await page.locator('#result-0 .tok-comment').allTextContents(), ['# read']);
    // The marks sit over the tokens: "parse" and "config" inside the function name's token.
    assert.deepEqual(await page.locator('#result-0 mark').allTextContents(), ['parse', 'config']);
    assert.equal(await page.locator('#result-0 mark .tok-function').count(), 2);
    // Hostile classes from a page message are not applied.
    await clearPosted(page);
    await page.fill('#query', 'x');
    await page.press('#query', 'Enter');
    const seq2 = ((await posted(page)).filter((m) => m.type === 'search').at(-1) as unknown as { seq: number }).seq;
    await send(page, { type: 'results', seq: seq2, query: 'x', results: [{ ...hits[0], tokens: [[0, 3, 'keyword x" onclick="'], [4, 9, 'string']] }], coverageText: '', ms: 1 });
    await page.locator('#result-0 .tok-string').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#result-0 pre span[class*="onclick"]').count(), 0);
    // Another window writing: read-only, said above the results.
    const busy = deriveState(facts({ engineOpen: false, problem: { kind: 'busy', message: 'cli writes' } }));
    await send(page, { type: 'status', status: searchStatus(busy, 'en') });
    await page.locator('#notice', { hasText: 'Another window is indexing this workspace — results are read-only.' }).waitFor({ timeout: 10_000 });
    await page.close();
  });

  it('progress panel: full state, then diffs, buttons and the problem list', async () => {
    const page = await open('progress.html');
    const view = progressView(readyState, Date.now(), 'en');
    await send(page, { type: 'state', view });
    assert.equal(await page.textContent('#progress-phase'), 'Up to date');
    assert.equal(await page.textContent('#health-files'), '12');
    assert.equal(await page.textContent('#health-cache'), 'n/a — static embedder re-embeds faster than a cache lookup');
    assert.equal(await page.textContent('#embedder'), 'static test vectors');
    assert.equal(await page.getAttribute('#progress-bar', 'aria-valuenow'), '100');
    assert.equal(await page.isDisabled('#pause'), true);
    assert.equal(await page.isDisabled('#index'), false);

    await send(page, { type: 'state', view: { phaseLabel: 'Indexing (40%)', percent: 40, canPause: true, canCancel: true, canIndex: false } });
    assert.equal(await page.textContent('#progress-phase'), 'Indexing (40%)');
    assert.equal(await page.textContent('#health-files'), '12', 'fields not in the diff stay');
    assert.equal(await page.getAttribute('#progress-bar', 'aria-valuenow'), '40');
    await clearPosted(page);
    await page.click('#pause');
    await page.click('#cancel');
    await page.click('#rebuild');
    assert.deepEqual(await posted(page), [
      { type: 'run', command: 'pause' },
      { type: 'run', command: 'cancel' },
      { type: 'run', command: 'rebuild' },
    ]);

    const { items, total } = problemItems([{ root: 'app', path: '<script>x</script>.bin', status: 'skipped', reason: 'binary file type (.bin)' }], false);
    await send(page, { type: 'problems', items, total });
    // The page renders on its message event: wait for it rather than racing it.
    await page.locator('#problems li').first().waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#problems li').count(), 1);
    assert.equal(await page.locator('#problems script').count(), 0);
    assert.equal(await page.textContent('#problems .link'), '<script>x</script>.bin');
    await clearPosted(page);
    await page.click('#problems .link');
    assert.deepEqual(await posted(page), [{ type: 'open', index: 0 }]);
    assert.equal(await page.isVisible('#problems-empty'), false);
    await page.close();
  });

  it('runs under the CSP without violations', () => {
    assert.deepEqual(violations, []);
  });
});

// The extension's lifetime against the real engine, with `vscode` faked (extension-vscode-fake.ts):
// activate → index → search → save / external change / delete → settings change → rebuild →
// another writer holding the lock → deactivate. Uses the tiny transformers test model, which
// needs no download.
import { fake, Uri } from './extension-vscode-fake';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SemindexApi } from '../../src/extension/api';
import { activate, deactivate } from '../../src/extension/extension';
import { StoreLayout } from '../../src/indexer/layout';
import { StoreLock } from '../../src/indexer/lock';
import { repoRoot, tempDir, writeTree } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string | (() => string), ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(50);
  }
}

const FILES = {
  'src/retry.ts': 'export function retryWithBackoff(task: () => Promise<void>, attempts: number) {\n  return task();\n}\n',
  'src/parse.py': 'def parse_config_file(path):\n    return open(path).read()\n',
  'lib/render.js': 'function renderWidgetTree(node) {\n  return node.children.map(renderWidgetTree);\n}\n',
  'node_modules/dep/index.js': 'function dependencyCode() {}\n',
};

describe('extension host lifetime (fake vscode, real engine)', function () {
  this.timeout(120_000);
  let ws: string;
  let storage: string;
  let api: SemindexApi;
  const context = () => ({ subscriptions: [] as { dispose(): unknown }[], storageUri: Uri.file(storage), extensionUri: Uri.file(repoRoot) });
  const status = () => fake.statusItems[fake.statusItems.length - 1];
  const paths = async (query: string, mode: 'hybrid' | 'bm25' = 'bm25') => (await api.search(query, { k: 20, mode })).map((r) => `${r.root}:${r.path}`);

  before(() => {
    fake.reset();
    ws = tempDir('ext-ws');
    storage = tempDir('ext-storage');
    writeTree(ws, FILES);
    fake.folders = [{ name: 'ws', uri: Uri.file(ws), index: 0 }];
    fake.settings = { 'semindex.embedder': 'transformers', 'semindex.modelPath': path.join(repoRoot, 'test/fixtures/tiny-model'), 'semindex.workers': 1 };
  });

  after(async () => {
    await deactivate();
    fs.rmSync(ws, { recursive: true, force: true });
    fs.rmSync(storage, { recursive: true, force: true });
  });

  it('activates without indexing a workspace that has no index yet', async () => {
    api = activate(context() as never);
    await api.whenIdle();
    assert.equal(api.state().phase, 'not-indexed');
    assert.equal(api.indexer(), undefined);
    assert.ok(fake.commands.has('semindex.indexWorkspace'));
    await until(() => status().text === '$(search) Semindex: not indexed', 'status bar');
  });

  it('indexes on command, then reports counts in the state and the status bar', async () => {
    const outcome = await fake.commands.get('semindex.indexWorkspace')!();
    assert.equal(outcome, 'started');
    await api.whenIdle();
    const s = api.state();
    assert.equal(s.phase, 'ready');
    assert.equal(s.files, 3);
    assert.ok(s.chunks >= 3);
    assert.equal(s.progress, 1);
    assert.equal(s.embedderKind, 'transformers');
    assert.ok(api.indexer());
    await until(() => /^\$\(search\) Semindex: 3 files, \d+ chunks$/.test(status().text), `status bar, got "${status().text}"`);
    assert.equal(fake.context.get('semindex.indexed'), true);
    assert.deepEqual(await paths('retryWithBackoff'), ['ws:src/retry.ts']);
    assert.deepEqual(await paths('dependencyCode'), [], 'node_modules is not indexed');
  });

  it('re-indexes a saved file at once', async () => {
    fs.writeFileSync(path.join(ws, 'src/retry.ts'), 'export function scheduleHeartbeatTimer() {}\n');
    fake.save(path.join(ws, 'src/retry.ts'));
    await api.whenIdle();
    assert.deepEqual(await paths('scheduleHeartbeatTimer'), ['ws:src/retry.ts']);
    assert.deepEqual(await paths('backoff attempts'), [], 'the old content is gone (the file name still matches "retry")');
  });

  it('picks up external creates, renames and deletes through the watcher', async () => {
    await sleep(300); // let the watcher finish its initial crawl
    fs.writeFileSync(path.join(ws, 'lib/fresh.ts'), 'export const computeLedgerBalance = () => 0;\n');
    fs.renameSync(path.join(ws, 'lib/render.js'), path.join(ws, 'lib/renamed.js'));
    fs.rmSync(path.join(ws, 'src/parse.py'));
    await until(async () => (await paths('computeLedgerBalance')).length === 1, 'created file');
    await until(async () => (await paths('renderWidgetTree')).join() === 'ws:lib/renamed.js', 'renamed file');
    await until(async () => (await paths('parse_config_file')).length === 0, 'deleted file');
    await api.whenIdle();
    assert.equal(api.state().files, 3);
  });

  it('re-indexes with new settings (exclude) and drops what they exclude', async () => {
    fake.setSetting('semindex.exclude', ['lib/**']);
    await api.whenIdle();
    assert.deepEqual(await paths('computeLedgerBalance'), []);
    assert.equal(api.state().files, 1);
    fake.setSetting('semindex.exclude', undefined);
    await api.whenIdle();
    assert.equal(api.state().files, 3);
  });

  it('serves searches and state to the search view, and refuses paths outside the folders', async () => {
    const { webview } = fake.showView('semindex.searchView');
    assert.match(webview.html, /Content-Security-Policy/);
    webview.receive({ type: 'ready' });
    await until(() => webview.posted.find((m) => m.type === 'status'), 'status message');
    webview.receive({ type: 'search', seq: 1, query: 'computeLedgerBalance', mode: 'keyword' });
    const results = await until(() => webview.posted.find((m) => m.type === 'results'), 'results message');
    assert.equal(results.seq, 1);
    const items = results.results as { root: string; path: string; highlights: unknown[] }[];
    assert.equal(items[0].path, 'lib/fresh.ts');
    assert.equal(items[0].root, 'ws');
    assert.ok(items[0].highlights.length > 0);

    webview.receive({ type: 'open', root: 'ws', path: 'lib/fresh.ts', startLine: 1, endLine: 1 });
    await until(() => fake.opened.length === 1, 'opened editor');
    assert.equal(fake.opened[0].fsPath, path.join(ws, 'lib/fresh.ts'));
    webview.receive({ type: 'open', root: 'ws', path: '../outside.ts', startLine: 1, endLine: 1 });
    webview.receive({ type: 'run', command: 'rm -rf /' });
    await sleep(100);
    assert.equal(fake.opened.length, 1);
    assert.ok(fake.log.some((l) => l.includes('refused to open')));
  });

  it('feeds the progress panel the whole view once, then only what changed', async () => {
    await fake.commands.get('semindex.showProgress')!();
    const panel = fake.panels[fake.panels.length - 1];
    assert.match(panel.webview.html, /script-src 'nonce-/);
    panel.webview.receive({ type: 'ready' });
    const first = await until(() => panel.webview.posted.find((m) => m.type === 'state'), 'state');
    const view = first.view as Record<string, unknown>;
    assert.equal(view.phase, 'ready');
    assert.equal(view.files, '3');
    assert.match(String(view.embedder), /tiny-model/);
    assert.ok(panel.webview.posted.some((m) => m.type === 'problems'));

    panel.webview.posted.length = 0;
    fs.writeFileSync(path.join(ws, 'src/extra.ts'), 'export const auditTrailWriter = 1;\n');
    fake.save(path.join(ws, 'src/extra.ts'));
    await api.whenIdle();
    await until(() => panel.webview.posted.some((m) => m.type === 'state' && (m.view as Record<string, unknown>).files === '4'), 'files diff');
    for (const m of panel.webview.posted.filter((p) => p.type === 'state')) assert.ok(Object.keys(m.view as object).length < Object.keys(view).length, 'a diff, not the whole view');

    fake.executed = [];
    panel.webview.receive({ type: 'run', command: 'index' });
    panel.webview.receive({ type: 'run', command: 'workbench.action.quit' });
    panel.webview.receive({ type: 'open', root: 'ws', path: '../../etc/passwd' });
    await api.whenIdle();
    assert.deepEqual(fake.executed.filter((c) => c !== 'setContext'), ['semindex.indexWorkspace']);
    await sleep(400); // the watcher's own add event for extra.ts (awaitWriteFinish) has come and gone
    await api.whenIdle();
    fs.rmSync(path.join(ws, 'src/extra.ts'));
    await api.whenIdle();
    await until(() => api.state().files === 3, () => `extra.ts removed by the watcher (files: ${api.state().files}; on disk: ${fs.readdirSync(ws, { recursive: true }).join(', ')}; log: ${fake.log.slice(-8).join(' | ')})`);
    panel.dispose();
  });

  it('rebuilds from scratch on command', async () => {
    const before = api.state().chunks;
    await fake.commands.get('semindex.rebuildIndex')!();
    await api.whenIdle();
    assert.equal(api.state().phase, 'ready');
    assert.equal(api.state().files, 3, `on disk: ${fs.readdirSync(ws, { recursive: true }).join(', ')}`);
    assert.equal(api.state().chunks, before);
  });

  it('says when another process writes the index, and still searches read-only', async () => {
    await deactivate();
    assert.ok(!fs.existsSync(new StoreLayout(path.join(storage, 'index')).lockFile), 'deactivate releases the lock');
    const lock = await StoreLock.acquire(new StoreLayout(path.join(storage, 'index')).lockFile, 'cli');
    try {
      fake.messages = [];
      api = activate(context() as never); // indexOnStartup + an existing index: tries to open it
      await api.whenIdle();
      const s = api.state();
      assert.equal(s.phase, 'busy');
      assert.match(s.message ?? '', /another process/i);
      assert.ok(fake.messages.some((m) => m.level === 'warning' && /another process/i.test(m.text)));
      assert.deepEqual(await paths('computeLedgerBalance'), ['ws:lib/fresh.ts']);
    } finally {
      lock.release();
    }
    await fake.commands.get('semindex.indexWorkspace')!();
    await api.whenIdle();
    assert.equal(api.state().phase, 'ready');
  });

  it('pauses, resumes and cancels a run', async () => {
    for (let i = 0; i < 60; i++) fs.writeFileSync(path.join(ws, `src/gen${i}.ts`), `export function generated${i}() { return ${i}; }\n`);
    const started = fake.commands.get('semindex.indexWorkspace')!();
    await started;
    fake.commands.get('semindex.pauseIndexing')!();
    await until(() => api.state().phase === 'paused' || api.state().phase === 'ready', 'paused');
    if (api.state().phase === 'paused') {
      fake.commands.get('semindex.resumeIndexing')!();
      fake.commands.get('semindex.cancelIndexing')!();
    }
    await api.whenIdle();
    assert.ok(['ready', 'cancelled'].includes(api.state().phase), api.state().phase);
    await fake.commands.get('semindex.indexWorkspace')!();
    await api.whenIdle();
    assert.equal(api.state().phase, 'ready');
    assert.equal(api.state().files, 63);
  });

  it('indexes every folder of a multi-root workspace and labels results by folder', async () => {
    const other = tempDir('ext-other');
    const before = api.state().files;
    try {
      writeTree(other, { 'tools/migrate.go': 'package tools\n\nfunc MigrateLegacyAccounts() {}\n' });
      fake.setFolders([
        { name: 'ws', fsPath: ws },
        { name: 'tools', fsPath: other },
      ]);
      await api.whenIdle();
      const s = api.state();
      assert.equal(s.multiRoot, true);
      assert.equal(s.files, before + 1);
      assert.deepEqual([...new Set(await paths('MigrateLegacyAccounts'))], ['tools:tools/migrate.go']);
      const { webview } = fake.showView('semindex.searchView');
      webview.receive({ type: 'ready' });
      webview.receive({ type: 'search', seq: 7, query: 'MigrateLegacyAccounts', mode: 'keyword' });
      const results = await until(() => webview.posted.find((m) => m.type === 'results'), 'results');
      assert.equal((results.results as { rootLabel: string }[])[0].rootLabel, 'tools');
    } finally {
      fake.setFolders([{ name: 'ws', fsPath: ws }]);
      await api.whenIdle();
      fs.rmSync(other, { recursive: true, force: true });
    }
    assert.equal(api.state().files, before);
    assert.equal(api.state().multiRoot, false);
  });
});

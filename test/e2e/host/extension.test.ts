// Extension-host tests: the real extension in a real VS Code (code-server's extension host), on a
// throwaway copy of test/fixtures/workspace. Run by `npm run test:e2e:host` (test/e2e/harness.mjs
// host-tests); the titles start with "single folder" so the multi-root run can leave them out.
//
// The tests run in order and share one index: each one leaves the workspace as it found it, or
// says what it changed (`expectedFiles`). Waits are on conditions (whenIdle + polling), never on
// fixed sleeps, except where a test checks that something does NOT happen.
import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { WAIT_MS, sleep, until } from './wait';
import { evaluateWhen } from './when';
import type { SemindexApi } from '../../../src/extension/api';
import { formatCount } from '../../../src/extension/format';
import { statusBarView } from '../../../src/extension/statusText';
import type { Indexer } from '../../../src/indexer/indexer';
import { StoreLayout } from '../../../src/indexer/layout';
import type { SearchOptions } from '../../../src/indexer/search';

const EXTENSION_ID = 'semindex.semindex';
/** Every wait on a condition: generous, the machine may be loaded. */

/** The fixture's indexable files (.gitignore'd scratch/ and node_modules/ are not among them). */
const FIXTURE_FILES = [
  '.gitignore',
  'README.md',
  'docs/architecture.md',
  'src/billing/InvoiceCalculator.java',
  'src/cache/lruCache.ts',
  'src/checksum/crc32.c',
  'src/config/settings_loader.py',
  'src/geo/haversine.rs',
  'src/http/headers.go',
  'src/http/router.go',
  'src/retry/backoff.ts',
  'src/sort/quicksort.rs',
  'src/text/levenshtein.py',
  'src/tokenizer/IdentifierSplitter.java',
];

/** For child processes of the extension host: in desktop VS Code process.execPath is Electron, run it as Node. */
const NODE_ENV = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };


describe('single folder: the extension in a real VS Code', function () {
  this.timeout(180_000);
  let api: SemindexApi;
  let ws: string;
  let extensionPath: string;
  /** Files the index should hold right now. */
  let expectedFiles = FIXTURE_FILES.length;
  /** Chunks of a full index of the pristine fixture (from the CLI, in a separate store). */
  let fullIndexChunks: number;

  const uri = (rel: string) => vscode.Uri.file(path.join(ws, rel));
  const search = (query: string, opts: SearchOptions = {}) => api.search(query, { k: 20, ...opts });
  const keywordPaths = async (query: string) => (await search(query, { mode: 'bm25' })).map((r) => r.path);
  const state = () => api.state();
  const describeState = () => {
    const s = state();
    return `phase ${s.phase}, ${s.files} files, ${s.chunks} chunks, ${s.filesDone}/${s.filesTotal} done${s.message ? `, "${s.message}"` : ''}`;
  };
  const engine = (): Indexer => {
    const e = api.indexer();
    assert.ok(e, `no open engine (${describeState()})`);
    return e;
  };
  /** Waits until nothing is pending and the index holds `files` files. */
  const settled = async (files = expectedFiles, phase = 'ready') => {
    await until(
      async () => {
        await api.whenIdle();
        const s = state();
        return s.phase === phase && s.files === files;
      },
      () => `${phase} with ${files} files (${describeState()})`,
    );
  };
  /**
   * The extension's log ("Semindex" output channel) as VS Code writes it to disk:
   * <user-data>/logs/<session>/…/semindex.semindex/Semindex.log, found from the store's folder in
   * <user-data>/User/workspaceStorage/<id>/semindex.semindex/index.
   */
  const semindexLog = (): string => {
    const storeDir = (engine() as unknown as { opts: { storeDir: string } }).opts.storeDir;
    const logs = path.resolve(storeDir, '../../../../../logs');
    const files = (fs.readdirSync(logs, { recursive: true }) as string[]).filter((f) => f.endsWith(path.join('semindex.semindex', 'Semindex.log')));
    const newest = files.map((f) => path.join(logs, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
    assert.ok(newest, `Semindex.log under ${logs}`);
    return fs.readFileSync(newest, 'utf8');
  };
  const setting = (key: string, value: unknown) => vscode.workspace.getConfiguration('semindex').update(key, value, vscode.ConfigurationTarget.Global);
  /** Which of the index commands the palette offers now: the contributed when clauses, on the context keys the extension set. */
  const paletteOffers = () => {
    const menus = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.menus.commandPalette as { command: string; when: string }[];
    const keys = api.contextKeys();
    const shown = (id: string) => {
      const item = menus.find((m) => m.command === `semindex.${id}`);
      assert.ok(item, `semindex.${id} has a commandPalette when clause`);
      return evaluateWhen(item.when, keys);
    };
    return { index: shown('indexWorkspace'), pause: shown('pauseIndexing'), resume: shown('resumeIndexing'), cancel: shown('cancelIndexing'), rebuild: shown('rebuildIndex'), keys: JSON.stringify(keys) };
  };

  before(async function () {
    this.timeout(WAIT_MS);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, 'opened on one folder (test/fixtures/workspace, copied)');
    ws = folders[0].uri.fsPath;
    // Things that must never reach the index: a .gitignore'd file and a dependency. Created here,
    // not in the fixture, because git itself would ignore them there.
    fs.mkdirSync(path.join(ws, 'scratch'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'scratch/notes.ts'), 'export function zebraQuokkaScratchpad() { return 1; }\n');
    fs.mkdirSync(path.join(ws, 'node_modules/dep'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'node_modules/dep/index.js'), 'function dependencyMarmosetCode() {}\n');

    const ext = vscode.extensions.getExtension<SemindexApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    extensionPath = ext.extensionPath;
    api = await ext.activate();

    // The reference: a full index of the same folder by the CLI (same engine, another process).
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-e2e-cli-store-'));
    try {
      const out = await new Promise<string>((resolve, reject) =>
        cp.execFile(process.execPath, [path.join(extensionPath, 'dist/cli.js'), 'index', ws, '--store', store, '--json'], { timeout: WAIT_MS, env: NODE_ENV }, (err, stdout, stderr) =>
          err ? reject(new Error(`CLI index failed: ${err.message}\n${stderr}`)) : resolve(stdout),
        ),
      );
      const summary = JSON.parse(out.trim().split('\n').pop()!) as { files: number; chunks: number };
      assert.equal(summary.files, FIXTURE_FILES.length, `the CLI indexes the fixture's ${FIXTURE_FILES.length} files`);
      fullIndexChunks = summary.chunks;
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  after(async function () {
    this.timeout(WAIT_MS);
    for (const key of ['exclude', 'maxFileSize', 'respectGitignore', 'watchExternalChanges', 'embedder', 'modelPath']) await setting(key, undefined).then(undefined, () => undefined);
  });

  it('activates on startup without indexing a folder that has no index', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.isActive, true);
    await api.whenIdle();
    const s = state();
    assert.equal(s.phase, 'not-indexed');
    assert.equal(s.files, 0);
    assert.equal(api.indexer(), undefined, 'the engine is not even loaded');
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['indexWorkspace', 'pauseIndexing', 'resumeIndexing', 'cancelIndexing', 'rebuildIndex', 'search', 'findSimilar', 'showProgress']) {
      assert.ok(commands.includes(`semindex.${id}`), `semindex.${id} is registered`);
    }
    assert.equal(statusBarView(s, vscode.env.language).text, '$(search) Semindex: not indexed');
    assert.deepEqual(await search('ParseHTTPHeader'), [], 'nothing to search yet');
  });

  it('indexes the workspace on "semindex.indexWorkspace" with the right file and chunk counts', async () => {
    const outcome = await vscode.commands.executeCommand('semindex.indexWorkspace');
    assert.equal(outcome, 'started');
    await settled();
    const s = state();
    assert.equal(s.files, FIXTURE_FILES.length);
    assert.equal(s.chunks, fullIndexChunks, 'as many chunks as a full index by the CLI');
    assert.ok(s.chunks >= FIXTURE_FILES.length, `${s.chunks} chunks`);
    assert.equal(s.failed, 0);
    assert.equal(s.progress, 1);
    assert.equal(s.searchable, true);
    assert.equal(s.embedderKind, 'static');
    assert.ok(s.lastFullRun && s.lastFullRun.files === FIXTURE_FILES.length, 'the run is recorded');
    assert.ok(api.indexer(), 'the engine is open');
    assert.equal(api.firstIndexNotifications(), 1, 'the first index of the workspace shows a progress notification');
  });

  it('shows "Semindex: N files, M chunks" in the status bar', async () => {
    // The status bar item itself is checked in the DOM by the UI tests; here, its text for the state.
    assert.equal(statusBarView(state(), vscode.env.language).text, `$(search) Semindex: ${FIXTURE_FILES.length} files, ${fullIndexChunks} chunks`);
    const again = await vscode.commands.executeCommand('semindex.indexWorkspace');
    assert.equal(again, 'started', 'a second run is allowed once the first is done');
    await settled();
    assert.equal(state().chunks, fullIndexChunks, 'an unchanged workspace stays as it is');
    assert.equal(api.firstIndexNotifications(), 1, 'later runs stay in the status bar');
    await until(() => api.contextKeys()['semindex.phase'] === 'ready', () => `the context keys to say ready (${JSON.stringify(api.contextKeys())})`);
    const offers = paletteOffers();
    assert.deepEqual([offers.index, offers.pause, offers.resume, offers.cancel, offers.rebuild], [true, false, false, false, true], `index and rebuild only, while nothing runs: ${offers.keys}`);
  });

  it('finds the right file first for natural-language queries', async () => {
    const cases: [string, string, string][] = [
      ['edit distance between two strings', 'src/text/levenshtein.py', 'compute_levenshtein_distance'],
      ['retry with exponential backoff', 'src/retry/backoff.ts', 'retryWithExponentialBackoff'],
      ['evict the least recently used cache entry', 'src/cache/lruCache.ts', ''],
      ['checksum of a byte buffer', 'src/checksum/crc32.c', 'crc32_checksum'],
    ];
    for (const [query, file, symbol] of cases) {
      const hits = await search(query);
      assert.ok(hits.length > 0, `results for "${query}"`);
      assert.equal(hits[0].path, file, `"${query}": ${hits.map((h) => `${h.path}#${h.symbol}`).join(', ')}`);
      if (symbol) assert.equal(hits[0].symbol, symbol);
    }
  });

  it('finds the right file first for identifier queries, with the chunk lines', async () => {
    const [hit] = await search('ParseHTTPHeader');
    assert.equal(hit.path, 'src/http/headers.go');
    assert.equal(hit.symbol, 'ParseHTTPHeader');
    assert.equal(hit.language, 'go');
    const text = fs.readFileSync(path.join(ws, hit.path), 'utf8').split('\n');
    assert.match(text.slice(hit.startLine - 1, hit.endLine).join('\n'), /func ParseHTTPHeader\(/, `lines ${hit.startLine}-${hit.endLine}`);
    for (const [query, file] of [
      ['compute_levenshtein_distance', 'src/text/levenshtein.py'],
      ['calculateInvoiceTotalWithTax', 'src/billing/InvoiceCalculator.java'],
      ['haversine_distance_km', 'src/geo/haversine.rs'],
      ['splitCamelCaseIdentifier', 'src/tokenizer/IdentifierSplitter.java'],
    ]) {
      assert.equal((await search(query))[0]?.path, file, query);
      assert.equal((await search(query, { mode: 'bm25' }))[0]?.path, file, `${query} (keyword)`);
    }
  });

  it('leaves out .gitignore\'d files and node_modules', async () => {
    assert.ok(!(await keywordPaths('zebraQuokkaScratchpad')).includes('scratch/notes.ts'));
    assert.ok(!(await keywordPaths('dependencyMarmosetCode')).some((p) => p.startsWith('node_modules/')));
    assert.ok(!(await search('zebraQuokkaScratchpad', { mode: 'vector', k: 100 })).some((r) => r.path.startsWith('scratch/')));
  });

  it('re-indexes a file edited and saved in the editor (new word found, old one gone)', async () => {
    const doc = await vscode.workspace.openTextDocument(uri('src/text/levenshtein.py'));
    await vscode.window.showTextDocument(doc);
    const edit = new vscode.WorkspaceEdit();
    const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
    edit.replace(
      doc.uri,
      whole,
      'def measure_jaro_winkler_similarity(first: str, second: str) -> float:\n    """Similarity of two short strings such as person names."""\n    return 1.0 if first == second else 0.0\n',
    );
    assert.equal(await vscode.workspace.applyEdit(edit), true);
    assert.equal(doc.isDirty, true);
    // save() resolves false now and then on a loaded machine although the file is written (VS Code
    // aborts slow onWillSave participants after 1750 ms); what counts is that it reaches the disk.
    if (!(await doc.save())) await until(async () => !doc.isDirty || (await doc.save()), 'the document to be saved');
    assert.match(fs.readFileSync(doc.uri.fsPath, 'utf8'), /^def measure_jaro_winkler_similarity/);
    const hits = await until(async () => {
      const h = await search('measure_jaro_winkler_similarity', { mode: 'bm25' });
      return h[0]?.symbol === 'measure_jaro_winkler_similarity' && h;
    }, 'the new function to be found');
    assert.equal(hits[0].path, 'src/text/levenshtein.py');
    await api.whenIdle();
    const old = await search('compute_levenshtein_distance', { k: 50 });
    assert.ok(!old.some((r) => r.snippet.includes('compute_levenshtein_distance')), `the old function is gone: ${old.map((r) => r.path).join(', ')}`);
    assert.equal(state().files, expectedFiles);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('indexes a file created outside the editor (watcher)', async () => {
    await vscode.workspace.fs.writeFile(uri('src/ledger/balance.ts'), Buffer.from('export function computeLedgerBalance(entries: number[]): number {\n  return entries.reduce((a, b) => a + b, 0);\n}\n'));
    await until(async () => (await keywordPaths('computeLedgerBalance'))[0] === 'src/ledger/balance.ts', 'the created file to be indexed');
    await settled(++expectedFiles);
  });

  it('removes a deleted file from the index (watcher)', async () => {
    assert.equal((await keywordPaths('quicksort_in_place'))[0], 'src/sort/quicksort.rs');
    await vscode.workspace.fs.delete(uri('src/sort/quicksort.rs'));
    await until(async () => !(await keywordPaths('quicksort_in_place')).includes('src/sort/quicksort.rs'), 'the deleted file to leave the index');
    await settled(--expectedFiles);
    assert.ok(!(await search('quicksort partition pivot', { k: 100 })).some((r) => r.path === 'src/sort/quicksort.rs'));
  });

  it('finds a renamed file under its new path only (watcher)', async () => {
    await vscode.workspace.fs.rename(uri('src/geo/haversine.rs'), uri('src/geo/greatCircle.rs'));
    await until(async () => {
      const paths = await keywordPaths('haversine_distance_km');
      return paths[0] === 'src/geo/greatCircle.rs' && !paths.includes('src/geo/haversine.rs');
    }, async () => `only the new path (got: ${(await keywordPaths('haversine_distance_km')).join(', ')})`);
    await settled(expectedFiles);
    assert.ok(!(await search('great-circle distance', { k: 100 })).some((r) => r.path === 'src/geo/haversine.rs'));
  });

  it('applies settings: semindex.exclude drops files, reverting brings them back', async () => {
    const chunks = state().chunks;
    await setting('exclude', ['src/http/**']);
    await until(async () => !(await keywordPaths('ParseHTTPHeader')).some((p) => p.startsWith('src/http/')), 'src/http to leave the index');
    await settled(expectedFiles - 2);
    assert.ok(state().chunks < chunks);
    await setting('exclude', undefined);
    await until(async () => (await keywordPaths('ParseHTTPHeader'))[0] === 'src/http/headers.go', 'src/http to come back');
    await settled(expectedFiles);
    assert.equal(state().chunks, chunks);
  });

  // A search running while the index is reopened holds it open until it answers (session.ts closeEngine);
  // one asked while it is closed waits for the reopen. Every one must answer, and answer right.
  it('keeps answering searches while the index is reopened for a settings change (issue 12: reopen under continuous searching)', async () => {
    const failures: string[] = [];
    let searches = 0;
    let whileClosed = 0;
    const engines = new Set<Indexer>();
    let stop = false;
    const searching = (async () => {
      while (!stop) {
        searches++;
        const open = api.indexer();
        if (open) engines.add(open);
        try {
          const hits = await search('ParseHTTPHeader', { mode: 'bm25' });
          if (hits[0]?.path !== 'src/http/headers.go') failures.push(`${hits.length} hits, the first ${hits[0]?.path ?? 'none'}`);
          else if (!open) whileClosed++;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    try {
      for (const exclude of [['docs/**'], undefined, ['docs/**'], undefined]) {
        await setting('exclude', exclude);
        await settled(exclude ? expectedFiles - 1 : expectedFiles);
      }
    } finally {
      stop = true;
      await searching;
    }
    assert.deepEqual(failures, [], `${failures.length} of ${searches} searches failed`);
    assert.ok(engines.size >= 5, `the index was reopened four times (${engines.size} engines seen)`);
    assert.ok(whileClosed > 0, `some searches were asked while the index was closed for a reopen (${whileClosed} of ${searches})`);
    console.log(`      ${searches} searches during 4 reopens, ${whileClosed} of them asked while the index was closed; none failed`);
  });

  it('applies settings: semindex.respectGitignore off indexes .gitignore\'d files', async () => {
    await setting('respectGitignore', false);
    await until(async () => (await keywordPaths('zebraQuokkaScratchpad'))[0] === 'scratch/notes.ts', 'scratch/notes.ts to be indexed');
    await settled(expectedFiles + 1);
    assert.ok(!(await keywordPaths('dependencyMarmosetCode')).some((p) => p.startsWith('node_modules/')), 'node_modules stays out (a built-in exclude)');
    await setting('respectGitignore', undefined);
    await until(async () => !(await keywordPaths('zebraQuokkaScratchpad')).includes('scratch/notes.ts'), 'scratch/notes.ts to leave again');
    await settled(expectedFiles);
  });

  it('lists binary and too-large files with reasons in the problems list', async () => {
    fs.mkdirSync(path.join(ws, 'data'), { recursive: true });
    // Binary by content (a .txt full of NUL bytes), binary by extension, and larger than maxFileSize.
    const binary = Buffer.alloc(4096);
    for (let i = 0; i < binary.length; i += 3) binary[i] = i % 251;
    await vscode.workspace.fs.writeFile(uri('data/blob.txt'), binary);
    await vscode.workspace.fs.writeFile(uri('data/logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
    const big = `// a generated table\n${'export const row = "0123456789abcdefghijklmnopqrstuvwxyz";\n'.repeat(22_000)}`;
    assert.ok(big.length > 1024 * 1024);
    await vscode.workspace.fs.writeFile(uri('data/huge_table.ts'), Buffer.from(big));
    await api.whenIdle();
    await vscode.commands.executeCommand('semindex.indexWorkspace');
    await settled(expectedFiles);
    const problems = await until(() => {
      const list = engine().problems();
      const get = (p: string) => list.find((f) => f.path === p);
      return get('data/blob.txt') && get('data/logo.png') && get('data/huge_table.ts') && { get, list };
    }, () => `the three files in the problems list (got ${JSON.stringify(api.indexer()?.problems())})`);
    for (const p of ['data/blob.txt', 'data/logo.png', 'data/huge_table.ts']) assert.equal(problems.get(p)!.status, 'skipped', p);
    assert.match(problems.get('data/blob.txt')!.reason, /binary/i);
    assert.match(problems.get('data/logo.png')!.reason, /binary/i);
    assert.match(problems.get('data/huge_table.ts')!.reason, /large|size|bytes|MB/i);
    await until(() => state().skipped >= 3, () => `state().skipped ≥ 3 (${state().skipped})`);
    assert.equal(state().failed, 0, 'skipped is not failed');
    assert.ok(!(await keywordPaths('generated table row')).includes('data/huge_table.ts'));
    await vscode.workspace.fs.delete(uri('data'), { recursive: true });
    await api.whenIdle();
  });

  it('shows no rate and no ETA in the status bar until 3 s of the run have passed', async function () {
    this.timeout(300_000);
    await setting('watchExternalChanges', false);
    await api.whenIdle();
    const dir = path.join(ws, 'eta');
    fs.mkdirSync(dir);
    // Some seconds of indexing: long enough for an estimate on most machines.
    for (let i = 0; i < 2000; i++) {
      let text = `/** Estimate module ${i}. */\n`;
      for (let f = 0; f < 20; f++) text += `export function estimateHelper${i}_${f}(v: number): number {\n  return v * ${i} + ${f};\n}\n\n`;
      fs.writeFileSync(path.join(dir, `module${i}.ts`), text);
    }
    const seen: { ms: number; text: string }[] = [];
    let whileIndexing: ReturnType<typeof paletteOffers> | undefined;
    try {
      const t0 = Date.now();
      assert.equal(await vscode.commands.executeCommand('semindex.indexWorkspace'), 'started');
      // The item itself, sampled every 20 ms until the run ends.
      while (Date.now() - t0 < 120_000) {
        const text = api.statusBarText();
        if (seen.at(-1)?.text !== text) seen.push({ ms: Date.now() - t0, text });
        if (!whileIndexing && api.contextKeys()['semindex.phase'] === 'indexing') whileIndexing = paletteOffers();
        if (/Semindex: [\d,]+ files, [\d,]+ chunks/.test(text) && Date.now() - t0 > 500) break;
        await sleep(20);
      }
      const log = () => JSON.stringify(seen);
      assert.ok(whileIndexing, `the context keys said indexing at some point: ${log()}`);
      assert.deepEqual([whileIndexing.index, whileIndexing.pause, whileIndexing.resume, whileIndexing.cancel], [false, true, false, true], `pause and cancel while indexing: ${whileIndexing.keys}`);
      const counting = seen.filter((s) => /Semindex: [\d,]+\/[\d,]+ files/.test(s.text));
      assert.ok(counting.length > 0, `the run showed its progress: ${log()}`);
      // The engine's clock starts after the command did: a text read within 3 s of it is from < 3 s into the run.
      const early = seen.filter((s) => s.ms < 3000);
      // On a loaded machine the scan alone can take 3 s: then there is no early count to look at.
      if (counting[0].ms < 2500) assert.ok(early.some((s) => /Semindex: [\d,]+\/[\d,]+ files$/.test(s.text)), `counts without rate or ETA early on: ${log()}`);
      assert.deepEqual(early.filter((s) => /ETA|files\/s/.test(s.text)), [], `no rate or ETA in the first 3 s: ${log()}`);
      const ended = seen.find((s) => /files, [\d,]+ chunks/.test(s.text))?.ms ?? Infinity;
      // Once there is something to go on, they appear (unless the run was over by then).
      if (ended > 5000) assert.ok(counting.some((s) => /files\/s · ETA /.test(s.text)), `rate and ETA once estimable: ${log()}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await setting('watchExternalChanges', undefined);
    }
    await api.whenIdle();
    await vscode.commands.executeCommand('semindex.indexWorkspace');
    await settled(expectedFiles);
  });

  it('pauses, resumes and cancels a run; the next run only indexes what is left', async function () {
    this.timeout(300_000);
    // Without the watcher, so the generated files reach the index only through the runs under test.
    await setting('watchExternalChanges', false);
    await api.whenIdle();
    // 1,000 files of 20 functions: ~8 s of indexing on one worker, so that the moments between
    // seeing progress and pausing again (a progress event is sent at most every 250 ms) are a small
    // part of the run on any machine.
    const GENERATED = 1000;
    const dir = path.join(ws, 'gen');
    fs.mkdirSync(dir);
    for (let i = 0; i < GENERATED; i++) {
      let text = `/** Generated module number ${i}. */\n`;
      for (let f = 0; f < 20; f++) text += `export function generatedHelper${i}_${f}(value: number): number {\n  const scaled = value * ${i} + ${f};\n  return scaled % ${f + 7};\n}\n\n`;
      fs.writeFileSync(path.join(dir, `module${i}.ts`), text);
    }
    const total = expectedFiles + GENERATED;
    try {
      assert.equal(await vscode.commands.executeCommand('semindex.indexWorkspace'), 'started');
      await vscode.commands.executeCommand('semindex.pauseIndexing');
      await until(() => state().phase === 'paused', () => `paused (${describeState()})`);
      // Batches already handed to workers finish; then nothing moves while paused.
      let done = -1;
      await until(async () => {
        const now = state().filesDone;
        const stable = now === done;
        done = now;
        if (!stable) await sleep(1000);
        return stable;
      }, 'the in-flight batches to finish');
      await sleep(1500);
      assert.equal(state().phase, 'paused');
      assert.equal(state().filesDone, done, 'nothing is indexed while paused');
      assert.ok(done < total, `paused before the end (${done}/${total})`);
      assert.equal(statusBarView(state(), vscode.env.language).text, `$(debug-pause) Semindex: paused at ${formatCount(done, vscode.env.language)}/${formatCount(total, vscode.env.language)} files`);
      await until(() => api.contextKeys()['semindex.paused'] === true, () => `the paused context key (${JSON.stringify(api.contextKeys())})`);
      const offers = paletteOffers();
      assert.deepEqual([offers.index, offers.pause, offers.resume, offers.cancel], [true, false, true, true], `resume, cancel and index (= resume) while paused: ${offers.keys}`);

      assert.equal(await vscode.commands.executeCommand('semindex.indexWorkspace'), 'resumed', '"Index Workspace" on a paused run resumes it');
      await until(() => state().filesDone > done, () => `the run to go on (${describeState()})`);
      await vscode.commands.executeCommand('semindex.pauseIndexing');
      await until(() => state().phase === 'paused', () => `paused again (${describeState()})`);
      done = state().filesDone;
      await vscode.commands.executeCommand('semindex.resumeIndexing');
      await until(() => state().filesDone > done, () => `resumed (${describeState()})`);
      // Cancel while paused, so the run cannot have finished in between.
      await vscode.commands.executeCommand('semindex.pauseIndexing');
      await until(() => state().phase === 'paused', () => `paused a third time (${describeState()})`);
      await vscode.commands.executeCommand('semindex.cancelIndexing');
      await api.whenIdle();
      await until(() => state().phase === 'cancelled', () => `cancelled (${describeState()})`);
      const cancelled = state();
      assert.ok(cancelled.files < total, `a cancelled run leaves files out (${cancelled.files}/${total})`);
      assert.ok(cancelled.files > expectedFiles, 'what was indexed before the cancel stays indexed');
      assert.ok(cancelled.coverage !== null && cancelled.coverage < 1, `coverage ${cancelled.coverage}`);
      assert.match(statusBarView(cancelled, vscode.env.language).text, /\(cancelled at \d+%\)$/);
      assert.ok((await search('Generated module number', { mode: 'bm25', k: 5 })).some((r) => r.path.startsWith('gen/')), 'search covers what was indexed');

      assert.equal(await vscode.commands.executeCommand('semindex.indexWorkspace'), 'started');
      await settled(total);
      // The summary the extension logs: only the files the cancelled run did not reach are indexed.
      // (No earlier run of this test ends "done" with all the generated files: the first is cancelled.)
      const summary = await until(() => [...semindexLog().matchAll(new RegExp(`indexing done: (${total}) files — (\\d+) indexed, (\\d+) unchanged`, 'g'))].at(-1), 'the summary of the last run in Semindex.log');
      const [, files, indexed, unchanged] = summary.map(Number);
      assert.equal(files, total);
      assert.equal(unchanged, cancelled.files, `the ${cancelled.files} files indexed before the cancel are not indexed again`);
      assert.equal(indexed, total - cancelled.files);
      assert.equal((await keywordPaths(`generatedHelper${GENERATED - 1}_19`))[0], `gen/module${GENERATED - 1}.ts`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await setting('watchExternalChanges', undefined);
    }
    // The watcher was off while gen/ went away: a full run drops the missing files.
    await vscode.commands.executeCommand('semindex.indexWorkspace');
    await settled(expectedFiles);
  });

  it('says when another process writes the index, and still searches read-only', async () => {
    const storeDir = (engine() as unknown as { opts: { storeDir: string } }).opts.storeDir;
    const lockFile = new StoreLayout(storeDir).lockFile;
    const other = cp.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore', env: NODE_ENV });
    try {
      await until(() => other.pid, 'the other process');
      // The other process takes the lock over (as a CLI run would); a reopen then finds it held.
      fs.writeFileSync(lockFile, JSON.stringify({ pid: other.pid, host: os.hostname(), token: 'e2e-other-writer', owner: 'cli', expires: Date.now() + 600_000 }));
      await setting('maxFileSize', 2 * 1024 * 1024);
      await until(async () => {
        await api.whenIdle();
        return state().phase === 'busy';
      }, () => `busy (${describeState()})`);
      assert.match(state().message ?? '', /another process/i);
      assert.equal(statusBarView(state(), vscode.env.language).text, '$(lock) Semindex: index busy');
      assert.equal((await keywordPaths('ParseHTTPHeader'))[0], 'src/http/headers.go', 'search works read-only');
    } finally {
      other.kill('SIGKILL');
    }
    await new Promise((r) => (other.exitCode !== null || other.signalCode ? r(undefined) : other.once('exit', r)));
    // The holder is gone: the lock is stale and the next run takes it over.
    assert.equal(await vscode.commands.executeCommand('semindex.indexWorkspace'), 'started');
    await settled();
    await setting('maxFileSize', undefined);
    await settled();
    assert.equal(JSON.parse(fs.readFileSync(lockFile, 'utf8')).owner, 'vscode');
  });

  it('builds a second index for the transformers embedder, then switches back', async function () {
    this.timeout(300_000);
    const chunks = state().chunks;
    await setting('modelPath', path.join(extensionPath, 'test/fixtures/tiny-model'));
    await setting('embedder', 'transformers');
    await until(async () => {
      await api.whenIdle();
      const s = state();
      return s.embedderKind === 'transformers' && s.phase === 'ready' && !s.building && s.files === expectedFiles;
    }, () => `the transformers index (${describeState()}, embedder ${state().embedder})`);
    assert.match(state().embedder ?? '', /tiny-model/);
    assert.equal(state().chunks, chunks, 'same chunks, other vectors');
    assert.equal((await keywordPaths('ParseHTTPHeader'))[0], 'src/http/headers.go');
    assert.ok((await search('parse an http header line', { mode: 'vector' })).length > 0, 'vector search runs on the model');
    await setting('embedder', undefined);
    await setting('modelPath', undefined);
    await until(async () => {
      await api.whenIdle();
      const s = state();
      return s.embedderKind === 'static' && s.phase === 'ready' && s.files === expectedFiles;
    }, () => `the static index again (${describeState()})`);
    assert.equal(state().chunks, chunks);
  });

  it('asks before rebuilding: declining leaves the index alone', async () => {
    await api.whenIdle();
    const before = state();
    const storeDir = (engine() as unknown as { opts: { storeDir: string } }).opts.storeDir;
    const snapshot = () =>
      (fs.readdirSync(storeDir, { recursive: true }) as string[])
        .sort()
        .map((f) => `${f}@${fs.statSync(path.join(storeDir, f)).mtimeMs}`)
        .join('\n');
    const files = snapshot();
    const open = api.indexer();
    const asked = api.confirmations().length;
    api.answerConfirmations(false);
    try {
      assert.equal(await vscode.commands.executeCommand('semindex.rebuildIndex'), false, 'declined');
    } finally {
      api.answerConfirmations(undefined);
    }
    const question = api.confirmations()[asked];
    assert.ok(question, 'a confirmation was asked');
    assert.equal(question.action, 'Rebuild');
    assert.match(question.detail, /Cancel leaves the index as it is/);
    await api.whenIdle();
    await sleep(500); // nothing may happen: give a wrongly started rebuild the time to show
    assert.equal(api.indexer(), open, 'the same engine, not reopened');
    assert.equal(state().phase, 'ready');
    assert.equal(state().lastFullRun?.at, before.lastFullRun?.at, 'no new run');
    assert.equal(snapshot(), files, 'not a file of the store changed');
  });

  it('rebuilds the index from scratch once confirmed', async () => {
    const before = state();
    api.answerConfirmations(true);
    try {
      assert.equal(await vscode.commands.executeCommand('semindex.rebuildIndex'), true);
    } finally {
      api.answerConfirmations(undefined);
    }
    await settled();
    const after = state();
    assert.equal(after.files, before.files);
    assert.equal(after.chunks, before.chunks);
    assert.ok(after.lastFullRun && before.lastFullRun && after.lastFullRun.at > before.lastFullRun.at, 'a new full run');
    assert.equal((await search('ParseHTTPHeader'))[0]?.path, 'src/http/headers.go');
  });
});

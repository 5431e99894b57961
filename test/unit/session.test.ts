// The extension's index session (src/extension/session.ts) driven without VS Code: a fake host
// (settings, roots, log, notifications as plain values and emitters) over a real engine and a
// temp copy of the per-language fixtures. Reopening under searches, saves held while another
// writer has the store, and closing under searches (issue 12, "Structure").
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Emitter } from '../../src/extension/events';
import { IndexSession, type Notice, type SessionHost } from '../../src/extension/session';
import { DEFAULT_SETTINGS, type Settings, type SettingsChange, changedKeys } from '../../src/extension/settings';
import type { Indexer } from '../../src/indexer/indexer';
import { StoreLayout } from '../../src/indexer/layout';
import { StoreLock } from '../../src/indexer/lock';
import { fixtureWorkspace, repoRoot, tempDir } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** sample.go: "a thread-safe map with expiry". */
const QUERY = 'thread-safe cache with expiry';
const ROOT = 'ws';

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** What VS Code gives ctx.ts, as fakes: a settings value and its change event, one folder, a log and the notifications shown. */
function fakeHost(ws: string, storeDir: string, extra: Partial<SessionHost> = {}) {
  let settings: Settings = { ...DEFAULT_SETTINGS, workers: 1 };
  const settingsChanged = new Emitter<SettingsChange>();
  const log: string[] = [];
  const notices: Notice[] = [];
  const host: SessionHost = {
    storeDir,
    roots: () => [{ name: ROOT, path: ws }],
    settings: () => settings,
    log: {
      trace: (m) => log.push(`trace: ${m}`),
      info: (m) => log.push(`info: ${m}`),
      warn: (m) => log.push(`warn: ${m}`),
      error: (m) => log.push(`error: ${m}`),
    },
    onDidChangeSettings: settingsChanged.event,
    onDidChangeRoots: new Emitter<unknown>().event,
    notify: (n) => notices.push(n),
    ...extra,
  };
  return {
    host,
    log,
    notices,
    /** A settings edit, as Config reports it. */
    change(next: Partial<Settings>): void {
      const before = settings;
      settings = { ...settings, ...next };
      settingsChanged.fire({ before, after: settings, changed: changedKeys(before, settings) });
    },
    count: (text: string) => log.filter((l) => l.includes(text)).length,
  };
}

/** A session over a fresh copy of the fixtures, indexed once. */
async function indexedSession() {
  const ws = fixtureWorkspace();
  const storeDir = path.join(tempDir('session'), 'index');
  const fake = fakeHost(ws, storeDir);
  const session = new IndexSession(fake.host);
  assert.equal(await session.indexWorkspace(), 'started');
  await session.whenIdle();
  assert.equal(session.state().phase, 'ready');
  return { ws, storeDir, fake, session };
}

const inFile = (hits: { root: string; path: string }[], file: string) => hits.some((h) => h.root === ROOT && h.path === file);

/** Every module the esbuild bundle of `entry` leaves to require() at run time (every package is left out). */
function bundleRequires(entry: string): Set<string> {
  const out = tempDir('bundle');
  const meta = path.join(out, 'meta.json');
  const esbuild = path.join(repoRoot, 'node_modules/esbuild/bin/esbuild');
  const r = spawnSync(esbuild, [path.join(repoRoot, entry), '--bundle', '--platform=node', '--format=cjs', '--packages=external', `--outfile=${path.join(out, 'out.js')}`, `--metafile=${meta}`, '--log-level=error'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { outputs } = JSON.parse(fs.readFileSync(meta, 'utf8')) as { outputs: Record<string, { imports: { path: string; external?: boolean }[] }> };
  return new Set(Object.values(outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)));
}

describe('extension index session (session.ts, no vscode)', function () {
  this.timeout(180_000);

  it('bundles without requiring vscode (ctx.ts, the glue, does)', () => {
    const session = bundleRequires('src/extension/session.ts');
    assert.ok(session.has('@lancedb/lancedb'), `the engine is in the bundle: ${[...session].join(', ')}`);
    assert.ok(!session.has('vscode'), `session.ts requires: ${[...session].join(', ')}`);
    assert.ok(bundleRequires('src/extension/ctx.ts').has('vscode'), 'the check sees a vscode import where there is one');
  });

  it('searches during reopens for settings changes all answer, none fails (issue 12)', async () => {
    const { fake, session } = await indexedSession();
    const engines = new Set<Indexer>();
    const failures: unknown[] = [];
    let answered = 0;
    let empty = 0;
    let whileClosed = 0;
    let stop = false;
    const searcher = async () => {
      while (!stop) {
        const engine = session.indexer;
        if (engine) engines.add(engine);
        else whileClosed++;
        try {
          const hits = await session.search(QUERY, { k: 5 });
          if (inFile(hits, 'sample.go')) answered++;
          else empty++;
        } catch (err) {
          failures.push(err);
        }
        await sleep(1);
      }
    };
    const loops = Array.from({ length: 6 }, searcher);
    try {
      for (let round = 1; round <= 3; round++) {
        // Changes what the engine indexes: closed and opened again with the new settings, then a run.
        fake.change({ maxFileSize: DEFAULT_SETTINGS.maxFileSize + round });
        await until(() => fake.count('reopening the index') === round, `reopen ${round}`);
        await session.whenIdle();
        const before = answered;
        await until(() => answered > before + 5, `searches after reopen ${round}`);
      }
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    if (session.indexer) engines.add(session.indexer);
    await session.close();
    assert.deepEqual(failures.map(String), []);
    assert.equal(empty, 0, `${empty} searches found nothing, ${answered} found sample.go`);
    assert.ok(engines.size >= 4, `${engines.size} engines served (the first and one per reopen)`);
    assert.ok(whileClosed > 0, 'some searches were asked while the index was closed for a reopen');
    assert.deepEqual(fake.notices, []);
  });

  it('a save while another writer holds the store is held, and written once when it lets go (issue 12)', async () => {
    // An index exists; then another process (a CLI run) takes the store's writer lock.
    const first = await indexedSession();
    await first.session.close();
    const { ws, storeDir } = first;
    const lock = await StoreLock.acquire(new StoreLayout(storeDir).lockFile, 'cli');
    const fake = fakeHost(ws, storeDir, { lockWaitMs: 100 });
    const session = new IndexSession(fake.host);
    try {
      // The first search opens the index: busy, so the active index answers read-only.
      assert.ok(inFile(await session.search(QUERY, { k: 5 }), 'sample.go'), 'read-only search while busy');
      assert.equal(session.state().phase, 'busy');
      assert.equal(session.indexer, undefined);
      assert.deepEqual(fake.notices.map((n) => n.kind), ['busy']);

      const saved = path.join(ws, 'held.py');
      fs.writeFileSync(saved, 'def quokka_zebra_checksum(data):\n    """Adds up the bytes of data."""\n    return sum(data) % 255\n');
      await session.updateFiles([saved], 'save');
      await session.updateFiles([saved], 'save'); // saved twice: held once
      await sleep(300);
      assert.ok(!inFile(await session.search('quokka_zebra_checksum', { k: 5, mode: 'bm25' }), 'held.py'), 'nothing written while the other writer holds the store');
      assert.equal(session.state().phase, 'busy');

      lock.release();
      await until(() => !!session.indexer, 'the index opened once the lock was free', 30_000);
      await session.whenIdle();
      const hits = await session.search('quokka_zebra_checksum', { k: 5, mode: 'bm25' });
      assert.equal(hits.filter((h) => h.root === ROOT && h.path === 'held.py').length, 1, JSON.stringify(hits.map((h) => h.path)));
      assert.equal(session.state().phase, 'ready');
      assert.equal(fake.count('writing 1 save(s) made while the index could not be written'), 1);
      assert.equal(fake.count('update (held save): held.py — 1 indexed'), 1, fake.log.join('\n'));
      assert.equal(fake.count('indexing started'), 0, 'a held save is an update, not a full run');
    } finally {
      lock.release();
      await session.close();
    }
  });

  it('close waits for the searches under way and answers later ones with nothing, cleanly (issue 12)', async () => {
    const { ws, storeDir, session } = await indexedSession();
    // Searches slower than closing takes (as on a large index): close must wait for them, not close the table under them.
    const engine = session.indexer!;
    const similar = engine.similar.bind(engine);
    engine.similar = async (...args) => {
      await sleep(500);
      return similar(...args);
    };
    const order: string[] = [];
    const inFlight = Array.from({ length: 20 }, () =>
      session.similar({ code: 'func (c *Cache) Get(key string) (any, bool) { c.mu.Lock(); defer c.mu.Unlock() }' }, { k: 5 }).then((hits) => {
        order.push('search');
        return hits;
      }),
    );
    const closing = session.close().then(() => order.push('closed'));
    assert.deepEqual(await session.search(QUERY), [], 'a search after close() answers nothing');
    assert.equal(await session.chunkAt(`${ROOT}/sample.go`, 30), undefined);
    const answers = await Promise.all(inFlight);
    await closing;
    assert.ok(
      answers.every((hits) => inFile(hits, 'sample.go')),
      answers.map((hits) => hits.length).join(' '),
    );
    assert.deepEqual(order, [...Array(20).fill('search'), 'closed'], 'close resolved after the searches under way');
    assert.equal(session.indexer, undefined);
    assert.deepEqual(await session.search(QUERY), []);
    await session.updateFiles([path.join(ws, 'sample.go')], 'save'); // ignored once closed
    // The writer lock is free: another writer takes it at once.
    (await StoreLock.acquire(new StoreLayout(storeDir).lockFile, 'cli')).release();
  });
});

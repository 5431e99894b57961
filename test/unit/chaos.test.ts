// The chaos test (issue 12): what a busy workspace does to the index, at once and seeded. A tree of
// a few hundred TypeScript and Python files is indexed while the test edits files (a function with
// a marker name added, one removed), creates, deletes and renames them; searches run without
// pause; the engine is closed and reopened (as a settings change does), paused, resumed and
// cancelled; and a CLI indexing child is started and killed with SIGKILL at a random moment. The
// test holds the engine the way the extension does (session.ts): leases for searches, a reader while
// another process writes, updates for the files it changed. Afterwards:
//   - no search failed (every one had an index to answer from; a result whose file was edited since
//     it was indexed answers without its lines, `stale`, which is not a failure);
//   - a final run leaves exactly the index of a clean run over the final tree (rows and files);
//   - every live marker is found in its file, no removed one anywhere.
// Each seed runs for a bounded time (CHAOS_MS, ~12 s of chaos); CHAOS_SEED=n runs that seed alone.
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileCatalog } from '../../src/indexer/catalog';
import { Indexer, type IndexerOptions } from '../../src/indexer/indexer';
import { StoreLayout } from '../../src/indexer/layout';
import { type Lease, LeaseSource, withLease } from '../../src/indexer/leases';
import { IndexReader } from '../../src/indexer/reader';
import { cliPath, snapshot, tempDir } from './helpers';

const SEEDS = process.env.CHAOS_SEED ? [Number(process.env.CHAOS_SEED)] : [11, 23, 47];
const CHAOS_MS = Number(process.env.CHAOS_MS ?? 12_000);
const FILES = 240;

/**
 * mulberry32: a seeded 32-bit generator in four lines. Hand-written: the maintained ones
 * (pure-rand, seedrandom) are not among our dependencies, and a test needs nothing more.
 */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type LifecycleOp = 'reopen' | 'pause' | 'cancel' | 'kill';

interface Counts {
  edits: number;
  creates: number;
  deletes: number;
  renames: number;
  reopens: number;
  pauses: number;
  cancels: number;
  kills: number;
  childExitedFirst: number;
  searches: number;
  /** Results whose file had changed (or gone) since it was indexed: answered, with no lines (source.ts), not failures. */
  staleResults: number;
  searchFailures: string[];
  updateFailures: string[];
  runFailures: string[];
}

/** The working tree and which marker lives where: a marker is a function name, one word of letters. */
class Tree {
  /** Relative path → markers of the functions in it, in order. */
  readonly files = new Map<string, string[]>();
  readonly removed = new Set<string>();
  private next = 0;

  constructor(
    readonly dir: string,
    private readonly random: () => number,
  ) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  marker(): string {
    // Letters only, so the BM25 field keeps it one word; a counter in letters keeps it unique.
    let n = this.next++;
    let tail = '';
    do {
      tail += String.fromCharCode(97 + (n % 26));
      n = Math.floor(n / 26);
    } while (n > 0);
    let head = '';
    for (let i = 0; i < 6; i++) head += String.fromCharCode(97 + Math.floor(this.random() * 26));
    return `qz${head}x${tail}`;
  }

  abs(rel: string): string {
    return path.join(this.dir, ...rel.split('/'));
  }

  write(rel: string, markers: string[]): void {
    this.files.set(rel, markers);
    fs.mkdirSync(path.dirname(this.abs(rel)), { recursive: true });
    fs.writeFileSync(this.abs(rel), render(rel, markers));
  }

  live(): [string, string][] {
    return [...this.files].flatMap(([rel, ms]) => ms.map((m): [string, string] => [m, rel]));
  }
}

function render(rel: string, markers: string[]): string {
  if (rel.endsWith('.py')) {
    return markers.map((m, i) => `def ${m}(values):\n    total = ${i}\n    for v in values:\n        total += v * ${i + 1}\n    return total\n`).join('\n\n');
  }
  return markers.map((m, i) => `export function ${m}(values: number[]): number {\n  let total = ${i};\n  for (const v of values) total += v * ${i + 1};\n  return total;\n}\n`).join('\n');
}

/** The engine held as the extension holds it (session.ts): leases for searches, serialised open and close, a reader while another process writes. */
class Session {
  engine: Indexer | undefined;
  private engineLeases: LeaseSource<Indexer> | undefined;
  private reader: LeaseSource<IndexReader> | undefined;
  private run: Promise<unknown> | undefined;
  private readonly updates = new Set<Promise<unknown>>();
  private lifecycle: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly opts: IndexerOptions,
    private readonly counts: Counts,
  ) {}

  serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.lifecycle.then(op, op);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  /** Opens the engine and starts a full run (call inside serial). */
  async open(): Promise<void> {
    const engine = await Indexer.open(this.opts);
    this.engine = engine;
    this.engineLeases = new LeaseSource(engine);
    this.run = engine.index().catch((err) => this.counts.runFailures.push(String(err)));
    const reader = this.reader;
    this.reader = undefined;
    await reader?.close();
  }

  /** Cancels the run, lets searches on the engine finish, closes it (call inside serial). */
  async close(): Promise<void> {
    const engine = this.engine;
    const leases = this.engineLeases;
    this.engine = undefined;
    this.engineLeases = undefined;
    if (!engine) return;
    engine.cancel();
    await leases?.close();
    await Promise.allSettled([this.run, ...this.updates]);
    await engine.close();
  }

  /** Serves searches read-only while another process writes (call inside serial, before close()). */
  async openReader(): Promise<void> {
    if (!this.reader && new StoreLayout(this.opts.storeDir).exists()) this.reader = new LeaseSource(await IndexReader.open(this.opts.storeDir), (r) => r.close());
  }

  update(paths: string[]): void {
    const engine = this.engine;
    if (!engine) return; // the next full run's scan sees them
    const p = engine.update(paths).catch((err) => this.counts.updateFailures.push(String(err)));
    this.updates.add(p);
    void p.finally(() => this.updates.delete(p));
  }

  async lease(): Promise<Lease<Pick<Indexer, 'search'>> | undefined> {
    if (this.engineLeases) return this.engineLeases.acquire();
    if (this.reader) return this.reader.acquire();
    // Between a close and an open: what the lifecycle step leaves serving.
    await this.lifecycle;
    const leases = this.engineLeases as LeaseSource<Indexer> | undefined;
    const reader = this.reader as LeaseSource<IndexReader> | undefined;
    return leases?.acquire() ?? reader?.acquire();
  }

  get running(): Promise<unknown> | undefined {
    return this.run;
  }
}

/** Rows whose number differs between two lists, with both numbers. */
function multisetDiff(a: string[], b: string[]): [string, number, number][] {
  const n = new Map<string, [number, number]>();
  for (const x of a) (n.get(x) ?? n.set(x, [0, 0]).get(x)!)[0]++;
  for (const x of b) (n.get(x) ?? n.set(x, [0, 0]).get(x)!)[1]++;
  return [...n].filter(([, [p, q]]) => p !== q).map(([k, [p, q]]) => [k, p, q]);
}

function startCliIndex(ws: string, storeDir: string): ChildProcess {
  return spawn(process.execPath, [cliPath, 'index', ws, '--store', storeDir, '--workers', '1', '--json'], { stdio: 'ignore' });
}

async function catalogFiles(storeDir: string): Promise<string[]> {
  const layout = new StoreLayout(storeDir);
  const catalog = await FileCatalog.open(layout.catalogFile(layout.read().active!));
  try {
    return [...catalog.all()].map((r) => `${r.root}|${r.path}|${r.status}|${r.chunks}|${r.hash}`).sort();
  } finally {
    await catalog.close();
  }
}

async function chaos(seed: number): Promise<Counts> {
  const random = rng(seed);
  const ws = tempDir(`chaos-${seed}`);
  const storeDir = tempDir(`chaos-${seed}-store`);
  const tree = new Tree(ws, random);
  for (let i = 0; i < FILES; i++) {
    const rel = `${i % 2 ? 'py' : 'ts'}/m${Math.floor(i / 20)}/f${i}.${i % 2 ? 'py' : 'ts'}`;
    tree.write(rel, Array.from({ length: 1 + Math.floor(random() * 3) }, () => tree.marker()));
  }
  const counts: Counts = { edits: 0, creates: 0, deletes: 0, renames: 0, reopens: 0, pauses: 0, cancels: 0, kills: 0, childExitedFirst: 0, searches: 0, staleResults: 0, searchFailures: [], updateFailures: [], runFailures: [] };
  const opts: IndexerOptions = { storeDir, roots: [{ name: '', path: ws }], embedder: { kind: 'static' }, workers: 1, maintainIdleMs: 300, lockWaitMs: 20_000 };
  const session = new Session(opts, counts);
  await session.serial(() => session.open());

  // Searches without pause, for live markers, in all three modes.
  let searching = true;
  const searches = (async () => {
    while (searching) {
      const live = tree.live();
      const [marker] = live.length ? tree.pick(live) : ['nothing'];
      const mode = tree.pick(['bm25', 'hybrid', 'vector'] as const);
      counts.searches++;
      try {
        const hits = await withLease(() => session.lease(), (s) => s.search(marker, { mode, k: 5 }));
        counts.staleResults += hits?.filter((h) => h.stale).length ?? 0;
      } catch (err) {
        counts.searchFailures.push(`${mode} "${marker}": ${String(err)}`);
      }
      await new Promise((r) => setImmediate(r));
    }
  })();

  const fileOp = (): string[] => {
    const rels = [...tree.files.keys()];
    const r = random();
    if (r < 0.45 && rels.length) {
      // Edit: add a function, or take one out.
      const rel = tree.pick(rels);
      const markers = [...tree.files.get(rel)!];
      if (markers.length > 1 && random() < 0.5) {
        const [gone] = markers.splice(Math.floor(random() * markers.length), 1);
        tree.removed.add(gone);
      } else markers.push(tree.marker());
      tree.write(rel, markers);
      counts.edits++;
      return [tree.abs(rel)];
    }
    if (r < 0.65) {
      const rel = `${random() < 0.5 ? 'ts' : 'py'}/new/n${counts.creates}.${random() < 0.5 ? 'ts' : 'py'}`;
      tree.write(rel, [tree.marker(), tree.marker()]);
      counts.creates++;
      return [tree.abs(rel)];
    }
    if (r < 0.82 && rels.length > FILES / 2) {
      const rel = tree.pick(rels);
      for (const m of tree.files.get(rel)!) tree.removed.add(m);
      tree.files.delete(rel);
      fs.rmSync(tree.abs(rel));
      counts.deletes++;
      return [tree.abs(rel)];
    }
    if (!rels.length) return [];
    const from = tree.pick(rels);
    const to = from.replace(/([^/]+)\.(ts|py)$/, `r${counts.renames}_$1.$2`);
    fs.renameSync(tree.abs(from), tree.abs(to));
    tree.files.set(to, tree.files.get(from)!);
    tree.files.delete(from);
    counts.renames++;
    return [tree.abs(from), tree.abs(to)];
  };

  const lifecycleOp = async (op: LifecycleOp): Promise<void> => {
    if (op === 'reopen') {
      counts.reopens++;
      await session.serial(async () => {
        await session.close();
        await session.open();
      });
    } else if (op === 'pause') {
      session.engine?.pause();
      counts.pauses++;
      await new Promise((res) => setTimeout(res, 50 + random() * 300));
      session.engine?.resume();
    } else if (op === 'cancel') {
      session.engine?.cancel();
      counts.cancels++;
    } else {
      // Another process writes: the engine lets go, a reader serves, the CLI child is killed mid-run.
      const delay = 200 + random() * 2500;
      await session.serial(async () => {
        await session.openReader();
        await session.close();
        const child = startCliIndex(ws, storeDir);
        const exited = new Promise<void>((res) => child.once('exit', () => res()));
        await new Promise((res) => setTimeout(res, delay));
        if (child.exitCode === null && child.kill('SIGKILL')) counts.kills++;
        else counts.childExitedFirst++;
        await exited;
        // Its lock names a dead process: the engine takes the store over at once.
        await session.open();
      });
    }
  };

  const end = Date.now() + CHAOS_MS;
  // Beside the file operations: every kind of lifecycle step, in a seeded order, until the time is up.
  const lifecycle = (async () => {
    for (let round = 0; Date.now() < end; round++) {
      const ops: LifecycleOp[] = ['reopen', 'pause', 'cancel', 'kill', 'kill'];
      for (let i = ops.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [ops[i], ops[j]] = [ops[j], ops[i]];
      }
      for (const op of ops) {
        if (Date.now() >= end) break;
        await new Promise((r) => setTimeout(r, 100 + random() * 500));
        await lifecycleOp(op);
      }
    }
  })();
  while (Date.now() < end) {
    session.update(fileOp());
    await new Promise((r) => setTimeout(r, 5 + random() * 30));
  }
  await lifecycle;
  searching = false;
  await searches;

  // The final run over the final tree, then a clean run into a fresh store.
  await session.serial(async () => {
    await session.close();
    await session.open();
  });
  await session.running;
  await session.serial(() => session.close());
  const cleanStore = tempDir(`chaos-${seed}-clean`);
  const clean = await Indexer.open({ ...opts, storeDir: cleanStore });
  await clean.index();
  await clean.close();
  assert.deepEqual(counts.searchFailures, [], `${counts.searchFailures.length} of ${counts.searches} searches failed`);
  assert.deepEqual(counts.runFailures, []);
  assert.deepEqual(counts.updateFailures, []);
  const [got, want] = [await snapshot(storeDir), await snapshot(cleanStore)];
  if (got.length !== want.length) console.log(`      rows that differ in number: ${JSON.stringify(multisetDiff(got, want).slice(0, 10))}`);
  assert.equal(got.length, want.length, 'chunks: the final run against a clean run');
  assert.deepEqual(got, want);
  assert.deepEqual(await catalogFiles(storeDir), await catalogFiles(cleanStore));

  const reader = await IndexReader.open(storeDir);
  let found = 0;
  try {
    for (const [marker, rel] of tree.live()) {
      const hits = await reader.search(marker, { mode: 'bm25', k: 10 });
      // The final index is of the final tree: every result's code is in its file as indexed.
      assert.deepEqual(hits.filter((h) => h.stale).map((h) => `${h.path}: ${h.stale}`), []);
      assert.ok(hits.some((h) => h.path === rel && h.snippet.includes(marker)), `live marker ${marker} not found in ${rel}`);
      found++;
    }
    for (const marker of tree.removed) {
      const hits = await reader.search(marker, { mode: 'bm25', k: 10 });
      assert.deepEqual(hits.filter((h) => h.stale).map((h) => `${h.path}: ${h.stale}`), [], 'a stale result would hide a removed marker (no snippet)');
      assert.ok(!hits.some((h) => h.snippet.includes(marker)), `removed marker ${marker} still found in ${hits.find((h) => h.snippet.includes(marker))?.path}`);
    }
  } finally {
    reader.close();
  }
  console.log(
    `      seed ${seed}: ${counts.edits} edits, ${counts.creates} creates, ${counts.deletes} deletes, ${counts.renames} renames; ` +
      `${counts.reopens} reopens, ${counts.pauses} pauses, ${counts.cancels} cancels, ${counts.kills} SIGKILLs (${counts.childExitedFirst} children done first); ` +
      `${counts.searches} searches, ${counts.searchFailures.length} failed, ${counts.staleResults} stale results; ${tree.files.size} files, ${got.length} chunks; ${found} live markers found, ${tree.removed.size} removed ones absent`,
  );
  for (const d of [ws, storeDir, cleanStore]) fs.rmSync(d, { recursive: true, force: true });
  return counts;
}

describe('chaos: edits, searches, reopens, pause/resume/cancel and SIGKILLs at once, seeded (issue 12)', function () {
  this.timeout(120_000);
  for (const seed of SEEDS) {
    it(`seed ${seed}: no search fails, the final index equals a clean run's, live markers found and removed ones not`, async () => {
      const counts = await chaos(seed);
      assert.ok(counts.searches > 50, `${counts.searches} searches ran`);
    });
  }
});

// The index session: the engine (opened on first use, closed on deactivate), the read-only reader
// that answers while another process writes the store, the saves held meanwhile, the runs and
// updates, and the facts the index state is derived from. Opening, closing and clearing the index
// are serialised here, so a settings change during a rebuild or a save during a reopen can never
// interleave with each other; searches hold leases (leases.ts), so none runs on an index closed
// under it.
//
// No `vscode` here (unit-tested with fakes, see test/unit/session.test.ts): settings, roots, the
// store folder, the log, events and notifications come in through a SessionHost, which ctx.ts
// builds from the extension context.
import * as fs from 'node:fs';
import type { FailedFile, Indexer, Progress } from '../indexer/indexer';
import { StoreLayout } from '../indexer/layout';
import { SemindexError } from '../indexer/errors';
import { StoreLock } from '../indexer/lock';
import { type Lease, LeaseSource, withLease } from '../indexer/leases';
import type { IndexReader } from '../indexer/reader';
import { type Root, relativeToRoots } from '../indexer/scan';
import type { IndexedSpan, SearchOptions, SearchResult, SimilarTarget } from '../indexer/search';
import { Emitter, type Event, type Subscription } from './events';
import { type IndexFacts, type IndexState, type IndexStats, deriveState, runCoverage } from './indexState';
import { type EmbedderKind, SECTION, type Settings, type SettingsChange, indexerOptions, needsReindex } from './settings';

// The engine is loaded on first use: activating the extension must not load LanceDB's native
// module or the embedder when the user never searches.
const loadEngine = () => import('../indexer/indexer');
const loadReader = () => import('../indexer/reader');

/** Settings edits arrive keystroke by keystroke from settings.json: wait for a pause. */
const REOPEN_DELAY_MS = 500;
/** Size on disk and catalog counts are refreshed at most this often during a run. */
const STATS_INTERVAL_MS = 2000;
/** Saves kept while the index cannot be written (another writer holds it); past this many a full run catches up instead. */
const MAX_HELD_SAVES = 10_000;

/** What answers searches: the engine, or a read-only view of the active index. */
type SearchSource = Pick<Indexer, 'search' | 'similar' | 'chunkAt'>;

export type IndexRequestOutcome = 'started' | 'resumed' | 'running' | 'unavailable';

export interface RunStart {
  /** No index of this workspace existed before this run (not a rebuild, a resume or a settings change). */
  first: boolean;
  /** Settles when the run has ended (done, cancelled or failed). */
  done: Promise<void>;
}

/** Where the session writes what it does (a vscode.LogOutputChannel in the extension). */
export interface SessionLog {
  trace(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Something the user should see; the host shows it (ctx.ts: a notification with these buttons). */
export type Notice =
  /** Another process writes the store; searches are read-only until it lets go (Retry, Show Output). */
  | { kind: 'busy'; message: string }
  /** A setting cannot work as given: open `setting` (or switch to the static embedder). */
  | { kind: 'settings'; message: string; setting: string }
  /** The index could not be opened; `model` when the embedder's model is why (open its setting), else the store (rebuild it). */
  | { kind: 'open-failed'; message: string; model: boolean }
  /** Writing the index or a run failed (Show Output). */
  | { kind: 'failed'; message: string };

/** What the session needs of its surroundings: in the extension ctx.ts builds it from vscode; tests pass fakes. */
export interface SessionHost {
  /** The store folder, or undefined without one (no workspace storage, or storage not on the local file system). */
  readonly storeDir: string | undefined;
  /** The folders to index, as they are now. */
  roots(): Root[];
  /** The settings, as they are now. */
  settings(): Settings;
  readonly log: SessionLog;
  /** Fires on a settings edit; one that changes what or how the engine indexes reopens it. */
  readonly onDidChangeSettings: Event<SettingsChange>;
  /** Fires when the folders (roots()) changed: the index is reopened over the new ones. */
  readonly onDidChangeRoots: Event<unknown>;
  notify(notice: Notice): void;
  /** The engine has opened: start what lives alongside it (the external-change watcher). */
  engineOpened?(): void;
  /** The engine is about to close (or is not open and will not be): stop what lives alongside it. Awaited first. */
  engineClosing?(): Promise<void>;
  /** How long opening waits for another writer to let go of the store (default: indexerOptions', 15 s). */
  lockWaitMs?: number;
}

export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^semindex: /, '');
}

export class IndexSession {
  private readonly log: SessionLog;
  private engine: Indexer | undefined;
  /** Leases on the open engine for searches (leases.ts): closeEngine() refuses new ones and waits for these. */
  private engineLeases: LeaseSource<Indexer> | undefined;
  /** Embedder kind the open engine was created with. */
  private engineKind: EmbedderKind | undefined;
  /** Read-only view of the active index: while another process holds the lock, or while a new index for a changed embedder is built. */
  private reader: LeaseSource<IndexReader> | undefined;
  private readerOpening: Promise<LeaseSource<IndexReader> | undefined> | undefined;
  private run: Promise<void> | undefined;
  private readonly updates = new Set<Promise<void>>();
  private lifecycle: Promise<unknown> = Promise.resolve();
  /** Everything under way, for whenIdle(). */
  private readonly busy = new Set<Promise<unknown>>();
  private progress: Progress | undefined;
  private stats: IndexStats | undefined;
  private problemList: FailedFile[] = [];
  private lastRunCoverage: number | undefined;
  private problem: IndexFacts['problem'];
  private transition: string | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private reopenReasons = new Set<string>();
  private statsTimer: NodeJS.Timeout | undefined;
  private changeQueued = false;
  private closed = false;
  /** Saves made while the index could not be written (busy, opening): written once it opens. */
  private readonly heldSaves = new Set<string>();
  /** More saves than MAX_HELD_SAVES were held: a full run once the index opens. */
  private heldOverflow = false;
  /** A full run was asked for while another writer held the index. */
  private runWanted = false;
  /** Watching a busy store's lock for its release (StoreLock.waitForRelease). */
  private busyWait: AbortController | undefined;
  private readonly emitter = new Emitter<IndexState>();
  /** Fires (coalesced) whenever the index state may have changed. */
  readonly onDidChange = this.emitter.event;
  private readonly runEmitter = new Emitter<RunStart>();
  /** Fires when a full run starts; `first` when the workspace had no index before it. */
  readonly onDidStartRun = this.runEmitter.event;
  private readonly subscriptions: Subscription[];

  constructor(private readonly host: SessionHost) {
    this.log = host.log;
    this.subscriptions = [
      host.onDidChangeSettings((change) => this.onSettingsChanged(change)),
      host.onDidChangeRoots(() => this.scheduleReopen('workspace folders changed')),
    ];
  }

  // ——— where things are ———

  get storeDir(): string | undefined {
    return this.host.storeDir;
  }

  /** A folder is open that can be indexed (and there is a store folder for the index). */
  get hasFolder(): boolean {
    return !!this.storeDir && this.host.roots().length > 0;
  }

  private hasStore(): boolean {
    const dir = this.storeDir;
    return !!dir && new StoreLayout(dir).exists();
  }

  /** The open engine, if any (the test API hands it out). */
  get indexer(): Indexer | undefined {
    return this.engine;
  }

  /** close() was called: nothing opens or answers any more. */
  get isClosed(): boolean {
    return this.closed;
  }

  // ——— state ———

  state(): IndexState {
    const roots = this.host.roots();
    const engine = this.engine;
    const reader = this.reader?.value;
    let embedder: IndexFacts['embedder'];
    if (engine) embedder = { kind: this.engineKind ?? 'static', description: engine.embedder.description };
    else if (reader) embedder = { kind: reader.info.embedder.kind, description: reader.embedder.description };
    return deriveState({
      hasFolder: !!this.storeDir && roots.length > 0,
      multiRoot: roots.length > 1,
      hasStore: this.hasStore(),
      transition: this.transition,
      engineOpen: !!engine,
      fullRun: !!this.run,
      progress: this.progress,
      stats: this.stats,
      lastRunCoverage: this.lastRunCoverage,
      problem: this.problem,
      embedder,
      building: engine?.isBuilding ?? false,
      lastFullRun: engine?.indexInfo.lastFullRun ?? reader?.info.lastFullRun,
      lastIncrementalRun: engine?.indexInfo.lastIncrementalRun ?? reader?.info.lastIncrementalRun,
    });
  }

  /** Files that failed or were skipped, as of the last stats refresh. */
  problems(): readonly FailedFile[] {
    return this.problemList;
  }

  private changed(): void {
    if (this.changeQueued || this.closed) return;
    this.changeQueued = true;
    setImmediate(() => {
      this.changeQueued = false;
      if (!this.closed) this.emitter.fire(this.state());
    });
  }

  private setTransition(what: string | undefined): void {
    this.transition = what;
    this.changed();
  }

  // ——— what the commands ask for ———

  /** On activation: an index that exists is brought up to date (and an interrupted run resumed). */
  startup(): void {
    if (!this.hasFolder) return;
    if (this.host.settings().indexOnStartup && this.hasStore()) {
      this.log.info('indexOnStartup: bringing the existing index up to date');
      void this.indexWorkspace();
    }
  }

  /** Opens the index if needed and starts a full run (resumes a paused one). Resolves once started. */
  indexWorkspace(): Promise<IndexRequestOutcome> {
    return this.serial(async () => {
      // Read before openEngine creates the store.
      const first = !this.hasStore();
      const engine = await this.openEngine();
      if (!engine) {
        if (this.problem?.kind === 'busy') this.runWanted = true; // started once the lock is won
        return 'unavailable';
      }
      if (this.run) {
        if (!engine.isPaused) return 'running';
        engine.resume();
        return 'resumed';
      }
      this.startRun(engine, first);
      return 'started';
    });
  }

  /** False when nothing is running. */
  pause(): boolean {
    if (!this.engine || !this.run) return false;
    this.engine.pause();
    this.log.info('indexing paused');
    return true;
  }

  resume(): boolean {
    if (!this.engine || !this.run || !this.engine.isPaused) return false;
    this.engine.resume();
    this.log.info('indexing resumed');
    return true;
  }

  cancel(): boolean {
    if (!this.engine || !this.run) return false;
    this.engine.cancel();
    this.log.info('indexing cancelled; files in flight are written first');
    return true;
  }

  /** Clear and index: close the engine, delete the store, reopen, index. */
  rebuild(): Promise<void> {
    this.engine?.cancel();
    return this.serial(async () => {
      const storeDir = this.storeDir;
      if (!storeDir || this.closed) return;
      await this.closeEngine('clearing the index');
      this.setTransition('clearing the index');
      try {
        await wipeStore(storeDir);
        this.log.info(`cleared the index in ${storeDir}`);
      } catch (err) {
        this.setTransition(undefined);
        this.reportOpenError(err);
        return;
      }
      // The transition goes on into openEngine's, so no "not indexed" flashes in between.
      this.lastRunCoverage = undefined;
      const engine = await this.openEngine();
      if (engine) this.startRun(engine);
    });
  }

  /** Searches the index (what is indexed so far while a run goes on). */
  async search(query: string, opts?: SearchOptions): Promise<SearchResult[]> {
    return this.onSource((source) => source.search(query, opts), []);
  }

  /** Code like a span of an indexed file (left out of the results) or like a piece of code. */
  async similar(target: SimilarTarget, opts?: SearchOptions): Promise<SearchResult[]> {
    return this.onSource((source) => source.similar(target, opts), []);
  }

  /** The innermost indexed chunk holding a line of a file (path as results name it), or undefined. */
  async chunkAt(path: string, line: number): Promise<IndexedSpan | undefined> {
    return this.onSource((source) => source.chunkAt(path, line), undefined);
  }

  private async onSource<T>(run: (source: SearchSource) => Promise<T>, none: T): Promise<T> {
    // On a lease: the engine or reader stays open until the search answers, and one that began
    // closing meanwhile (a reopen, a rebuild, a completed index replacing the reader) refuses
    // it, so it is asked once more of whatever serves then.
    const answer = await withLease(() => this.searchLease(), run);
    return answer === undefined ? none : answer;
  }

  /** Resolves when nothing is opening, indexing, updating or waiting to reopen. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const pending: Promise<unknown>[] = [...this.busy];
      if (this.reopenTimer) pending.push(new Promise((r) => setTimeout(r, 50)));
      if (!pending.length) return;
      await Promise.allSettled(pending);
    }
  }

  // ——— engine lifetime ———

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.lifecycle.then(op, op);
    this.lifecycle = next.catch(() => undefined);
    return this.track(next);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.busy.add(p);
    const forget = () => this.busy.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Call only inside serial(). */
  private async openEngine(): Promise<Indexer | undefined> {
    if (this.engine) return this.engine;
    const storeDir = this.storeDir;
    const roots = this.host.roots();
    if (!storeDir || !roots.length || this.closed) return undefined;
    this.setTransition('opening the index');
    try {
      const settings = this.host.settings();
      const opts = indexerOptions(settings, roots, storeDir);
      if (this.host.lockWaitMs !== undefined) opts.lockWaitMs = this.host.lockWaitMs;
      const { Indexer } = await loadEngine();
      const engine = await Indexer.open(opts);
      if (this.closed) {
        await engine.close();
        return undefined;
      }
      this.attach(engine);
      this.engine = engine;
      this.engineLeases = new LeaseSource(engine); // closed by closeEngine(), which then closes the engine
      this.engineKind = settings.embedder;
      this.progress = engine.currentProgress;
      this.problem = undefined;
      const lock = engine.lockTaken;
      const how = lock.how === 'free' ? 'free' : lock.how === 'stale' ? 'taken over from a writer that is gone' : `waited ${lock.ms} ms for the previous writer`;
      this.log.info(`opened the index in ${storeDir} for ${roots.map((r) => r.path).join(', ')}; store lock: ${how}; embedder: ${engine.embedder.description}`);
      if (engine.isBuilding) this.log.info('building a new index beside the previous one (another embedder, or an index of an older format), which answers searches until the new one is complete');
      else await this.closeReader();
      this.host.engineOpened?.();
      this.writeHeldSaves(engine);
      await this.refreshStats();
      return engine;
    } catch (err) {
      this.reportOpenError(err);
      return undefined;
    } finally {
      this.setTransition(undefined);
    }
  }

  private attach(engine: Indexer): void {
    engine.on('progress', (p: Progress) => {
      if (this.engine !== engine) return;
      this.progress = p;
      this.refreshStatsSoon();
      this.changed();
    });
    // Write failures arrive as warnings with a typed error: the files involved are recorded
    // failed and indexed again on the next run, and the user hears of it once per failure.
    engine.on('warning', (msg: string, err?: SemindexError) => {
      this.log.warn(msg);
      if (this.engine === engine && SemindexError.is(err, 'WRITE_FAILED')) this.host.notify({ kind: 'failed', message: `writing the index failed: ${errorMessage(msg)}` });
      // Another writer has the store now (our lease lapsed in a stall): read-only until it lets go.
      if (this.engine === engine && SemindexError.is(err, 'LOST_LOCK')) {
        void this.serial(async () => {
          if (this.engine !== engine) return;
          await this.closeEngine('another writer took the index over');
          this.problem = { kind: 'busy', message: 'Another process took over writing this index. Search works read-only until it finishes.' };
          this.openOnRelease();
          this.changed();
        });
      }
    });
    engine.on('maintained', ({ ms }: { ms: number }) => this.log.info(`folded recent saves into the search indices (${(ms / 1000).toFixed(1)} s)`));
  }

  private startRun(engine: Indexer, first = false): void {
    if (this.run) return;
    if (engine.isPaused) engine.resume();
    this.lastRunCoverage = undefined;
    const started = Date.now();
    // Assigned before the run starts, so its first progress event already counts as a full run.
    const run: Promise<void> = Promise.resolve().then(async () => {
      this.log.info(`indexing started (${this.host.roots().length} folder(s))`);
      try {
        const s = await engine.index();
        this.lastRunCoverage = s.cancelled ? (runCoverage(this.progress) ?? 0) : 1;
        this.log.info(
          `indexing ${s.cancelled ? 'cancelled' : 'done'}: ${s.files} files — ${s.indexed} indexed, ${s.unchanged} unchanged, ${s.skipped} skipped, ` +
            `${s.failed} failed, ${s.deleted} removed; ${s.chunks} chunks in ${s.seconds}s; left out: ${s.excluded.gitignore} by .gitignore, ` +
            `${s.excluded.setting} by settings, ${s.excluded.builtin} by built-in rules; ${s.excluded.secret} skipped as likely secrets`,
        );
        if (s.failed) this.log.warn(`${s.failed} file(s) failed; "Semindex: Show Index Progress" lists them with reasons`);
        if (!engine.isBuilding) await this.closeReader();
      } catch (err) {
        this.lastRunCoverage = runCoverage(this.progress) ?? 0;
        if (this.engine === engine) {
          this.log.error(`indexing failed after ${((Date.now() - started) / 1000).toFixed(1)}s: ${errorMessage(err)}`);
          this.host.notify({ kind: 'failed', message: `indexing failed: ${errorMessage(err)}` });
        }
      } finally {
        if (this.run === run) this.run = undefined;
        await this.refreshStats();
        this.changed();
      }
    });
    this.run = run;
    this.track(run);
    this.changed();
    this.runEmitter.fire({ first, done: run });
  }

  /** Call only inside serial(). Cancels a run, lets in-flight work finish, releases the lock. */
  private async closeEngine(transition: string): Promise<void> {
    await this.host.engineClosing?.();
    const engine = this.engine;
    if (engine) {
      this.setTransition(transition);
      engine.cancel();
    }
    // From here new searches are refused a lease on this engine and ask again, which queues
    // them behind this serial step (searchLease → openEngine); running ones finish first.
    this.engine = undefined;
    const leases = this.engineLeases;
    this.engineLeases = undefined;
    await leases?.close();
    await this.closeReader();
    if (!engine) return;
    await Promise.allSettled([this.run, ...this.updates]);
    try {
      await engine.close();
    } catch (err) {
      this.log.error(`closing the index: ${errorMessage(err)}`);
    }
    this.progress = undefined;
    this.stats = undefined;
    this.problemList = [];
    this.setTransition(undefined);
  }

  private onSettingsChanged(change: SettingsChange): void {
    this.log.info(`settings changed: ${change.changed.map((k) => `${SECTION}.${k}`).join(', ')}`);
    if (needsReindex(change.changed, change.before, change.after)) this.scheduleReopen(`settings changed (${change.changed.join(', ')})`);
  }

  /** Reopen with the current settings and roots, then index (only what the change affects is redone). */
  private scheduleReopen(reason: string): void {
    // Nothing open and nothing failed: the next open simply uses the new settings.
    if (!this.engine && !this.problem) return;
    this.reopenReasons.add(reason);
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      const why = [...this.reopenReasons].join('; ');
      this.reopenReasons.clear();
      this.engine?.cancel();
      void this.serial(async () => {
        if (this.closed) return;
        this.log.info(`reopening the index: ${why}`);
        await this.closeEngine('applying the new settings');
        const engine = await this.openEngine();
        if (engine) this.startRun(engine);
      });
    }, REOPEN_DELAY_MS);
  }

  /** Closes the index (in-flight files are written, searches under way answer first); nothing opens or answers after. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    if (this.statsTimer) clearTimeout(this.statsTimer);
    this.reopenTimer = this.statsTimer = undefined;
    this.busyWait?.abort();
    this.engine?.cancel();
    // Queued behind whatever is opening; nothing new opens once closed is set.
    const closing = this.serial(() => this.closeEngine('closing the index'));
    this.closed = true;
    await closing;
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.emitter.dispose();
    this.runEmitter.dispose();
  }

  // ——— incremental updates ———

  /** Re-indexes these files at user priority; ignored while no index is open (the next run sees them). */
  updateFiles(absPaths: string[], why: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    const roots = this.host.roots();
    const inside = absPaths.filter((p) => relativeToRoots(roots, p));
    if (!inside.length) return Promise.resolve();
    const engine = this.engine;
    if (!engine || this.transition) {
      // Another writer holds the index, or it is opening: the saves wait for the open (writeHeldSaves).
      if (this.problem?.kind === 'busy' || this.transition === 'opening the index') this.holdSaves(inside);
      return Promise.resolve();
    }
    return this.runUpdate(engine, inside, why);
  }

  private holdSaves(paths: string[]): void {
    for (const p of paths) {
      if (this.heldSaves.size >= MAX_HELD_SAVES) this.heldOverflow = true;
      else this.heldSaves.add(p);
    }
  }

  /** Writes the saves held while the index could not be written, and a full run that was asked for meanwhile. */
  private writeHeldSaves(engine: Indexer): void {
    const paths = [...this.heldSaves];
    const runWanted = this.runWanted || this.heldOverflow;
    this.heldSaves.clear();
    this.heldOverflow = this.runWanted = false;
    if (runWanted) {
      this.startRun(engine); // the run's scan sees the saved files too
      return;
    }
    if (!paths.length) return;
    this.log.info(`writing ${paths.length} save(s) made while the index could not be written`);
    void this.runUpdate(engine, paths, 'held save');
  }

  private runUpdate(engine: Indexer, inside: string[], why: string): Promise<void> {
    const roots = this.host.roots();
    const update: Promise<void> = engine.update(inside).then(
      (s) => {
        const what = inside.length === 1 ? (relativeToRoots(roots, inside[0])?.path ?? inside[0]) : `${inside.length} files`;
        const line = `update (${why}): ${what} — ${s.indexed} indexed, ${s.deleted} removed, ${s.failed} failed, ${s.skipped} skipped in ${s.seconds}s`;
        if (s.indexed || s.deleted || s.failed) this.log.info(line);
        else this.log.trace(line);
      },
      (err) => this.log.error(`update (${why}) failed: ${errorMessage(err)}`),
    );
    const tracked = update.finally(async () => {
      this.updates.delete(tracked);
      await this.refreshStats();
      this.changed();
    });
    this.updates.add(tracked);
    return this.track(tracked);
  }

  // ——— searching ———

  /** A lease on what answers searches now, taken synchronously once it is open (leases.ts); none once closed. */
  private async searchLease(): Promise<Lease<SearchSource> | undefined> {
    if (this.closed) return undefined;
    if (this.engine && !this.engine.isBuilding) return this.engineLeases?.acquire();
    // A new index for another embedder is half built, or another process writes the store:
    // the active index, read-only, answers in full.
    if (this.engine?.isBuilding || this.problem?.kind === 'busy') return (await this.openReader())?.acquire() ?? this.engineLeases?.acquire();
    if (!this.engine && !this.problem && this.hasStore()) {
      const engine = await this.serial(() => this.openEngine());
      if (engine && !engine.isBuilding) return this.engineLeases?.acquire();
      return (await this.openReader())?.acquire() ?? this.engineLeases?.acquire();
    }
    return this.engineLeases?.acquire();
  }

  private openReader(): Promise<LeaseSource<IndexReader> | undefined> {
    if (this.reader) return Promise.resolve(this.reader);
    const storeDir = this.storeDir;
    if (!storeDir || this.closed || !this.hasStore()) return Promise.resolve(undefined);
    this.readerOpening ??= loadReader()
      // Results' code is read from the workspace folders (source.ts), as the engine reads it.
      .then(({ IndexReader }) => IndexReader.open(storeDir, { roots: this.host.roots() }))
      .then(
        (reader) => {
          // Ours to close: closeReader() closes it once its last search released its lease.
          this.reader = new LeaseSource(reader, (r) => r.close());
          this.changed();
          return this.reader;
        },
        (err) => {
          this.log.warn(`could not open the index read-only: ${errorMessage(err)}`);
          return undefined;
        },
      )
      .finally(() => {
        this.readerOpening = undefined;
      });
    return this.readerOpening;
  }

  /** Stops serving from the reader; it closes once the searches on it are done. */
  private async closeReader(): Promise<void> {
    await this.readerOpening;
    const reader = this.reader;
    this.reader = undefined;
    await reader?.close();
  }

  // ——— stats ———

  private refreshStatsSoon(): void {
    if (this.statsTimer || this.closed) return;
    this.statsTimer = setTimeout(() => {
      this.statsTimer = undefined;
      void this.refreshStats().then(() => this.changed());
    }, STATS_INTERVAL_MS);
  }

  private async refreshStats(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    try {
      const stats = await engine.stats();
      const problems = engine.problems(100_000);
      if (this.engine !== engine) return;
      this.problemList = problems;
      this.stats = { ...stats, skipped: problems.reduce((n, p) => n + (p.status === 'skipped' ? 1 : 0), 0) };
    } catch (err) {
      this.log.trace(`stats: ${errorMessage(err)}`);
    }
  }

  // ——— errors ———

  private reportOpenError(err: unknown): void {
    if (SemindexError.is(err, 'BUSY') && err.holder) {
      const h = err.holder;
      const message = `Another process is writing this workspace's index (${h.owner}, pid ${h.pid} on ${h.host}). Search works read-only until it finishes.`;
      this.problem = { kind: 'busy', message };
      this.log.warn(message);
      this.openOnRelease();
      this.host.notify({ kind: 'busy', message });
      return;
    }
    const message = errorMessage(err);
    this.problem = { kind: 'error', message };
    this.log.error(`could not open the index: ${message}`);
    if (SemindexError.is(err, 'SETTINGS') && err.setting) this.host.notify({ kind: 'settings', message, setting: err.setting });
    else this.host.notify({ kind: 'open-failed', message, model: SemindexError.is(err, 'MODEL') });
  }

  /**
   * "Busy" clears by itself: once the other writer lets go (or its lease lapses), the index is
   * opened and the saves held meanwhile are written.
   */
  private openOnRelease(): void {
    const storeDir = this.storeDir;
    if (this.busyWait || !storeDir || this.closed) return;
    const wait = new AbortController();
    this.busyWait = wait;
    void StoreLock.waitForRelease(new StoreLayout(storeDir).lockFile, wait.signal).then((free) => {
      this.busyWait = undefined;
      if (!free || this.closed) return;
      void this.serial(async () => {
        if (this.engine || this.closed || this.problem?.kind !== 'busy') return;
        this.log.info('the other writer let go of the index; opening it');
        this.problem = undefined;
        await this.openEngine(); // busy again (another writer was quicker): watched again
        this.changed();
      });
    });
  }
}

/**
 * Deletes everything in the store folder — under the writer lock, so a store another process is
 * writing is never deleted from under it (SemindexError 'BUSY' instead).
 */
async function wipeStore(storeDir: string): Promise<void> {
  await fs.promises.mkdir(storeDir, { recursive: true });
  const layout = new StoreLayout(storeDir);
  const lock = await StoreLock.acquire(layout.lockFile, 'vscode');
  try {
    await layout.clear();
  } finally {
    lock.release();
  }
}

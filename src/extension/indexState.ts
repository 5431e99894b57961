// What the extension knows about the index at one moment, as one plain value: the status bar,
// both webviews and the test API all render from it. Derived from the engine's facts by a pure
// function so every state a user can see is unit-tested.
import type { Progress } from '../indexer/indexer';
import type { RunRecord } from '../indexer/layout';

export type UiPhase =
  /** No folder open (or none on the local file system). */
  | 'no-folder'
  /** No index in workspace storage yet. */
  | 'not-indexed'
  /** An index exists on disk but is not opened yet (indexOnStartup off): opens on first use. */
  | 'unloaded'
  /** Opening, closing or clearing the index. */
  | 'loading'
  | 'scanning'
  | 'indexing'
  | 'finalizing'
  | 'paused'
  /** Indexed and searchable; nothing running. */
  | 'ready'
  /** The last full run was cancelled: what was indexed is searchable. */
  | 'cancelled'
  /** Another process holds the writer lock. */
  | 'busy'
  /** The index could not be opened (message says why). */
  | 'error';

export interface IndexStats {
  files: number;
  chunks: number;
  failed: number;
  /** Files skipped on purpose (binary, too large, minified…), from the catalog and the last scan. */
  skipped: number;
  bytes: number;
  cacheHitRate: number | undefined;
}

/** The facts state() is derived from (what session.ts holds). */
export interface IndexFacts {
  hasFolder: boolean;
  multiRoot: boolean;
  hasStore: boolean;
  /** An open/close/clear is under way. */
  transition: string | undefined;
  engineOpen: boolean;
  /** A full `index()` run is under way. */
  fullRun: boolean;
  progress: Progress | undefined;
  stats: IndexStats | undefined;
  /** Share of files the last finished full run covered (1 unless cancelled); undefined before one. */
  lastRunCoverage: number | undefined;
  problem: { kind: 'busy' | 'error'; message: string } | undefined;
  embedder: { kind: 'static' | 'transformers'; description: string } | undefined;
  /** A new index for a changed embedder is being built beside the serving one. */
  building: boolean;
  lastFullRun: RunRecord | undefined;
  lastIncrementalRun: number | undefined;
}

/** JSON-safe (null, never undefined) so it can be diffed and posted as is. */
export interface IndexState {
  phase: UiPhase;
  multiRoot: boolean;
  /** Files indexed (searchable). */
  files: number;
  chunks: number;
  failed: number;
  skipped: number;
  /** Progress of the current run: files done of files total (0/0 when none). */
  filesDone: number;
  filesTotal: number;
  /** Rate and time left of the current run; null until enough is done to estimate them (estimate()). */
  filesPerSec: number | null;
  etaSeconds: number | null;
  /** Share (0..1) of the workspace's files that searches cover; null when unknown. */
  coverage: number | null;
  searchable: boolean;
  embedder: string | null;
  embedderKind: 'static' | 'transformers' | null;
  building: boolean;
  bytes: number | null;
  cacheHitRate: number | null;
  lastFullRun: RunRecord | null;
  lastIncrementalRun: number | null;
  /** Why the index is busy or broken, or the last error of a run. */
  message: string | null;
  /** What a loading phase is doing ("clearing the index"). */
  transition: string | null;
}

/** Rate and ETA are held back until this much of the run has passed… */
export const ESTIMATE_MIN_SECONDS = 3;
/** …and this share of the files is done: before that they swing wildly (warm-up, the first big files). */
export const ESTIMATE_MIN_SHARE = 0.02;

/**
 * Files per second and seconds left, or nulls while too little is done to estimate them
 * (less than ESTIMATE_MIN_SECONDS elapsed or ESTIMATE_MIN_SHARE of the files done).
 */
export function estimate(p: Pick<Progress, 'filesDone' | 'filesTotal' | 'elapsedSeconds' | 'filesPerSec' | 'etaSeconds'>): { filesPerSec: number | null; etaSeconds: number | null } {
  const enough = p.filesTotal > 0 && p.elapsedSeconds >= ESTIMATE_MIN_SECONDS && p.filesDone / p.filesTotal >= ESTIMATE_MIN_SHARE;
  if (!enough) return { filesPerSec: null, etaSeconds: null };
  return { filesPerSec: p.filesPerSec, etaSeconds: p.etaSeconds ?? null };
}

const RUNNING = new Set(['scanning', 'indexing', 'finalizing', 'paused']);

/** Files done of files total, or undefined while the total is unknown (scanning). */
export function runCoverage(p: Progress | undefined): number | undefined {
  if (!p || p.filesTotal <= 0) return undefined;
  return Math.min(1, Math.max(0, p.filesDone / p.filesTotal));
}

function phaseOf(f: IndexFacts): UiPhase {
  if (!f.hasFolder) return 'no-folder';
  if (f.transition) return 'loading';
  if (!f.engineOpen) {
    if (f.problem) return f.problem.kind;
    return f.hasStore ? 'unloaded' : 'not-indexed';
  }
  const p = f.progress?.phase;
  if (f.fullRun) {
    if (p && RUNNING.has(p)) return p as UiPhase;
    // index() was called but the engine has not announced its phase yet.
    return p === 'cancelled' ? 'cancelled' : 'scanning';
  }
  if (p === 'cancelled' || (f.lastRunCoverage !== undefined && f.lastRunCoverage < 1)) return 'cancelled';
  if (f.lastFullRun || (f.stats?.chunks ?? f.progress?.chunks ?? 0) > 0) return 'ready';
  return 'not-indexed';
}

export function deriveState(f: IndexFacts): IndexState {
  const phase = phaseOf(f);
  const p = f.progress;
  const running = RUNNING.has(phase);
  const chunks = p && running ? p.chunks : (f.stats?.chunks ?? p?.chunks ?? 0);
  let coverage: number | undefined;
  if (running) coverage = runCoverage(p);
  else if (phase === 'ready') coverage = f.lastRunCoverage ?? 1;
  else if (phase === 'cancelled') coverage = f.lastRunCoverage ?? runCoverage(p);
  const searchable = f.engineOpen ? chunks > 0 : phase === 'unloaded' || phase === 'busy';
  return {
    phase,
    multiRoot: f.multiRoot,
    files: f.stats?.files ?? 0,
    chunks,
    failed: running && p ? p.failed : (f.stats?.failed ?? p?.failed ?? 0),
    skipped: running && p ? p.skipped : (f.stats?.skipped ?? p?.skipped ?? 0),
    filesDone: running && p ? p.filesDone : 0,
    filesTotal: running && p ? p.filesTotal : 0,
    ...(running && p ? estimate(p) : { filesPerSec: null, etaSeconds: null }),
    coverage: coverage ?? null,
    searchable,
    embedder: f.embedder?.description ?? null,
    embedderKind: f.embedder?.kind ?? null,
    building: f.building,
    bytes: f.stats?.bytes ?? null,
    cacheHitRate: f.stats?.cacheHitRate ?? p?.cacheHitRate ?? null,
    lastFullRun: f.lastFullRun ?? null,
    lastIncrementalRun: f.lastIncrementalRun ?? null,
    message: f.problem?.message ?? null,
    transition: f.transition ?? null,
  };
}

/** True while something is being indexed in the background (a full run, not a single save). */
export function isRunning(phase: UiPhase): boolean {
  return RUNNING.has(phase);
}

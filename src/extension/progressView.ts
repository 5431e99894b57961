// What the progress panel shows, as display strings: the page (media/progress.js) only sets
// textContent and attributes, so all wording and formatting is here and unit-tested. The panel
// posts only the fields that changed since the last post (no re-render, no flicker).
import type { FailedFile } from '../indexer/indexer';
import { formatAgo, formatBytes, formatCount, formatDuration, formatPercent, formatRate, plural } from './format';
import { type IndexState, type UiPhase, isRunning } from './indexState';

export interface ProgressView {
  phase: UiPhase;
  phaseLabel: string;
  /** 0..100, or null for an indeterminate bar (scanning, loading) or no bar at all. */
  percent: number | null;
  showBar: boolean;
  counts: string;
  throughput: string;
  eta: string;
  message: string;
  canIndex: boolean;
  canPause: boolean;
  canResume: boolean;
  canCancel: boolean;
  canRebuild: boolean;
  embedder: string;
  building: string;
  size: string;
  files: string;
  chunks: string;
  failed: string;
  skipped: string;
  cache: string;
  lastFull: string;
  lastIncremental: string;
}

const PHASE_LABELS: Record<UiPhase, string> = {
  'no-folder': 'No folder open',
  'not-indexed': 'Not indexed yet',
  unloaded: 'Index on disk (not loaded)',
  loading: 'Working…',
  scanning: 'Scanning the workspace…',
  indexing: 'Indexing',
  finalizing: 'Finalizing…',
  paused: 'Paused',
  ready: 'Up to date',
  cancelled: 'Cancelled — partly indexed',
  busy: 'Busy — another process is writing the index',
  error: 'Error',
};

/** `locale` is VS Code's display language (vscode.env.language), for the numbers. */
export function progressView(s: IndexState, now: number, locale: string): ProgressView {
  const running = isRunning(s.phase);
  const hasFolder = s.phase !== 'no-folder';
  const settled = !running && s.phase !== 'loading';
  let percent: number | null = null;
  if (s.coverage !== null && (running || s.phase === 'cancelled' || s.phase === 'ready')) percent = Math.round(s.coverage * 1000) / 10;
  const pct = s.coverage !== null && running ? ` (${formatPercent(s.coverage, locale)})` : '';
  let counts = '';
  if (running && s.filesTotal > 0) counts = `${formatCount(s.filesDone, locale)} / ${formatCount(s.filesTotal, locale)} files · ${plural(s.chunks, 'chunk', locale)}`;
  else if (s.phase === 'ready' || s.phase === 'cancelled') counts = `${plural(s.files, 'file', locale)} · ${plural(s.chunks, 'chunk', locale)}`;
  let cache: string;
  if (s.embedderKind === 'static') cache = 'n/a — static embedder re-embeds faster than a cache lookup';
  else if (s.cacheHitRate !== null) cache = formatPercent(s.cacheHitRate, locale);
  else cache = s.embedderKind ? 'no lookups yet' : '—';
  const lastFull = s.lastFullRun
    ? `${formatAgo(s.lastFullRun.at, now)} · ${formatDuration(s.lastFullRun.seconds)} · ${plural(s.lastFullRun.files, 'file', locale)}, ${plural(s.lastFullRun.chunks, 'chunk', locale)}`
    : 'never';
  return {
    phase: s.phase,
    phaseLabel: s.phase === 'loading' && s.transition ? `${s.transition[0].toUpperCase()}${s.transition.slice(1)}…` : PHASE_LABELS[s.phase] + pct,
    percent,
    showBar: running || s.phase === 'loading' || s.phase === 'cancelled' || s.phase === 'ready',
    counts,
    throughput: s.phase === 'indexing' && s.filesPerSec !== null ? formatRate(s.filesPerSec, locale) : '',
    eta: s.phase === 'indexing' && s.etaSeconds !== null ? `ETA ${formatDuration(s.etaSeconds)}` : '',
    message: s.message ?? '',
    canIndex: hasFolder && settled,
    canPause: s.phase === 'scanning' || s.phase === 'indexing',
    canResume: s.phase === 'paused',
    canCancel: running,
    canRebuild: hasFolder && s.phase !== 'loading',
    embedder: s.embedder ?? 'not loaded yet',
    building: s.building ? 'Building a new index for this embedder; the previous index answers searches until it is complete.' : '',
    size: s.bytes !== null ? formatBytes(s.bytes) : '—',
    files: formatCount(s.files, locale),
    chunks: formatCount(s.chunks, locale),
    failed: formatCount(s.failed, locale),
    skipped: formatCount(s.skipped, locale),
    cache,
    lastFull,
    lastIncremental: s.lastIncrementalRun !== null ? formatAgo(s.lastIncrementalRun, now) : 'never',
  };
}

/** Fields of `next` that differ from `prev` (all of them when there is no prev). */
export function diffView<T extends object>(prev: T | undefined, next: T): Partial<T> {
  if (!prev) return { ...next };
  const out: Partial<T> = {};
  for (const key of Object.keys(next) as (keyof T)[]) if (prev[key] !== next[key]) out[key] = next[key];
  return out;
}

export interface ProblemItem {
  root: string;
  path: string;
  /** What the list shows: the path, with the folder name in multi-root workspaces. */
  label: string;
  status: 'failed' | 'skipped';
  reason: string;
}

/** Failed files first (they are errors), then skipped ones, each by path. */
export function problemItems(problems: readonly FailedFile[], multiRoot: boolean, limit = 500): { items: ProblemItem[]; total: number } {
  const sorted = [...problems].sort((a, b) => (a.status === b.status ? 0 : a.status === 'failed' ? -1 : 1) || a.root.localeCompare(b.root) || a.path.localeCompare(b.path));
  return {
    items: sorted.slice(0, limit).map((p) => ({ root: p.root, path: p.path, label: multiRoot && p.root ? `${p.root} › ${p.path}` : p.path, status: p.status, reason: p.reason || '(no reason recorded)' })),
    total: problems.length,
  };
}

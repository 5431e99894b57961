// The status bar item's text for each index state. "$(name)" is a codicon; UI tests read the text
// after it, e.g. "Semindex: 12 files, 80 chunks".
import { formatCount, formatDuration, formatPercent, formatRate, plural } from './format';
import type { IndexState } from './indexState';

export interface StatusBarView {
  text: string;
  tooltip: string;
  /** warning/error use the theme's statusBarItem.warningBackground / errorBackground. */
  severity: 'normal' | 'warning' | 'error';
  /** Read by screen readers instead of the text (codicons spelled out). */
  ariaLabel: string;
}

const CLICK = 'Click to show the index progress.';

function counts(s: IndexState, locale: string): string {
  return `${plural(s.files, 'file', locale)}, ${plural(s.chunks, 'chunk', locale)}`;
}

function failedSuffix(s: IndexState, locale: string): { text: string; aria: string } {
  const n = formatCount(s.failed, locale);
  return s.failed > 0 ? { text: ` · $(warning) ${n} failed`, aria: `, ${n} failed` } : { text: '', aria: '' };
}

/** "279/450 files · 35 files/s · ETA 12s"; rate and ETA only once they can be estimated (indexState.estimate). */
export function runProgressText(s: IndexState, locale: string): string {
  const rate = s.filesPerSec !== null ? ` · ${formatRate(s.filesPerSec, locale)}` : '';
  const eta = s.etaSeconds !== null ? ` · ETA ${formatDuration(s.etaSeconds)}` : '';
  return `${formatCount(s.filesDone, locale)}/${formatCount(s.filesTotal, locale)} files${rate}${eta}`;
}

/**
 * `locale` is VS Code's display language (vscode.env.language), for the numbers.
 */
export function statusBarView(s: IndexState, locale: string): StatusBarView {
  const embedder = s.embedder ? `\nEmbedder: ${s.embedder}` : '';
  const view = (icon: string, body: string, tooltip: string, severity: StatusBarView['severity'] = 'normal', aria = body): StatusBarView => ({
    text: `$(${icon}) Semindex: ${body}`,
    tooltip: `${tooltip}${embedder}\n${CLICK}`,
    severity,
    ariaLabel: `Semindex: ${aria}`,
  });
  switch (s.phase) {
    case 'no-folder':
      return view('search', 'no folder', 'Open a folder to index and search it.');
    case 'not-indexed':
      return view('search', 'not indexed', 'This workspace has no index yet. Run "Semindex: Index Workspace" to build it.');
    case 'unloaded':
      return view('search', 'index on disk', 'An index of this workspace exists; it opens on the first search (indexing on startup is off).');
    case 'loading':
      return view('sync~spin', `${s.transition ?? 'opening the index'}…`, 'Semindex is working on the index.');
    case 'scanning':
      return view('sync~spin', 'scanning…', 'Listing the workspace files and checking which ones changed.');
    case 'indexing': {
      const body = runProgressText(s, locale);
      const f = failedSuffix(s, locale);
      const pct = s.coverage !== null ? ` (${formatPercent(s.coverage, locale)})` : '';
      return view('sync~spin', body + f.text, `Indexing${pct}: search already covers the files indexed so far.`, 'normal', body + f.aria);
    }
    case 'finalizing':
      return view('sync~spin', 'finalizing…', 'Compacting the index after the run.');
    case 'paused':
      return view('debug-pause', `paused at ${formatCount(s.filesDone, locale)}/${formatCount(s.filesTotal, locale)} files`, 'Indexing is paused; run "Semindex: Resume Indexing" to go on.');
    case 'ready': {
      const f = failedSuffix(s, locale);
      const tip = s.failed > 0 ? `${plural(s.failed, 'file', locale)} could not be indexed; the progress panel lists them with reasons.` : 'Indexed and up to date.';
      return view('search', counts(s, locale) + f.text, tip, 'normal', counts(s, locale) + f.aria);
    }
    case 'cancelled': {
      const f = failedSuffix(s, locale);
      const pct = s.coverage !== null ? ` at ${formatPercent(s.coverage, locale)}` : '';
      const body = `${counts(s, locale)} (cancelled${pct})`;
      return view('search', body + f.text, 'The last run was cancelled; search covers the files indexed before that. Run "Semindex: Index Workspace" to finish.', 'normal', body + f.aria);
    }
    case 'busy':
      return view('lock', 'index busy', s.message ?? 'Another process is writing the index.', 'warning');
    case 'error':
      return view('error', 'error', s.message ?? 'The index could not be opened.', 'error');
  }
}

/**
 * The first-index notification (window.withProgress): its message and how far the bar is (0..100),
 * from the same state as the status bar.
 */
export function firstIndexProgress(s: IndexState, locale: string): { message: string; percent: number } {
  const percent = s.coverage !== null ? Math.round(s.coverage * 100) : 0;
  switch (s.phase) {
    case 'indexing':
      return { message: runProgressText(s, locale), percent };
    case 'paused':
      return { message: `paused at ${formatCount(s.filesDone, locale)}/${formatCount(s.filesTotal, locale)} files`, percent };
    case 'finalizing':
      return { message: 'building the search indices…', percent: 100 };
    case 'loading':
      return { message: `${s.transition ?? 'opening the index'}…`, percent: 0 };
    default:
      return { message: 'listing the workspace files…', percent };
  }
}

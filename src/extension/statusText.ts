// The status bar item's text for each index state. "$(name)" is a codicon; UI tests read the text
// after it, e.g. "Semindex: 12 files, 80 chunks".
import { formatDuration, formatPercent, formatRate, plural } from './format';
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

function counts(s: IndexState): string {
  return `${plural(s.files, 'file')}, ${plural(s.chunks, 'chunk')}`;
}

function failedSuffix(s: IndexState): { text: string; aria: string } {
  return s.failed > 0 ? { text: ` · $(warning) ${s.failed} failed`, aria: `, ${s.failed} failed` } : { text: '', aria: '' };
}

export function statusBarView(s: IndexState): StatusBarView {
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
      const eta = s.etaSeconds !== null ? ` · ETA ${formatDuration(s.etaSeconds)}` : '';
      const body = `${s.filesDone}/${s.filesTotal} files · ${formatRate(s.filesPerSec)}${eta}`;
      const f = failedSuffix(s);
      const pct = s.coverage !== null ? ` (${formatPercent(s.coverage)})` : '';
      return view('sync~spin', body + f.text, `Indexing${pct}: search already covers the files indexed so far.`, 'normal', body + f.aria);
    }
    case 'finalizing':
      return view('sync~spin', 'finalizing…', 'Compacting the index after the run.');
    case 'paused':
      return view('debug-pause', `paused at ${s.filesDone}/${s.filesTotal} files`, 'Indexing is paused; run "Semindex: Resume Indexing" to go on.');
    case 'ready': {
      const f = failedSuffix(s);
      const tip = s.failed > 0 ? `${plural(s.failed, 'file')} could not be indexed; the progress panel lists them with reasons.` : 'Indexed and up to date.';
      return view('search', counts(s) + f.text, tip, 'normal', counts(s) + f.aria);
    }
    case 'cancelled': {
      const f = failedSuffix(s);
      const pct = s.coverage !== null ? ` at ${formatPercent(s.coverage)}` : '';
      const body = `${counts(s)} (cancelled${pct})`;
      return view('search', body + f.text, 'The last run was cancelled; search covers the files indexed before that. Run "Semindex: Index Workspace" to finish.', 'normal', body + f.aria);
    }
    case 'busy':
      return view('lock', 'index busy', s.message ?? 'Another process is writing the index.', 'warning');
    case 'error':
      return view('error', 'error', s.message ?? 'The index could not be opened.', 'error');
  }
}

// The messages between the extension and its two webviews: plain objects discriminated by `type`.
// Anything a page sends is untrusted (a compromised page must not open /etc/passwd or run an
// arbitrary command): parse* checks the type and every field and returns undefined for anything
// else, which the callers ignore.
import type { SearchMode } from '../indexer/search';
import type { ProblemItem, ProgressView } from './progressView';

/** The mode names the search view shows, and the engine's names for them. */
export type UiSearchMode = 'hybrid' | 'semantic' | 'keyword';

const ENGINE_MODE: Record<UiSearchMode, SearchMode> = { hybrid: 'hybrid', semantic: 'vector', keyword: 'bm25' };

export function engineMode(mode: UiSearchMode): SearchMode {
  return ENGINE_MODE[mode];
}

export const MAX_QUERY_LENGTH = 1000;
/** More results than a list ever holds (the view asks for 30). */
export const MAX_RESULTS = 1000;
const MAX_PATH_LENGTH = 4096;
const MAX_LINE = 10_000_000;

// ——— search view ———

export type SearchViewCommand = 'index' | 'showProgress' | 'openFolder';

/** The longest piece of code "find similar" sends (a selection is cut here; the engine keeps its first 128 terms anyway). */
export const MAX_SIMILAR_CODE = 20_000;

/** A span of a file in a workspace folder: root name (as results carry it), path inside it, 1-based lines. */
export interface SpanRef {
  root: string;
  path: string;
  startLine: number;
  endLine: number;
}

/**
 * What "find similar" runs on: a chunk of an indexed file (left out of the results), or a piece of
 * code (a selection; `from`, where it was selected in a workspace folder, is left out too).
 */
export type SimilarViewTarget = ({ kind: 'span' } & SpanRef) | { kind: 'code'; code: string; from?: SpanRef };

export type SearchViewRequest =
  | { type: 'ready' }
  | { type: 'search'; seq: number; query: string; mode: UiSearchMode }
  | { type: 'similar'; seq: number; target: SimilarViewTarget; mode: UiSearchMode }
  /**
   * Open result `index` of the list the extension sent as `results` with `seq`: an index into the
   * extension's own list, never a path — a page cannot name a file of its choosing.
   */
  | { type: 'open'; seq: number; index: number }
  | { type: 'run'; command: SearchViewCommand }
  /** A query the user settled on (Enter, a result opened, the box left): for the history. */
  | { type: 'remember'; query: string };

/** One result as the search view renders it. */
export interface ResultItem {
  root: string;
  /** Folder name shown before the path; "" in single-folder workspaces. */
  rootLabel: string;
  path: string;
  startLine: number;
  endLine: number;
  symbol: string;
  kind: string;
  language: string;
  snippet: string;
  /** [start, end) offsets into snippet of query words. */
  highlights: [number, number][];
  moreLines: number;
}

/** The index as the search view needs it (a subset of IndexState, plus wording). */
export interface SearchStatus {
  phase: string;
  searchable: boolean;
  /** "62% of files indexed" while a run is going or after a cancelled one; "" when complete. */
  coverageText: string;
  /** Shown when there are no results to show (what to do next). */
  hint: string;
  /** Which button the empty state offers. */
  action: 'index' | 'openFolder' | 'showProgress' | null;
  embedder: string;
  files: number;
  chunks: number;
}

export type SearchViewUpdate =
  | { type: 'status'; status: SearchStatus }
  | { type: 'results'; seq: number; query: string; results: ResultItem[]; coverageText: string; ms: number }
  | { type: 'error'; seq: number; message: string }
  | { type: 'seed'; query: string }
  /** Show code similar to the target, under "Similar to <label>" (the Find Similar Code command). */
  | { type: 'findSimilar'; target: SimilarViewTarget; label: string }
  /** Earlier queries of this workspace, oldest first, for ↑/↓ in the empty box. */
  | { type: 'history'; queries: string[] };

// ——— progress panel ———

export type ProgressCommand = 'index' | 'pause' | 'resume' | 'cancel' | 'rebuild';

export type ProgressPanelRequest =
  | { type: 'ready' }
  | { type: 'run'; command: ProgressCommand }
  | { type: 'open'; root: string; path: string };

export type ProgressPanelUpdate =
  | { type: 'state'; view: Partial<ProgressView> }
  | { type: 'problems'; items: ProblemItem[]; total: number };

// ——— validation ———

type Fields = Record<string, unknown>;

function asObject(msg: unknown): Fields | undefined {
  return msg !== null && typeof msg === 'object' && !Array.isArray(msg) ? (msg as Fields) : undefined;
}

function str(v: unknown, max: number, allowEmpty = false): v is string {
  return typeof v === 'string' && v.length <= max && (allowEmpty || v.length > 0);
}

function line(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_LINE;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[]): v is T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v);
}

const UI_MODES: readonly UiSearchMode[] = ['hybrid', 'semantic', 'keyword'];
const SEARCH_COMMANDS: readonly SearchViewCommand[] = ['index', 'showProgress', 'openFolder'];
const PROGRESS_COMMANDS: readonly ProgressCommand[] = ['index', 'pause', 'resume', 'cancel', 'rebuild'];

function spanRef(v: unknown): SpanRef | undefined {
  const m = asObject(v);
  if (!m || !str(m.root, 256, true) || !str(m.path, MAX_PATH_LENGTH) || !line(m.startLine) || !line(m.endLine) || m.endLine < m.startLine) return undefined;
  return { root: m.root, path: m.path, startLine: m.startLine, endLine: m.endLine };
}

function similarTarget(v: unknown): SimilarViewTarget | undefined {
  const m = asObject(v);
  if (m?.kind === 'span') {
    const span = spanRef(m);
    return span && { kind: 'span', ...span };
  }
  if (m?.kind !== 'code' || !str(m.code, MAX_SIMILAR_CODE) || !m.code.trim()) return undefined;
  if (m.from === undefined) return { kind: 'code', code: m.code };
  const from = spanRef(m.from);
  return from && { kind: 'code', code: m.code, from };
}

export function parseSearchViewRequest(msg: unknown): SearchViewRequest | undefined {
  const m = asObject(msg);
  switch (m?.type) {
    case 'ready':
      return { type: 'ready' };
    case 'search':
      if (!Number.isSafeInteger(m.seq) || !str(m.query, MAX_QUERY_LENGTH, true) || !oneOf(m.mode, UI_MODES)) return undefined;
      return { type: 'search', seq: m.seq as number, query: m.query, mode: m.mode };
    case 'similar': {
      const target = similarTarget(m.target);
      if (!Number.isSafeInteger(m.seq) || !target || !oneOf(m.mode, UI_MODES)) return undefined;
      return { type: 'similar', seq: m.seq as number, target, mode: m.mode };
    }
    case 'open':
      if (!Number.isSafeInteger(m.seq) || !Number.isInteger(m.index) || (m.index as number) < 0 || (m.index as number) >= MAX_RESULTS) return undefined;
      return { type: 'open', seq: m.seq as number, index: m.index as number };
    case 'run':
      return oneOf(m.command, SEARCH_COMMANDS) ? { type: 'run', command: m.command } : undefined;
    case 'remember':
      return str(m.query, MAX_QUERY_LENGTH) && m.query.trim() ? { type: 'remember', query: m.query } : undefined;
    default:
      return undefined;
  }
}

export function parseProgressPanelRequest(msg: unknown): ProgressPanelRequest | undefined {
  const m = asObject(msg);
  switch (m?.type) {
    case 'ready':
      return { type: 'ready' };
    case 'run':
      return oneOf(m.command, PROGRESS_COMMANDS) ? { type: 'run', command: m.command } : undefined;
    case 'open':
      if (!str(m.root, 256, true) || !str(m.path, MAX_PATH_LENGTH)) return undefined;
      return { type: 'open', root: m.root, path: m.path };
    default:
      return undefined;
  }
}

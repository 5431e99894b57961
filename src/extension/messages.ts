// The messages between the extension and its two webviews: plain objects discriminated by `type`.
// Anything a page sends is untrusted (a compromised page must not open /etc/passwd or run an
// arbitrary command): parse* checks the type and every field and returns undefined for anything
// else, which the callers ignore.
import type { SearchMode } from '../indexer/search';
import type { ProblemItem, ProgressView } from './progressView';
import type { SearchFilters } from './searchFilters';
import type { SyntaxToken } from './syntax';
import { TOKEN_CLASSES } from './syntax';

/** The mode names the search view shows, and the engine's names for them. */
export type UiSearchMode = 'hybrid' | 'semantic' | 'keyword';

const ENGINE_MODE: Record<UiSearchMode, SearchMode> = { hybrid: 'hybrid', semantic: 'vector', keyword: 'bm25' };

export function engineMode(mode: UiSearchMode): SearchMode {
  return ENGINE_MODE[mode];
}

export const MAX_QUERY_LENGTH = 1000;
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

/** How the panel shows results: grouped under their files or one ranked list; the filter fields shown. */
export interface SearchViewPrefs {
  grouped: boolean;
  filtersShown: boolean;
}

export type SearchViewRequest =
  | { type: 'ready' }
  /** Filters are present only when set (include/exclude as typed, Search-view globs; a language id). */
  | ({ type: 'search'; seq: number; query: string; mode: UiSearchMode } & SearchFilters)
  | ({ type: 'similar'; seq: number; target: SimilarViewTarget; mode: UiSearchMode } & SearchFilters)
  /** Result `index` of the results answering `seq` (the host's own list: the page names no path). */
  | { type: 'open'; seq: number; index: number; toSide: boolean }
  /** Copies "path:line" of result `index` of `seq` to the clipboard. */
  | { type: 'copy'; seq: number; index: number }
  /** Indexes the file of result `index` of `seq` again (its file changed or went since it was indexed). */
  | { type: 'reindex'; seq: number; index: number }
  | { type: 'run'; command: SearchViewCommand }
  /** A query the user settled on (Enter, a result opened, the box left): for the history. */
  | { type: 'remember'; query: string }
  | ({ type: 'prefs' } & SearchViewPrefs);

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
  /** Syntax colour: [start, end, class) ranges into snippet (syntax.ts). */
  tokens: SyntaxToken[];
  moreLines: number;
  /** Where the same code also is ("lib/bundle.js:120"): identical copies shown once as this result. */
  copies: string[];
  /**
   * Set when the file no longer holds the indexed code (SearchResult.stale): the row shows this
   * line and a Re-index button in place of the snippet, which is "".
   */
  staleText: string;
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
  /**
   * A line shown above the results whenever it is not "": indexing under way ("Indexing — 43%
   * covered, results so far"), or another window writing the index (read-only).
   */
  notice: string;
  embedder: string;
  files: number;
  chunks: number;
}

export type SearchViewUpdate =
  | { type: 'status'; status: SearchStatus }
  | { type: 'results'; seq: number; query: string; results: ResultItem[]; coverageText: string; ms: number }
  | { type: 'error'; seq: number; message: string }
  | { type: 'seed'; query: string }
  /** A result's file was indexed again (its Re-index button): search again, the results have changed. */
  | { type: 'reindexed' }
  /** Show code similar to the target, under "Similar to <label>" (the Find Similar Code command). */
  | { type: 'findSimilar'; target: SimilarViewTarget; label: string }
  /** Earlier queries of this workspace, oldest first, for ↑/↓ in the empty box. */
  | { type: 'history'; queries: string[] }
  /** The remembered view choices, and the language ids the filter offers. */
  | ({ type: 'prefs'; languages: readonly string[] } & SearchViewPrefs);

// ——— progress panel ———

export type ProgressCommand = 'index' | 'pause' | 'resume' | 'cancel' | 'rebuild';

export type ProgressPanelRequest =
  | { type: 'ready' }
  | { type: 'run'; command: ProgressCommand }
  /** Opens item `index` of the problem list the extension last sent (its own list: the page names no path). */
  | { type: 'open'; index: number };

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

function index(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 10_000;
}

const MAX_FILTER_LENGTH = 1000;

/** The filter fields of a search or similar request: each absent or a string; only non-empty ones kept. */
function searchFilters(m: Fields): SearchFilters | undefined {
  const out: SearchFilters = {};
  for (const key of ['include', 'exclude', 'language'] as const) {
    const v = m[key];
    if (v === undefined) continue;
    if (!str(v, key === 'language' ? 64 : MAX_FILTER_LENGTH, true)) return undefined;
    if (v.trim()) out[key] = v;
  }
  return out;
}

/** A token class the page may put in a class name. */
export function isTokenClass(v: unknown): boolean {
  return typeof v === 'string' && (TOKEN_CLASSES as readonly string[]).includes(v);
}

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
    case 'search': {
      const filters = searchFilters(m);
      if (!Number.isSafeInteger(m.seq) || !str(m.query, MAX_QUERY_LENGTH, true) || !oneOf(m.mode, UI_MODES) || !filters) return undefined;
      return { type: 'search', seq: m.seq as number, query: m.query, mode: m.mode, ...filters };
    }
    case 'similar': {
      const target = similarTarget(m.target);
      const filters = searchFilters(m);
      if (!Number.isSafeInteger(m.seq) || !target || !oneOf(m.mode, UI_MODES) || !filters) return undefined;
      return { type: 'similar', seq: m.seq as number, target, mode: m.mode, ...filters };
    }
    case 'open':
      if (!Number.isSafeInteger(m.seq) || !index(m.index) || typeof m.toSide !== 'boolean') return undefined;
      return { type: 'open', seq: m.seq as number, index: m.index, toSide: m.toSide };
    case 'copy':
    case 'reindex':
      if (!Number.isSafeInteger(m.seq) || !index(m.index)) return undefined;
      return { type: m.type, seq: m.seq as number, index: m.index };
    case 'prefs':
      if (typeof m.grouped !== 'boolean' || typeof m.filtersShown !== 'boolean') return undefined;
      return { type: 'prefs', grouped: m.grouped, filtersShown: m.filtersShown };
    case 'run':
      return oneOf(m.command, SEARCH_COMMANDS) ? { type: 'run', command: m.command } : undefined;
    case 'remember':
      return str(m.query, MAX_QUERY_LENGTH) && m.query.trim() ? { type: 'remember', query: m.query } : undefined;
    default:
      return undefined;
  }
}

/**
 * The result a row's context menu was opened on: its data-vscode-context, which VS Code hands to
 * the menu's command as written by the page ({ webviewSection: 'result', resultSeq, resultIndex }).
 */
export function parseResultContext(context: unknown): { seq: number; index: number } | undefined {
  const m = asObject(context);
  if (!m || m.webviewSection !== 'result' || !Number.isSafeInteger(m.resultSeq) || !index(m.resultIndex)) return undefined;
  return { seq: m.resultSeq as number, index: m.resultIndex };
}

export function parseProgressPanelRequest(msg: unknown): ProgressPanelRequest | undefined {
  const m = asObject(msg);
  switch (m?.type) {
    case 'ready':
      return { type: 'ready' };
    case 'run':
      return oneOf(m.command, PROGRESS_COMMANDS) ? { type: 'run', command: m.command } : undefined;
    case 'open':
      return index(m.index) ? { type: 'open', index: m.index } : undefined;
    default:
      return undefined;
  }
}

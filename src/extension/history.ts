// The search panel's query history: newest last, each query once, at most HISTORY_MAX, kept per
// workspace (workspaceState). Pure, so the rules are unit-tested; searchView.ts stores it.

/** Key in the workspace's Memento. */
export const HISTORY_KEY = 'semindex.searchHistory';
export const HISTORY_MAX = 50;

/** The history with `query` as its newest entry (moved there if it was already in it). */
export function remember(history: readonly string[], query: string, max = HISTORY_MAX): string[] {
  const q = query.trim();
  if (!q) return [...history];
  return [...history.filter((h) => h !== q), q].slice(-max);
}

/** What was stored, as a history: anything else (an older format, a hand edit) is dropped. */
export function readHistory(stored: unknown, max = HISTORY_MAX): string[] {
  if (!Array.isArray(stored)) return [];
  return stored.filter((q): q is string => typeof q === 'string' && q.trim() !== '').slice(-max);
}

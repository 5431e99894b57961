// What the search view shows for an index state and a result list (wording, coverage, snippets
// with their highlights). Pure, so the page stays a thin renderer.
import type { SearchResult, SimilarTarget } from '../indexer/search';
import type { Staleness } from '../indexer/source';
import { formatPercent, plural } from './format';
import { highlightRanges, queryTerms, snippetView } from './highlight';
import { type IndexState, isRunning } from './indexState';
import type { ResultItem, SearchStatus, SimilarViewTarget, SpanRef } from './messages';
import { syntaxTokens } from './syntax';

/** "62% of files indexed" while searches cover part of the workspace; "" when they cover it all. */
export function coverageText(s: IndexState, locale: string): string {
  if (s.phase === 'scanning') return 'scanning the workspace — results cover what was indexed before';
  if (!isRunning(s.phase) && s.phase !== 'cancelled') return '';
  if (s.coverage === null || s.coverage >= 1) return '';
  return `${formatPercent(s.coverage, locale)} of files indexed${s.phase === 'cancelled' ? ' (indexing was cancelled)' : ''}`;
}

/** The line above the results while they are partial or read-only; "" otherwise. */
export function searchNotice(s: IndexState, locale: string): string {
  if (s.phase === 'busy') return 'Another window is indexing this workspace — results are read-only.';
  if (s.phase === 'scanning') return s.chunks > 0 ? 'Scanning the workspace — results cover what was indexed before.' : '';
  if (!isRunning(s.phase) || s.chunks === 0 || s.coverage === null || s.coverage >= 1) return '';
  return `${s.phase === 'paused' ? 'Indexing paused' : 'Indexing'} — ${formatPercent(s.coverage, locale)} covered, results so far.`;
}

/** `locale` is VS Code's display language (vscode.env.language), for the numbers. */
export function searchStatus(s: IndexState, locale: string): SearchStatus {
  const base = { phase: s.phase, searchable: s.searchable, coverageText: coverageText(s, locale), notice: searchNotice(s, locale), embedder: s.embedder ?? '', files: s.files, chunks: s.chunks };
  switch (s.phase) {
    case 'no-folder':
      return { ...base, hint: 'Open a folder to search its code.', action: 'openFolder' };
    case 'not-indexed':
      return { ...base, hint: 'No index yet — Index Workspace builds one on this machine; nothing is uploaded.', action: 'index' };
    case 'unloaded':
      return { ...base, hint: 'Type to search the index of this workspace.', action: null };
    case 'loading':
      return { ...base, hint: `${s.transition ? s.transition[0].toUpperCase() + s.transition.slice(1) : 'Opening the index'}…`, action: null };
    case 'scanning':
    case 'indexing':
    case 'finalizing':
    case 'paused':
      return {
        ...base,
        hint: s.chunks > 0 ? 'Type to search what is indexed so far.' : 'Indexing… results appear as files are indexed.',
        action: 'showProgress',
      };
    case 'ready':
      return s.chunks > 0
        ? { ...base, hint: `Type to search ${plural(s.files, 'file', locale)} (${plural(s.chunks, 'chunk', locale)}).`, action: null }
        : { ...base, hint: 'The index is empty: no file matched the include/exclude settings.', action: 'index' };
    case 'cancelled':
      return { ...base, hint: 'Indexing was cancelled; search covers what was indexed. Index the workspace to finish.', action: 'index' };
    case 'busy':
      return { ...base, hint: s.message ?? 'Another process is writing the index; search works read-only.', action: 'index' };
    case 'error':
      return { ...base, hint: s.message ?? 'The index could not be opened.', action: 'index' };
  }
}

/**
 * What a result whose file no longer holds its code says in place of the snippet (the row adds a
 * Re-index button); the engine shows none of the file's lines then, which would be other code.
 */
export const STALE_NOTICE: Record<Staleness, string> = {
  changed: 'File changed since it was indexed',
  missing: 'File not found — deleted or moved since it was indexed',
};

/** What the agents' tools (lmTools.ts) and Quick Search add about a stale result: what is wrong and what mends it. */
export function staleAdvice(stale: Staleness): string {
  return `${STALE_NOTICE[stale]}; its code is not shown. Saving the file in VS Code, or "Semindex: Index Workspace", re-indexes it.`;
}

export function resultItems(results: readonly SearchResult[], query: string, multiRoot: boolean): ResultItem[] {
  const terms = queryTerms(query);
  return results.map((r) => {
    const snippet = snippetView(r.stale ? '' : r.snippet);
    const tokens = syntaxTokens(snippet.text, r.language);
    return {
      root: r.root,
      rootLabel: multiRoot ? r.root : '',
      path: r.path,
      startLine: r.startLine,
      endLine: r.endLine,
      symbol: r.symbol,
      kind: r.kind,
      language: r.language,
      snippet: snippet.text,
      highlights: highlightRanges(snippet.text, terms),
      tokens,
      moreLines: snippet.moreLines,
      // The engine names copies as results show paths (`root/path` with several roots).
      copies: (r.copies ?? []).map((c) => `${c.path}:${c.startLine}`),
      staleText: r.stale ? STALE_NOTICE[r.stale] : '',
    };
  });
}

/**
 * One hit as the language-model tools give it: `path:start-end symbol (kind, language)` and its
 * first `lines` non-blank lines, or what is wrong with a stale one. `multiRoot`: paths carry their
 * folder's name; with one folder they are relative to it, as a model would use them.
 */
export function toolHitText(r: SearchResult, multiRoot: boolean, lines: number): string {
  const where = `${multiRoot && r.root ? `${r.root}/` : ''}${r.path}:${r.startLine}-${r.endLine}`;
  const head = `${where} ${r.symbol || '(lines)'} (${r.kind}, ${r.language})`;
  if (r.stale) return `${head}\n(${staleAdvice(r.stale)})`;
  const code = r.snippet.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim());
  return `${head}\n${code.slice(0, lines).join('\n')}${code.length > lines ? '\n…' : ''}`;
}

/** What "Copy Path:Line" puts on the clipboard: "src/a.ts:3", with the folder's name first in a multi-root workspace. */
export function copiedLocation(r: Pick<SearchResult, 'root' | 'path' | 'startLine'>, multiRoot: boolean): string {
  return `${multiRoot && r.root ? `${r.root}/` : ''}${r.path}:${r.startLine}`;
}

/** A span as the search view names it: "src/a.ts:3-9", with the folder's name first in a multi-root workspace. */
export function spanLabel(span: SpanRef, multiRoot: boolean): string {
  return `${multiRoot && span.root ? `${span.root}/` : ''}${span.path}:${span.startLine}-${span.endLine}`;
}

/** The engine's target for a view's: a span's path as results name it (`root/path`: the extension labels every root). */
export function engineTarget(target: SimilarViewTarget): SimilarTarget {
  if (target.kind === 'code') return { code: target.code };
  return { path: target.root ? `${target.root}/${target.path}` : target.path, startLine: target.startLine, endLine: target.endLine };
}

/**
 * Results minus those overlapping where the code was selected: the engine leaves a span's own
 * chunks out, but code is just text to it, and the selection would come first, like itself.
 */
export function withoutSource(results: readonly SearchResult[], target: SimilarViewTarget): SearchResult[] {
  const from = target.kind === 'code' ? target.from : undefined;
  if (!from) return [...results];
  return results.filter((r) => !(r.root === from.root && r.path === from.path && r.startLine <= from.endLine && r.endLine >= from.startLine));
}

/**
 * The 1-based lines a selection covers, from VS Code's 0-based positions: a selection that ends
 * at the start of a line (whole lines selected) does not cover that line.
 */
export function selectionLines(start: { line: number }, end: { line: number; character: number }): { startLine: number; endLine: number } {
  const last = end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
  return { startLine: start.line + 1, endLine: last + 1 };
}

/** A Quick Search item: "symbol — path:line", the snippet's first line below it. */
export function quickPickItem(r: SearchResult, multiRoot: boolean): { label: string; detail: string; description: string } {
  const where = `${multiRoot && r.root ? `${r.root}/` : ''}${r.path}:${r.startLine}`;
  const name = r.symbol || r.path.split('/').pop() || r.path;
  const first = r.stale ? `${STALE_NOTICE[r.stale]} — re-index it (the refresh button)` : (r.snippet.split(/\r?\n/).find((l) => l.trim()) ?? '');
  // Codicon syntax in a label or detail would render as an icon: "$(" is shown as typed.
  const plain = (t: string) => t.replace(/\$\(/g, '$\u200b(');
  return { label: plain(`${name} — ${where}`), detail: plain(first.trim()), description: r.kind && r.kind !== 'window' ? r.kind : '' };
}

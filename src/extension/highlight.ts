// Query words in a result snippet: which character ranges the search view marks. Computed here
// rather than in the page so the page only ever builds text nodes from plain strings.

/** Words too common to be worth marking in a natural-language query. */
const STOP_WORDS = new Set(
  'a an and are as at be by do does for from how i in is it of on or that the this to was what when where which who why with'.split(' '),
);

const WORD = /[\p{L}\p{N}_$]+/gu;

/** Sub-words of an identifier: parseHttpConfig → parse, Http, Config; max_file_size → max, file, size. */
function subWords(word: string): string[] {
  return word
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[\s_$]+/u)
    .filter(Boolean);
}

/** Lower-cased terms to mark, longest first: whole query words and their identifier sub-words. */
export function queryTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const word of query.match(WORD) ?? []) {
    const lower = word.toLowerCase();
    if (!STOP_WORDS.has(lower) && lower.length >= 2) terms.add(lower);
    const parts = subWords(word);
    if (parts.length > 1) for (const p of parts) if (p.length >= 3 && !STOP_WORDS.has(p.toLowerCase())) terms.add(p.toLowerCase());
  }
  return [...terms].sort((a, b) => b.length - a.length || a.localeCompare(b));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Ranges [start, end) of `text` (UTF-16 offsets, sorted, never overlapping) that match a term.
 * Terms of three letters or more match inside identifiers ("config" in "parseConfig"); shorter
 * ones only as whole words, or "id" would light up every "width".
 */
export function highlightRanges(text: string, terms: readonly string[], max = 200): [number, number][] {
  if (!terms.length || !text) return [];
  const alternatives = terms.map((t) => (t.length >= 3 ? escapeRegExp(t) : `(?<![\\p{L}\\p{N}_])${escapeRegExp(t)}(?![\\p{L}\\p{N}_])`));
  const re = new RegExp(alternatives.join('|'), 'giu');
  const out: [number, number][] = [];
  for (const m of text.matchAll(re)) {
    if (!m[0]) continue;
    const start = m.index!;
    const end = start + m[0].length;
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
    if (out.length >= max) break;
  }
  return out;
}

export interface SnippetView {
  text: string;
  /** Lines left out at the end. */
  moreLines: number;
}

/**
 * The part of a snippet a result shows: at most `maxLines` lines, common indentation removed,
 * trailing blank lines dropped and very long lines cut (minified code must not flood the view).
 */
export function snippetView(snippet: string, maxLines = 8, maxLineLength = 240): SnippetView {
  const lines = snippet.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  while (lines.length && !lines[0].trim()) lines.shift();
  const shown = lines.slice(0, maxLines);
  let indent = Infinity;
  for (const line of shown) if (line.trim()) indent = Math.min(indent, line.length - line.trimStart().length);
  if (!Number.isFinite(indent)) indent = 0;
  const text = shown
    .map((line) => {
      const body = line.slice(Math.min(indent, line.length - line.trimStart().length));
      return body.length > maxLineLength ? `${body.slice(0, maxLineLength)}…` : body;
    })
    .join('\n');
  return { text, moreLines: Math.max(0, lines.length - shown.length) };
}

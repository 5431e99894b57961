// Identifier-aware tokenization shared by the BM25 field and the static embedder,
// so that a query word `parse` meets `parseHeader`, `parse_header` and `PARSE_HEADER`.
//
// One hand-written pass over the char codes: this runs on every chunk of every file in the
// workers, and the regex version (an IDENT match, then a SUBWORD match per identifier, run once
// for BM25 and again for the embedder) cost as much as a third of tree-sitter's parse.
//
// The BM25 field also gets English stop words dropped and words stemmed (Porter2, as the
// full-text index's own filters would): doing it here, once per distinct word per worker, costs a
// map lookup per token, where the index's stemmer cost half of the index build.
//
// Rules (identifier and sub-word as the regexes they replaced; number since index format 3):
//   identifier  [A-Za-z_$\u00C0-\uFFFF][A-Za-z0-9_$\u00C0-\uFFFF]*
//   sub-word    [A-Z]+(?![a-z]) | [A-Z]?[a-z\u00C0-\uFFFF]+ | [0-9]+   (`_` and `$` separate)
//   number      [0-9][A-Za-z0-9_$\u00C0-\uFFFF]*, one term when hex (`0x…`), else none

const porter2 = require('wink-porter2-stemmer') as (word: string) => string;

/** Snowball's English stop-word list (the one full-text indexes use for `removeStopWords`). */
const STOP_WORDS = new Set(
  ('i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its ' +
    'itself they them their theirs themselves what which who whom this that these those am is are was were be been being ' +
    'have has had having do does did doing a an the and but if or because as until while of at by for with about against ' +
    'between into through during before after above below to from up down in out on off over under again further then ' +
    'once here there when where why how all any both each few more most other some such no nor not only own same so than ' +
    'too very s t can will just don should now').split(' '),
);

/** Stems of the words seen so far (per thread); dropped when it grows past STEM_CACHE_LIMIT. */
const stemCache = new Map<string, string>();
const STEM_CACHE_LIMIT = 200_000;

/** A lower-case word's Porter2 stem. */
function stem(word: string): string {
  let out = stemCache.get(word);
  if (out === undefined) {
    out = porter2(word);
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
    stemCache.set(word, out);
  }
  return out;
}

/** A lower-case word as the BM25 field holds it: its Porter2 stem, or "" for a stop word. */
export function bm25Term(word: string): string {
  return STOP_WORDS.has(word) ? '' : stem(word);
}

const OTHER = 0;
const UPPER = 1;
const LOWER = 2; // a-z and everything from U+00C0 up
const DIGIT = 3;
const SEP = 4; // `_` and `$`: inside identifiers, between sub-words

function classOf(c: number): number {
  if (c >= 97 && c <= 122) return LOWER;
  if (c >= 65 && c <= 90) return UPPER;
  if (c >= 48 && c <= 57) return DIGIT;
  if (c === 95 || c === 36) return SEP;
  return c >= 0xc0 ? LOWER : OTHER;
}

const isAsciiLower = (c: number) => c >= 97 && c <= 122;

/**
 * Calls `part(start, end, digits)` for each sub-word of the identifier text[a, b), in order.
 * `digits` marks an all-digit part.
 */
function subwords(text: string, a: number, b: number, part: (start: number, end: number, digits: boolean) => void): void {
  let i = a;
  while (i < b) {
    const k = classOf(text.charCodeAt(i));
    if (k === UPPER) {
      let j = i + 1;
      while (j < b && classOf(text.charCodeAt(j)) === UPPER) j++;
      if (j < b && isAsciiLower(text.charCodeAt(j))) {
        if (j - i >= 2) {
          part(i, j - 1, false); // `HTTPHeader`: HTTP, then Header from its capital
          i = j - 1;
          continue;
        }
        let e = j + 1;
        while (e < b && classOf(text.charCodeAt(e)) === LOWER) e++;
        part(i, e, false);
        i = e;
        continue;
      }
      part(i, j, false);
      i = j;
    } else if (k === LOWER || k === DIGIT) {
      let j = i + 1;
      while (j < b && classOf(text.charCodeAt(j)) === k) j++;
      part(i, j, k === DIGIT);
      i = j;
    } else i++;
  }
}

/** Splits one identifier into lower-case sub-words: `parseHTTPHeader2` → parse, http, header, 2. */
export function splitIdentifier(identifier: string): string[] {
  const out: string[] = [];
  subwords(identifier, 0, identifier.length, (s, e) => out.push(identifier.slice(s, e).toLowerCase()));
  return out;
}

/** What the index needs of one text: its BM25 field and its words for the embedder. */
export interface Analysis {
  /**
   * The text put in the full-text (BM25) field: each identifier whole (lower-cased) plus its
   * sub-words when it has more than one, so both `parseheader` and `parse header` match; each
   * word as bm25Term() makes it (stemmed, stop words left out); hex literals whole, lower-cased.
   */
  fts: string;
  /** Lower-case sub-words in order, without single characters and pure numbers (no meaning alone). */
  words: string[];
}

/** An identifier's share of an Analysis: its BM25 terms (space-joined) and its embedder words. */
interface IdentifierTokens {
  fts: string;
  words: readonly string[];
}

/**
 * Identifiers seen so far (per thread), as written → their tokens. Code repeats its identifiers,
 * so most are looked up once here instead of being split, lower-cased and stemmed again.
 */
const identifierCache = new Map<string, IdentifierTokens>();
const IDENTIFIER_CACHE_LIMIT = 50_000;

function tokensOfIdentifier(id: string): IdentifierTokens {
  const parts: string[] = [];
  const digits: boolean[] = [];
  subwords(id, 0, id.length, (s, e, d) => {
    parts.push(id.slice(s, e).toLowerCase());
    digits.push(d);
  });
  const fts: string[] = [];
  const words: string[] = [];
  if (parts.length === 1) {
    if (parts[0].length > 1) pushTerm(fts, parts[0]);
  } else {
    // The whole of a compound identifier is a name, not an English word: lower-cased, not stemmed
    // (stemming every distinct identifier was the costliest part of this function).
    const whole = parts.join('');
    if (whole.length > 1) fts.push(whole);
  }
  for (let p = 0; p < parts.length; p++) {
    const w = parts[p];
    if (w.length < 2) continue;
    if (parts.length > 1) pushTerm(fts, w);
    if (!digits[p]) words.push(w);
  }
  return { fts: fts.join(' '), words };
}

/** Both of a text's token views in one pass (the workers' path: every chunk goes through here). */
export function analyze(text: string): Analysis {
  const fts: string[] = [];
  const words: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const k = classOf(c);
    if (k === OTHER) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && classOf(text.charCodeAt(j)) !== OTHER) j++;
    if (k === DIGIT) {
      // A number literal (`42`, `10UL`, `0x1F`), not an identifier. Hex literals (register
      // addresses, device ids; 3.7M of the 24M tokens of 10k kernel C files) are one term, whole;
      // other numbers none. Read as identifiers they were `x1f 1f` and unknown words to embed.
      if (c === 48 && j - i > 2 && (text.charCodeAt(i + 1) | 32) === 120) fts.push(text.slice(i, j).toLowerCase());
      i = j;
      continue;
    }
    const id = text.slice(i, j);
    let tokens = identifierCache.get(id);
    if (!tokens) {
      tokens = tokensOfIdentifier(id);
      if (identifierCache.size >= IDENTIFIER_CACHE_LIMIT) identifierCache.clear();
      identifierCache.set(id, tokens);
    }
    if (tokens.fts) fts.push(tokens.fts);
    for (let w = 0; w < tokens.words.length; w++) words.push(tokens.words[w]);
    i = j;
  }
  return { fts: fts.join(' '), words };
}

function pushTerm(out: string[], word: string): void {
  const term = bm25Term(word);
  if (term) out.push(term);
}

/** The BM25 field of a text (see Analysis.fts). */
export function ftsText(text: string): string {
  return analyze(text).fts;
}

/**
 * Words too common to say anything in a name (`is` of `isKey`, `to` of `toArray`). Much shorter
 * than STOP_WORDS, which also drops words that are whole names in code: `has`, `some`, `each`,
 * `once`, `before`, `after`, `over`, `own`, `not`, `all`.
 */
const NAME_FILLERS = new Set('a an the of to in on for and or is are be by with as at it its this that'.split(' '));

/** A text's words as the name match compares them (search.ts#nameMatch): its embedder words, stemmed, fillers left out. */
export function nameWords(text: string): string[] {
  const out: string[] = [];
  for (const w of analyze(text).words) if (!NAME_FILLERS.has(w)) out.push(stem(w));
  return out;
}

/** A file's name without folders and extension (`src/baseHas.js` → `baseHas`): a name as much as a symbol is. */
export function fileStem(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
}

/** A chunk's name field (store.ts `names`): the distinct nameWords of its symbol and its file's stem. */
export function nameField(symbol: string, path: string): string {
  return [...new Set([...nameWords(symbol), ...nameWords(fileStem(path))])].join(' ');
}

/** The embedder's words of a text (see Analysis.words). */
export function wordsOf(text: string): string[] {
  return analyze(text).words;
}

/**
 * A query's BM25 text for an index of this format (layout.ts INDEX_FORMAT): the plain words of the
 * query (split at anything not a letter or digit) and its BM25 field, both as bm25Term() makes them.
 */
export function queryText(q: string): string {
  const plain = q.toLowerCase().split(/[^\p{L}\p{N}]+/u).map((w) => (w ? bm25Term(w) : ''));
  // Each term once: a plain word and its BM25 form are mostly the same term, and a term asked for
  // twice is scored twice (BM25 p50 −1.5 ms at 215k chunks; hybrid on the dev sets 0.677 → 0.680,
  // 0.450 → 0.449, 0.431 → 0.438 MRR@10).
  return [...new Set(`${plain.join(' ')} ${ftsText(q)}`.split(/\s+/).filter(Boolean))].join(' ');
}

/**
 * A query's BM25 text for an index of format 1, which stems by itself: each identifier
 * lower-cased whole plus its parts, unstemmed, and the plain words. Only served while such an
 * index is being rebuilt in the current format.
 */
export function legacyQueryText(q: string): string {
  const out: string[] = [q.toLowerCase()];
  for (const id of q.match(/[A-Za-z_$\u00C0-\uFFFF][A-Za-z0-9_$\u00C0-\uFFFF]*/g) ?? []) {
    const parts = splitIdentifier(id);
    const whole = parts.join('');
    if (whole.length > 1) out.push(whole);
    if (parts.length > 1) for (const p of parts) if (p.length > 1) out.push(p);
  }
  return out.join(' ').replace(/[^\p{L}\p{N}_\s]+/gu, ' ').replace(/\s+/g, ' ').trim();
}

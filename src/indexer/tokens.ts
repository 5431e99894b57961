// Identifier-aware tokenization shared by the BM25 field and the static embedder,
// so that a query word `parse` meets `parseHeader`, `parse_header` and `PARSE_HEADER`.

const IDENT = /[A-Za-z_$\u00C0-\uFFFF][A-Za-z0-9_$\u00C0-\uFFFF]*/g;
// Boundaries inside one identifier: lower→Upper, ACRONYMWord, letter↔digit, and `_`/`$`.
const SUBWORD = /[A-Z]+(?![a-z])|[A-Z]?[a-z\u00C0-\uFFFF]+|[0-9]+/g;

/** Splits one identifier into lower-case sub-words: `parseHTTPHeader2` → parse, http, header, 2. */
export function splitIdentifier(identifier: string): string[] {
  const out: string[] = [];
  for (const m of identifier.matchAll(SUBWORD)) out.push(m[0].toLowerCase());
  return out;
}

/** Identifiers (and words) of a text, in order, as written. */
export function identifiersOf(text: string): string[] {
  return text.match(IDENT) ?? [];
}

/**
 * Lower-case sub-words of a text, in order, for embedding: every identifier split into parts.
 * Single characters and pure numbers are dropped: they carry no meaning on their own.
 */
export function wordsOf(text: string): string[] {
  const out: string[] = [];
  for (const id of identifiersOf(text)) {
    for (const w of splitIdentifier(id)) {
      if (w.length > 1 && !/^[0-9]+$/.test(w)) out.push(w);
    }
  }
  return out;
}

/**
 * The text put in the full-text (BM25) field: each identifier whole (lower-cased) plus its
 * sub-words when it has more than one, so both `parseheader` and `parse header` match.
 */
export function ftsText(text: string): string {
  const out: string[] = [];
  for (const id of identifiersOf(text)) {
    const parts = splitIdentifier(id);
    const whole = parts.join('');
    if (whole.length > 1) out.push(whole);
    if (parts.length > 1) for (const p of parts) if (p.length > 1) out.push(p);
  }
  return out.join(' ');
}

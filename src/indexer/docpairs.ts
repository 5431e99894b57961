// Doc comment ↔ code pairs from chunks, CodeSearchNet's convention: the query is the first
// sentence of a function's documentation, the answer is the function with that documentation
// removed. Two users: the training harvest (src/train/harvest.ts), which learns the static model
// from such pairs in other people's code, and `semindex eval`, which builds a test set from the
// user's own. Pure functions over a chunk's text; the chunker has already attached the doc
// comment above a definition (Python's docstring sits inside it).
import { createHash } from 'node:crypto';
import type { Chunk } from './types';

export interface DocSplit {
  /** The documentation, comment markers removed, one entry per source line. */
  doc: string[];
  /** Rows of the chunk's text (0-based, inclusive) that hold it. */
  docStart: number;
  docEnd: number;
  /** The chunk's text without those rows (a Python body that was only a docstring gets `pass`). */
  code: string;
}

/** Languages whose doc comments sit above the definition, and how their comment lines start. */
const LINE_COMMENT: Record<string, RegExp> = {
  javascript: /^\s*\/\//,
  typescript: /^\s*\/\//,
  tsx: /^\s*\/\//,
  java: /^\s*\/\//,
  c: /^\s*\/\//,
  cpp: /^\s*\/\//,
  csharp: /^\s*\/\//,
  go: /^\s*\/\//,
  rust: /^\s*\/\//,
  php: /^\s*(?:\/\/|#(?!\[))/,
  ruby: /^\s*#/,
};

const BLOCK_OPEN = /^\s*\/\*/;
const FUNCTION_KINDS: ReadonlySet<string> = new Set(['function', 'method']);

/**
 * The doc comment of a function or method chunk and its code without it; null when the chunk is
 * no function, has no doc comment, or has nothing but the comment.
 */
export function splitDoc(chunk: Pick<Chunk, 'language' | 'kind' | 'text'>): DocSplit | null {
  if (!FUNCTION_KINDS.has(chunk.kind)) return null;
  const lines = chunk.text.split('\n');
  const found = chunk.language === 'python' ? pythonDocstring(lines) : leadingComment(lines, chunk.language);
  if (!found) return null;
  const [docStart, docEnd, doc, body] = found;
  const code = [...lines.slice(0, docStart), ...body, ...lines.slice(docEnd + 1)].join('\n');
  if (!code.trim()) return null;
  return { doc, docStart, docEnd, code };
}

type Found = [start: number, end: number, doc: string[], replacement: string[]];

/** A comment block at the top of the chunk (`/** … *\/`, `/* … *\/`, or a run of line comments). */
function leadingComment(lines: string[], language: string): Found | null {
  const lineComment = LINE_COMMENT[language];
  if (!lineComment || !lines.length) return null;
  if (BLOCK_OPEN.test(lines[0])) {
    let end = 0;
    while (end < lines.length && !lines[end].includes('*/', end === 0 ? lines[0].indexOf('/*') + 2 : 0)) end++;
    if (end >= lines.length - 1) return null;
    // `/** doc */ function f() {`: the doc row holds code, and taking it out would cut the function.
    if (lines[end].slice(lines[end].lastIndexOf('*/') + 2).trim()) return null;
    const doc = lines.slice(0, end + 1).map(cleanBlockLine);
    return [0, end, doc, []];
  }
  if (!lineComment.test(lines[0])) return null;
  // Rust documents with `///` (or `//!`); a plain `//` there is a note, not documentation.
  if (language === 'rust' && !/^\s*\/\/[/!]/.test(lines[0])) return null;
  let end = 0;
  while (end + 1 < lines.length && lineComment.test(lines[end + 1])) end++;
  if (end >= lines.length - 1) return null;
  const doc = lines.slice(0, end + 1).map((l) => l.replace(/^\s*(?:\/\/[/!]?|#+)\s?/, ''));
  return [0, end, doc, []];
}

function cleanBlockLine(line: string): string {
  return line
    .replace(/^\s*\/\*+!?/, '')
    .replace(/\*+\/\s*$/, '')
    .replace(/^\s*\*+(?!\/)\s?/, '')
    .trimEnd();
}

const PY_DEF = /^\s*(?:async\s+)?def\s/;
const PY_STRING = /^(\s*)[rRuUbBfF]{0,2}("""|'''|"|')/;

/** The docstring of a Python function: the first statement of its body, when it is a string. */
function pythonDocstring(lines: string[]): Found | null {
  let def = 0;
  while (def < lines.length && !PY_DEF.test(lines[def])) def++;
  if (def >= lines.length) return null;
  // The signature ends at the first `:` outside brackets (annotations and defaults may hold any).
  let depth = 0;
  let row = def;
  let col = lines[def].search(/\bdef\b/) + 3;
  let colon = -1;
  for (; row < lines.length && colon < 0; row++, col = 0) {
    const line = lines[row];
    for (let i = col; i < line.length; i++) {
      const c = line[i];
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth--;
      else if (c === '#') break;
      else if (c === ':' && depth === 0) {
        colon = i;
        if (line.slice(i + 1).replace(/#.*/, '').trim()) return null; // `def f(): return x`
        break;
      }
    }
    if (colon >= 0) break;
  }
  if (colon < 0) return null;
  let start = row + 1;
  while (start < lines.length && !lines[start].trim()) start++;
  const open = start < lines.length ? PY_STRING.exec(lines[start]) : null;
  if (!open) return null;
  const quote = open[2];
  const from = open[0].length;
  let end = start;
  let close = lines[start].indexOf(quote, from);
  while (close < 0 && quote.length === 3 && end + 1 < lines.length) {
    end++;
    close = lines[end].indexOf(quote);
  }
  if (close < 0) return null;
  if (lines[end].slice(close + quote.length).replace(/#.*/, '').trim()) return null; // a statement after the docstring
  const doc: string[] = [];
  for (let r = start; r <= end; r++) {
    const a = r === start ? from : 0;
    const b = r === end ? close : lines[r].length;
    doc.push(lines[r].slice(a, b).trim());
  }
  const rest = lines.slice(end + 1);
  const onlyDocstring = !rest.some((l) => l.trim() && !l.trim().startsWith('#'));
  return [start, end, doc, onlyDocstring ? [`${open[1]}pass`] : []];
}

/** Documentation that describes no behaviour: licences, tool directives, placeholders. */
const NOT_A_DESCRIPTION =
  /^(?:copyright|spdx|license|licensed|eslint|jshint|jslint|istanbul|prettier|noinspection|nolint|go:|\+build|todo|fixme|xxx|hack|deprecated|@|>>>|:|#|-|\*|=|\.\.)/i;

/**
 * The summary a user would type: the first sentence of the first paragraph, without tags
 * (`@param`), a kernel-doc `name() - ` lead, or the leading name Go's convention puts first
 * (`Unmarshal parses…` → `parses…`). "" when the documentation has no usable sentence.
 */
export function summarize(doc: readonly string[], symbol: string): string {
  const para: string[] = [];
  for (const raw of doc) {
    const line = raw.trim();
    if (!line) {
      if (para.length) break;
      continue;
    }
    if (/^[@\\](?!link\b)\w/.test(line) || /^(?:Args|Arguments|Returns|Raises|Parameters|Example|Examples|Note|Usage):?$/.test(line)) break;
    para.push(line);
  }
  let text = para.join(' ').replace(/\s+/g, ' ').trim();
  const name = symbol.slice(symbol.lastIndexOf('.') + 1);
  // kernel-doc: `foo_bar() - Do the thing` / `struct foo - …`
  text = text.replace(/^(?:(?:struct|union|enum|function)\s+)?[\w.:>-]+(?:\(\))?\s+-+\s+/, '');
  text = text.replace(/\{@\w+\s+([^}]*)\}/g, '$1'); // {@link Foo} → Foo
  const sentence = /^(.+?[.!?])(?:\s|$)/.exec(text);
  let summary = (sentence ? sentence[1] : text).trim();
  if (name && summary.startsWith(name + ' ')) summary = summary.slice(name.length + 1);
  if (NOT_A_DESCRIPTION.test(summary)) return '';
  const words = summary.split(' ').length;
  return words >= 3 && words <= 40 ? summary : '';
}

/** Hash of code with all white space removed: the same function copied elsewhere, reindented, hashes alike. */
export function bodyHash(code: string): string {
  return createHash('sha1').update(code.replace(/\s+/g, '')).digest('hex').slice(0, 16);
}

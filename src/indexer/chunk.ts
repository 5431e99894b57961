// The chunk stage: cuts one decoded file into searchable chunks along its syntax — definitions
// (functions, methods, classes, …) with their doc comments — and covers everything else with
// line windows, so no non-blank line is left out. Runs inside worker threads; one Chunker per
// thread is created once and reused for thousands of files.
//
// Speed matters: parsing is the baseline cost, so the walk only looks at the nodes that can hold
// definitions (top-level statements, bodies of split definitions, and big nodes), never at the
// whole tree, and never re-parses.
import * as path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { LEADING, TRANSPARENT, classifierOf, grammarFileOf, languageOf, type Classify } from './languages';
import type { Chunk, ChunkKind } from './types';

export { languageOf } from './languages';

export interface ChunkerOptions {
  /** tree-sitter.wasm of web-tree-sitter (default at run time: resources.runtimeWasm()). */
  runtimeWasm: string;
  /** Folder holding tree-sitter-<grammar>.wasm files (default at run time: resources.grammarDir()). */
  grammarDir: string;
  /** Definitions longer than this are split (members / parts). Default 150. */
  maxChunkLines?: number;
  /** Definitions with more characters than this are split too, and no part or window exceeds it (unless one line does). Default 6000. */
  maxChunkChars?: number;
  /** Lines per window for code no definition covers. Default 60. */
  windowLines?: number;
}

type Limits = Required<Pick<ChunkerOptions, 'maxChunkLines' | 'maxChunkChars' | 'windowLines'>>;

/** Runs of at least TINY_RUN adjacent definitions of at most TINY_LINES lines each (C prototypes-like
 *  one-liners, type aliases, getters) are left to windows instead of flooding the index with 1-line chunks. */
const TINY_LINES = 2;
const TINY_RUN = 4;
/** A module header this short, directly above the module's first member, becomes part of that member's chunk. */
const MODULE_HEADER_LINES = 2;
/** At most this many closing lines (`}`, `});`, `end`) join the chunk above instead of making their own. */
const CLOSING_LINES = 3;
/** A closing line: starts with a closing bracket or separator, `end` (Ruby) or `#endif`. */
const CLOSING = /[ \t]*(?:[}\]);,]|end\b|#endif\b)/y;
/** A doc comment's first line: `/**` or `///` after the indentation. */
const DOC_COMMENT = /[ \t]*(?:\/\*\*|\/\/\/)/y;
/** Members of these are qualified with the type's name (`Class.method`); modules and functions do not qualify. */
const TYPE_KINDS: ReadonlySet<ChunkKind> = new Set(['class', 'struct', 'interface', 'enum']);

// Parser.init sets up the one wasm runtime of this thread; every Chunker shares it.
let runtime: Promise<void> | undefined;

interface Grammar {
  parser: Parser;
  classify: Classify;
}

export class Chunker {
  private readonly grammars = new Map<string, Promise<Grammar | null>>();
  /**
   * The last grammar load started: loads run one after another. web-tree-sitter links each grammar
   * into one shared module table, and two loads at once (two batches in a worker wanting two
   * languages) fail with "bad export type for 'tree_sitter_…_external_scanner_create'", leaving
   * that language to line windows for the worker's life.
   */
  private loading: Promise<unknown> = Promise.resolve();
  /** Languages whose syntax walk has failed, to log that once rather than per file. */
  private readonly failed = new Set<string>();

  private constructor(
    private readonly grammarDir: string,
    private readonly limits: Limits,
  ) {}

  static async create(opts: ChunkerOptions): Promise<Chunker> {
    runtime ??= Parser.init({ locateFile: () => opts.runtimeWasm }).catch((err: unknown) => {
      runtime = undefined; // let a later call retry, e.g. with a corrected path
      throw err;
    });
    await runtime;
    return new Chunker(opts.grammarDir, {
      maxChunkLines: Math.max(1, opts.maxChunkLines ?? 150),
      maxChunkChars: Math.max(1, opts.maxChunkChars ?? 6000),
      windowLines: Math.max(1, opts.windowLines ?? 60),
    });
  }

  /**
   * Chunks of one file, sorted by startLine and not overlapping. relPath uses forward slashes; text
   * is the decoded file. Async only because a language's grammar is loaded on its first file; the
   * work itself is synchronous. Never throws on bad syntax (tree-sitter recovers); a grammar that
   * fails to load gives line windows for that language, with the reason logged once.
   */
  async chunk(relPath: string, text: string, opts: ChunkOptions = {}): Promise<Chunk[]> {
    const language = languageOf(relPath);
    // syntax: false: line windows only, no parse (files too large to parse in bounded memory).
    const grammar = opts.syntax === false ? null : await this.grammar(language);
    const lines = new Lines(text);
    let pieces: Piece[] | undefined;
    if (grammar) {
      try {
        pieces = syntaxPieces(grammar, lines, this.limits, opts.timeoutMs);
        if (!pieces) opts.onTimeout?.(`parsing took over ${opts.timeoutMs} ms; cut into line windows`);
      } catch (err) {
        // A walker bug must not cost the whole index: fall back to windows for this file.
        if (!this.failed.has(language)) {
          this.failed.add(language);
          console.warn(`semindex: chunking ${relPath} by syntax failed (${String(err)}); using line windows`);
        }
      }
    }
    pieces ??= new Cutter(lines, this.limits).windowsOnly();
    return toChunks(pieces, lines, relPath, language);
  }

  /**
   * Parses the file and throws the tree away: the physical limit of this stage, which the
   * benchmark compares the whole pipeline against. Returns the number of syntax nodes' root children.
   */
  async parseOnly(relPath: string, text: string): Promise<number> {
    const grammar = await this.grammar(languageOf(relPath));
    if (!grammar) return 0;
    const tree = grammar.parser.parse(text);
    if (!tree) return 0;
    const n = tree.rootNode.childCount;
    tree.delete();
    return n;
  }

  private grammar(language: string): Promise<Grammar | null> {
    let grammar = this.grammars.get(language);
    if (!grammar) {
      grammar = this.loading.then(() => this.loadGrammar(language));
      this.loading = grammar;
      this.grammars.set(language, grammar);
    }
    return grammar;
  }

  private async loadGrammar(language: string): Promise<Grammar | null> {
    const file = grammarFileOf(language);
    const classify = classifierOf(language);
    if (!file || !classify) return null;
    try {
      const grammar = await Language.load(path.join(this.grammarDir, file));
      const parser = new Parser(); // one per language, reused for every file: setLanguage resets parser state
      parser.setLanguage(grammar);
      return { parser, classify };
    } catch (err) {
      console.warn(`semindex: grammar ${file} failed to load (${String(err)}); ${language} files get line windows`);
      return null;
    }
  }
}

export interface ChunkOptions {
  /** false: line windows only, no parse (files too large to parse in bounded memory). */
  syntax?: boolean;
  /** Longest a parse may take; past it the file is cut into line windows and onTimeout is told why. */
  timeoutMs?: number;
  onTimeout?: (reason: string) => void;
}

/** A chunk before its text is cut: 0-based rows, inclusive. */
interface Piece {
  start: number;
  end: number;
  kind: ChunkKind;
  symbol: string;
}

/** A definition found in the tree, not yet emitted. */
interface Candidate extends Piece {
  /** Where its members / nested definitions are, when it has to be split; null once merged with a neighbour. */
  scope: Node | null;
}

/** What encloses the definitions being scanned. */
interface Context {
  /** Qualifier for their names ("" at top level and inside functions and modules). */
  prefix: string;
  /** Inside a type (or object literal): functions are methods. */
  inType: boolean;
}

/** The comment/decorator block seen last at the current level, to attach to a definition right below it. */
interface Leading {
  /** First row of the block, -1 when there is none. */
  start: number;
  end: number;
  /**
   * Last row of the code before it, so a trailing `// note` on a code line is not taken as leading:
   * prevNode's last row when prevNode is set (computed only when a comment needs it), else prevEnd.
   */
  prevEnd: number;
  prevNode: Node | null;
}

/** The file's pieces along its syntax, or undefined when parsing ran past timeoutMs. */
function syntaxPieces(grammar: Grammar, lines: Lines, limits: Limits, timeoutMs?: number): Piece[] | undefined {
  let timedOut = false;
  const deadline = timeoutMs !== undefined ? performance.now() + timeoutMs : Infinity;
  // web-tree-sitter 0.25: a progress callback returning true stops the parse (parse() gives null).
  const progressCallback = deadline < Infinity ? () => (timedOut ||= performance.now() > deadline) : undefined;
  const tree = grammar.parser.parse(lines.text, null, progressCallback ? { progressCallback } : undefined);
  if (!tree) {
    // A stopped parse would resume on the next parse() call; the next file starts afresh.
    grammar.parser.reset();
    return timedOut ? undefined : new Cutter(lines, limits).windowsOnly();
  }
  try {
    return new Cutter(lines, limits, grammar.classify).fromTree(tree.rootNode);
  } finally {
    tree.delete(); // trees live in wasm memory; the JS GC does not free them
  }
}

/** Last row a node covers; a node ending at column 0 (after its newline) does not cover that row. */
function lastRow(node: Node): number {
  const end = node.endPosition;
  return end.column === 0 && end.row > node.startPosition.row ? end.row - 1 : end.row;
}

const qualify = (prefix: string, name: string): string => (prefix && name ? `${prefix}.${name}` : prefix || name);

/** Per-file state of the chunking walk. */
class Cutter {
  private readonly out: Piece[] = [];

  constructor(
    private readonly lines: Lines,
    private readonly limits: Limits,
    private readonly classify: Classify | null = null,
  ) {}

  windowsOnly(): Piece[] {
    this.cover(0, this.lines.count - 1, 'window', '', this.limits.windowLines, 0);
    return this.out;
  }

  fromTree(root: Node): Piece[] {
    const found: Candidate[] = [];
    this.scan(root, { prefix: '', inType: false }, found, { start: -1, end: -1, prevEnd: -1, prevNode: null });
    this.level(dropTinyRuns(found), 0, this.lines.count - 1, 'window', '', this.limits.windowLines);
    return this.out;
  }

  /**
   * Collects the definitions among parent's children (looking through wrappers and big nodes) into
   * found. Each wasm call counts here: a node's end is only asked for when it matters.
   */
  private scan(parent: Node, ctx: Context, found: Candidate[], lead: Leading): void {
    const classify = this.classify;
    if (!classify) return;
    const children = parent.namedChildren;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (!child) continue;
      const type = child.type;
      const start = child.startPosition.row;
      if (LEADING.has(type)) {
        const end = lastRow(child);
        if (lead.start >= 0 && start <= lead.end + 1) {
          lead.end = Math.max(lead.end, end);
          continue;
        }
        if (lead.prevNode) {
          lead.prevEnd = Math.max(lead.prevEnd, lastRow(lead.prevNode));
          lead.prevNode = null;
        }
        lead.start = start > lead.prevEnd ? start : -1;
        lead.end = end;
        continue;
      }
      const attached = lead.start >= 0 && lead.end + 1 >= start;
      const hit = classify(child, type);
      if (hit && 'through' in hit) {
        const prefix = qualify(ctx.prefix, hit.prefix);
        this.scan(hit.through, { prefix, inType: prefix !== '' }, found, lead);
      } else if (hit && hit.name && (!hit.weak || (attached && this.lines.isDocComment(lead.start)))) {
        const end = lastRow(child);
        const candidate: Candidate = {
          start: attached ? lead.start : start,
          end,
          kind: hit.kind === 'function' && ctx.inType ? 'method' : hit.kind,
          symbol: qualify(ctx.prefix, hit.name),
          scope: hit.scope,
        };
        const last = found[found.length - 1];
        if (!last || candidate.start > last.end) {
          found.push(candidate);
        } else if (end > last.end) {
          // Two definitions sharing a line (minified code, `}; class B {`): one chunk, the first's name.
          last.end = end;
          last.scope = null;
        }
      } else if (TRANSPARENT.has(type) || this.isBig(child, start, children[i + 1])) {
        // Wrappers such as IIFEs, `if` guards, `describe(…)` callbacks or #ifdef blocks: only big
        // ones are worth looking into; small ones stay in their window whole.
        this.scan(child, ctx, found, lead);
      }
      lead.prevNode = child;
      lead.start = -1;
    }
  }

  /** Whether a node spans more lines than a window; the next sibling's start bounds it without a wasm call. */
  private isBig(node: Node, start: number, next: Node | null | undefined): boolean {
    const limit = this.limits.windowLines;
    if (next && next.startPosition.row - start + 1 <= limit) return false;
    return lastRow(node) - start + 1 > limit;
  }

  /** Emits the candidates of one level in order, covering the rows between them from..to with gap pieces. */
  private level(found: Candidate[], from: number, to: number, kind: ChunkKind, symbol: string, limit: number): void {
    const base = this.out.length;
    let cursor = from;
    for (const candidate of found) {
      this.cover(cursor, candidate.start - 1, kind, symbol, limit, base);
      this.emit(candidate);
      cursor = candidate.end + 1;
    }
    this.cover(cursor, to, kind, symbol, limit, base);
  }

  /** One definition: whole when it fits; otherwise its members plus header/gap pieces, or consecutive parts. */
  private emit(c: Candidate): void {
    const { maxChunkLines, maxChunkChars } = this.limits;
    const big = c.end - c.start + 1 > maxChunkLines || this.lines.chars(c.start, c.end) > maxChunkChars;
    // Modules / namespaces are split even when small: the types inside are the useful units. So
    // are types with methods: a method is an answer of its own, and a 97-line `impl` or a class
    // kept whole can never be the hit for one of its methods.
    const isType = TYPE_KINDS.has(c.kind);
    const withMethods = c.kind === 'class' || c.kind === 'struct'; // interfaces hold signatures, enums cases
    if (c.scope && (big || c.kind === 'module' || withMethods)) {
      const members: Candidate[] = [];
      const lead: Leading = { start: -1, end: -1, prevEnd: c.scope.startPosition.row, prevNode: null };
      this.scan(c.scope, { prefix: isType ? c.symbol : '', inType: isType }, members, lead);
      const kept = dropTinyRuns(members);
      const first = big || !withMethods || kept.some((m) => m.kind === 'method' || TYPE_KINDS.has(m.kind)) ? kept[0] : undefined;
      if (first && c.kind === 'module' && first.start - c.start <= MODULE_HEADER_LINES && !this.lines.anyBlank(c.start, first.start - 1)) {
        // `module Api` / `namespace X {` right above the first member: context for that member
        // rather than a one-line chunk of its own (Ruby files nest two or three of these).
        first.start = c.start;
      }
      if (first) {
        this.level(kept, c.start, c.end, c.kind, c.symbol, maxChunkLines);
        return;
      }
    }
    if (big) this.cover(c.start, c.end, c.kind, c.symbol, maxChunkLines, this.out.length);
    else this.out.push({ start: c.start, end: c.end, kind: c.kind, symbol: c.symbol });
  }

  /**
   * Covers rows from..to with pieces of at most `limit` lines (and maxChunkChars), skipping blank
   * stretches and preferring to cut at a blank line. Closing lines (`}`, `});`, `end`) are not
   * worth a chunk of their own: they join the piece above, or the previous piece of the level
   * (index ≥ base) when the gap holds nothing else.
   */
  private cover(from: number, to: number, kind: ChunkKind, symbol: string, limit: number, base: number): void {
    const lines = this.lines;
    let a = lines.nextNonBlank(from, to);
    if (a > to) return;
    let b = to;
    while (lines.blank(b)) b--;
    const previous = this.out[this.out.length - 1];
    if (previous && this.out.length > base && lines.isClosing(a, b)) {
      previous.end = b;
      return;
    }
    const maxChars = this.limits.maxChunkChars;
    while (a <= b) {
      let end = Math.min(b, a + limit - 1);
      while (end > a && lines.chars(a, end) > maxChars) end--;
      if (end < b) {
        // Cutting anyway: break at a blank line in the last quarter, so parts end between paragraphs.
        const floor = a + (((end - a) * 3) >> 2);
        for (let k = end; k > floor; k--) {
          if (lines.blank(k)) {
            end = k - 1;
            break;
          }
        }
      }
      while (lines.blank(end)) end--;
      const next = lines.nextNonBlank(end + 1, b);
      if (next <= b && lines.isClosing(next, b)) end = b; // no part of its own for a trailing `}`
      this.out.push({ start: a, end, kind, symbol });
      a = lines.nextNonBlank(end + 1, b);
    }
  }
}

/** Leaves runs of tiny adjacent definitions to the windows (see TINY_RUN). */
function dropTinyRuns(found: Candidate[]): Candidate[] {
  const tiny = (c: Candidate) => c.end - c.start < TINY_LINES;
  let runStart = 0;
  let drop: Set<Candidate> | undefined;
  for (let i = 0; i <= found.length; i++) {
    const candidate = found[i];
    if (candidate && tiny(candidate)) continue;
    if (i - runStart >= TINY_RUN) {
      drop ??= new Set();
      for (const c of found.slice(runStart, i)) drop.add(c);
    }
    runStart = i + 1;
  }
  return drop ? found.filter((c) => !drop.has(c)) : found;
}

function toChunks(pieces: Piece[], lines: Lines, relPath: string, language: string): Chunk[] {
  const chunks: Chunk[] = [];
  let covered = -1;
  for (const p of pieces) {
    // Pieces come out sorted and disjoint; clipping guards the invariant against odd trees.
    const start = Math.max(p.start, covered + 1);
    if (start > p.end) continue;
    chunks.push({
      path: relPath,
      language,
      symbol: p.symbol,
      kind: p.kind,
      startLine: start + 1,
      endLine: p.end + 1,
      text: lines.slice(start, p.end),
    });
    covered = p.end;
  }
  return chunks;
}

/** Line offsets of a text, rows numbered like tree-sitter's (split at `\n`; a `\r` before it is not content). */
class Lines {
  /** starts[i] = offset of row i. */
  private readonly starts: Int32Array;
  readonly count: number;

  constructor(readonly text: string) {
    // A growing typed array: pushing to a plain array was the slower half of this loop.
    let starts = new Int32Array(256);
    let count = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
      if (count === starts.length) {
        const grown = new Int32Array(count * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[count++] = i + 1;
    }
    this.starts = starts;
    this.count = count;
  }

  /** Offset just past the row's content, before its `\n` / `\r\n`. */
  private endOf(row: number): number {
    const start = this.starts[row];
    let end = row + 1 < this.count ? this.starts[row + 1] - 1 : this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  blank(row: number): boolean {
    const text = this.text;
    const end = this.endOf(row);
    for (let i = this.starts[row]; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c > 32 && c !== 0xa0 && c !== 0xfeff) return false;
    }
    return true;
  }

  /** Characters of rows a..b. */
  chars(a: number, b: number): number {
    return this.endOf(b) - this.starts[a];
  }

  /** Whether any row in a..b is blank. */
  anyBlank(a: number, b: number): boolean {
    for (let row = a; row <= b; row++) if (this.blank(row)) return true;
    return false;
  }

  /** First non-blank row in from..to, or to + 1. */
  nextNonBlank(from: number, to: number): number {
    let row = from;
    while (row <= to && this.blank(row)) row++;
    return row;
  }

  /** Whether rows a..b (a and b non-blank) are a few closing lines and blanks only. */
  isClosing(a: number, b: number): boolean {
    if (b - a >= CLOSING_LINES) return false;
    for (let row = a; row <= b; row++) {
      if (this.blank(row)) continue;
      CLOSING.lastIndex = this.starts[row];
      if (!CLOSING.test(this.text)) return false;
    }
    return true;
  }

  /** Whether the row, after its indentation, opens a doc comment (`/**`, `///`). */
  isDocComment(row: number): boolean {
    DOC_COMMENT.lastIndex = this.starts[row];
    return DOC_COMMENT.test(this.text);
  }

  slice(a: number, b: number): string {
    return this.text.slice(this.starts[a], this.endOf(b));
  }
}

// Stage 5 — search: vector, BM25, or both fused. Fusion adds each list's scores divided by the
// list's best score (so a list's confidence carries over, unlike rank fusion), weighted; the weight
// and the candidate depth are tuned on the three dev sets together (scripts/tune-fusion.mjs), and
// checked with scripts/dev-eval.sh, which the README quotes.
import picomatch from 'picomatch';
import { embeddingText } from './embed';
import { SemindexError } from './errors';
import type { ChunkStore, StoredHit } from './store';
import { INDEX_FORMAT } from './layout';
import { ftsText, legacyQueryText, queryText } from './tokens';
import type { Chunk, ChunkKind, Embedder } from './types';

export type SearchMode = 'hybrid' | 'vector' | 'bm25';

export interface SearchOptions {
  k?: number;
  mode?: SearchMode;
  /** Glob the result's path must match: the path as results show it (`root/path` with several roots) or the path inside its root. */
  path?: string;
  /** Glob the result's path must not match (matched like `path`). */
  exclude?: string;
  /** Language id the result must have ("typescript", "python", …; languages.ts), case-insensitive. */
  language?: string;
}

/** What to find code like: a span of an indexed file (as results name it), or a piece of code. */
export type SimilarTarget = { path: string; startLine: number; endLine: number } | { code: string };

/** An indexed chunk's place, its path as results show it (`root/path` with a root label). */
export interface IndexedSpan {
  path: string;
  startLine: number;
  endLine: number;
  symbol: string;
}

/** A SimilarTarget span that matches no indexed chunk (typed: the MCP tool and the CLI say so plainly). */
const chunkNotFound = (path: string, startLine: number, endLine: number): SemindexError =>
  new SemindexError('NOT_FOUND', `no indexed code at ${path}:${startLine}-${endLine} (is the file indexed, and the path as search results show it?)`, { span: { path, startLine, endLine } });

export interface SearchResult {
  /** Workspace folder label ("" with a single root). */
  root: string;
  path: string;
  startLine: number;
  endLine: number;
  symbol: string;
  language: string;
  kind: ChunkKind;
  score: number;
  /** The chunk's text, at most SNIPPET_LINES lines. */
  snippet: string;
}

export const HYBRID = {
  /**
   * Weight of the vector list (BM25 gets 1 − it) for the shipped static code model. Tuned across
   * the dev sets: 0.5–0.8 are within 1% of each other; below 0.5 the keyword list drowns the model.
   */
  vector: 0.7,
  /** The same for a model the user brings (transformers): no measurement to lean on, so even. */
  modelVector: 0.5,
  /** Candidates taken from each list before fusion. */
  depth: 50,
};

/**
 * Prior on what a chunk is: line windows (imports, `module.exports = x`, glue between definitions)
 * are rarely the answer, and short ones win BM25 on length normalisation alone. Measured on the dev
 * set, halving their score helped every mode; they still rank where nothing better matches.
 */
const KIND_PRIOR: Partial<Record<ChunkKind, number>> = { window: 0.5 };
const prior = (hit: StoredHit) => KIND_PRIOR[hit.kind] ?? 1;

const SNIPPET_LINES = 20;
/** Most results one search returns (and the candidate depth of a filtered search). */
const MAX_K = 200;
/**
 * Distinct BM25 terms a find-similar query keeps: a long function has hundreds, and every term
 * is another posting list to score; the first ones (its name, signature, first lines) are kept.
 */
const SIMILAR_TERMS = 128;

export class HybridSearch {
  constructor(
    private readonly store: ChunkStore,
    private readonly embedder: Embedder,
    /** The index's INDEX_FORMAT (layout.ts): how its BM25 field was written, so how to query it. */
    private readonly format = INDEX_FORMAT,
    /** Weight of the vector list in hybrid mode (BM25's is 1 − it). */
    private readonly vectorWeight = embedder.id.startsWith('static:') ? HYBRID.vector : HYBRID.modelVector,
  ) {}

  async search(query: string, opts: SearchOptions = {}): Promise<SearchResult[]> {
    const q = query.trim();
    if (!q) return [];
    // Query words go through the same identifier splitting, stemming and stop words as the
    // indexed text; an index of the older format stems by itself and gets them unstemmed.
    return this.ranked(this.format >= 2 ? queryText(q) : legacyQueryText(q), () => this.embedder.embed([q], 'query'), opts);
  }

  /**
   * Code like the target, ranked the way search() ranks a query: the code's own vector — embedded
   * as a document, since it is code, the way the workers embed a chunk — against the vector index,
   * fused with BM25 over its identifiers (the BM25 field the index would hold for it). A span of
   * an indexed file is taken from the index (its chunks' lines in that span) and left out of the
   * results, with every chunk overlapping it.
   */
  async similar(target: SimilarTarget, opts: SearchOptions = {}): Promise<SearchResult[]> {
    let code: Pick<Chunk, 'symbol' | 'path' | 'text'>;
    let exclude: ((h: StoredHit) => boolean) | undefined;
    if ('code' in target) code = { symbol: '', path: '', text: target.code };
    else {
      const { startLine, endLine } = target;
      const found = await this.chunksAt(target.path, startLine, endLine);
      if (!found) throw chunkNotFound(target.path, startLine, endLine);
      code = found.code;
      const { root, path } = found;
      exclude = (h) => h.root === root && h.path === path && h.startLine <= endLine && h.endLine >= startLine;
    }
    if (!code.text.trim()) return [];
    const terms = [...new Set((this.format >= 2 ? ftsText(code.text) : legacyQueryText(code.text)).split(' ').filter(Boolean))].slice(0, SIMILAR_TERMS);
    return this.ranked(terms.join(' '), () => this.embedder.embed([embeddingText(code)], 'document'), opts, exclude);
  }

  /** BM25 text and a vector (made only when the mode needs it) → the top k, filtered. */
  private async ranked(
    bm25Text: string,
    embed: () => Promise<Float32Array[]>,
    opts: SearchOptions,
    exclude?: (h: StoredHit) => boolean,
  ): Promise<SearchResult[]> {
    const k = Math.max(1, Math.min(opts.k ?? 10, MAX_K));
    const mode = opts.mode ?? 'hybrid';
    const keep = resultFilter(opts, exclude);
    // The store has no predicates on path or language yet: a filtered search takes more
    // candidates (k × 5, at most MAX_K) from each list and filters them here, so a narrow filter
    // can return fewer than k results. (A later issue moves filters into the LanceDB queries.)
    const depth = Math.max(HYBRID.depth, keep ? Math.min(MAX_K, k * 5) : k);
    const [bm25, vector] = await Promise.all([
      mode === 'vector' || !bm25Text ? [] : this.store.textSearch(bm25Text, depth),
      mode === 'bm25' ? [] : this.semantic(embed, depth),
    ]);
    const ranked =
      mode === 'bm25' ? rerank(bm25, (h) => h.raw) : mode === 'vector' ? rerank(vector, (h) => Math.max(0, 1 - h.raw)) : fuse(bm25, vector, this.vectorWeight);
    const top = (keep ? ranked.filter((r) => keep(r.hit)) : ranked).slice(0, k);
    const texts = await this.store.texts(top.map((r) => r.hit));
    return top.map((r, i) => toResult(r.hit, r.score, texts[i]));
  }

  private async semantic(embed: () => Promise<Float32Array[]>, depth: number): Promise<StoredHit[]> {
    const [vector] = await embed();
    // No known word in the text: the zero vector carries no signal, and cosine is undefined.
    if (!vector || !vector.some((x) => x !== 0)) return [];
    return this.store.vectorSearch(vector, depth);
  }

  /**
   * The innermost indexed chunk holding `line` of a file (`path` as results show it), or
   * undefined: "find similar" at the cursor asks for the function around it, and a span of just
   * the cursor's line would search for that one line. Its lines are as indexed (a file edited
   * since may have moved).
   */
  async chunkAt(shown: string, line: number): Promise<IndexedSpan | undefined> {
    for (const { root, path } of fileCandidates(shown)) {
      const chunks = await this.store.chunksIn(root, path, line, line);
      const inner = chunks.sort((a, b) => a.endLine - a.startLine - (b.endLine - b.startLine))[0];
      if (inner) return { path: root ? `${root}/${path}` : path, startLine: inner.startLine, endLine: inner.endLine, symbol: inner.symbol };
    }
    return undefined;
  }

  /**
   * The indexed code of a span, `path` as results show it: a path of the single root ("" root)
   * or, when no such file is indexed, `root/path` with several roots. Lines of nested or
   * overlapping chunks (a class and its methods) are taken once each, in order.
   */
  private async chunksAt(shown: string, startLine: number, endLine: number): Promise<{ root: string; path: string; code: Pick<Chunk, 'symbol' | 'path' | 'text'> } | undefined> {
    for (const { root, path } of fileCandidates(shown)) {
      const chunks = await this.store.chunksIn(root, path, startLine, endLine);
      if (!chunks.length) continue;
      const lines = new Map<number, string>();
      for (const c of chunks) {
        c.text.split('\n').forEach((line, i) => {
          const n = c.startLine + i;
          if (n >= startLine && n <= endLine && !lines.has(n)) lines.set(n, line);
        });
      }
      const text = [...lines.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]).join('\n');
      // The name of the innermost chunk that holds the whole span, if one does (a function asked for by its lines).
      const holder = chunks.filter((c) => c.startLine <= startLine && c.endLine >= endLine).sort((a, b) => a.endLine - a.startLine - (b.endLine - b.startLine))[0];
      return { root, path, code: { symbol: holder?.symbol ?? '', path, text } };
    }
    return undefined;
  }
}

/** The files a path as results show it can name: a path of the single root, or `root/path`. */
function fileCandidates(shown: string): { root: string; path: string }[] {
  const p = shown.replace(/\\/g, '/').replace(/^\.\//, '');
  const slash = p.indexOf('/');
  return [{ root: '', path: p }, ...(slash > 0 ? [{ root: p.slice(0, slash), path: p.slice(slash + 1) }] : [])];
}

/** The predicate a result must pass (options' path glob and language, minus excluded hits), or undefined for none. */
function resultFilter(opts: SearchOptions, exclude?: (h: StoredHit) => boolean): ((h: StoredHit) => boolean) | undefined {
  const glob = opts.path?.trim() ? picomatch(opts.path.trim(), { dot: true }) : undefined;
  const excluded = opts.exclude?.trim() ? picomatch(opts.exclude.trim(), { dot: true }) : undefined;
  const language = opts.language?.trim().toLowerCase();
  if (!glob && !excluded && !language && !exclude) return undefined;
  const matches = (m: picomatch.Matcher, h: StoredHit) => m(h.root ? `${h.root}/${h.path}` : h.path) || m(h.path);
  return (h) =>
    (!glob || matches(glob, h)) && !(excluded && matches(excluded, h)) && (!language || h.language.toLowerCase() === language) && !exclude?.(h);
}

interface Ranked {
  hit: StoredHit;
  score: number;
}

/** One list re-ordered by score × kind prior. */
function rerank(list: StoredHit[], score: (h: StoredHit) => number): Ranked[] {
  return list.map((hit) => ({ hit, score: score(hit) * prior(hit) })).sort((a, b) => b.score - a.score);
}

/**
 * Normalised-score fusion: each list's scores (BM25's, and the vectors' cosine) divided by that
 * list's best, weighted (vector w, BM25 1 − w), times the kind prior, summed per chunk. Measured
 * against weighted reciprocal-rank fusion (k0 10–60) and min-max scaling: best across the three
 * dev sets. An empty list leaves the other one alone.
 */
export function fuse(bm25: StoredHit[], vector: StoredHit[], vectorWeight: number): Ranked[] {
  const scores = new Map<string, Ranked>();
  const add = (list: StoredHit[], weight: number, raw: (h: StoredHit) => number) => {
    let best = 0;
    for (const hit of list) best = Math.max(best, raw(hit));
    if (best <= 0) return;
    for (const hit of list) {
      const key = `${hit.root}\u0000${hit.path}\u0000${hit.startLine}`;
      const entry = scores.get(key) ?? scores.set(key, { hit, score: 0 }).get(key)!;
      entry.score += (weight * prior(hit) * Math.max(0, raw(hit))) / best;
    }
  };
  const w = bm25.length && vector.length ? vectorWeight : bm25.length ? 0 : 1;
  add(bm25, 1 - w, (h) => h.raw);
  add(vector, w, (h) => 1 - h.raw);
  return [...scores.values()].sort((a, b) => b.score - a.score);
}

function toResult(hit: StoredHit, score: number, text: string): SearchResult {
  const lines = text.split('\n');
  return {
    root: hit.root,
    path: hit.path,
    startLine: hit.startLine,
    endLine: hit.endLine,
    symbol: hit.symbol,
    language: hit.language,
    kind: hit.kind,
    score: Number(score.toFixed(6)),
    snippet: lines.slice(0, SNIPPET_LINES).join('\n'),
  };
}

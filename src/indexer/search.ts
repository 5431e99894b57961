// Stage 5 — search: vector, BM25, or both fused. Fusion adds each list's scores divided by the
// list's best score (so a list's confidence carries over, unlike rank fusion), weighted; the weight
// and the candidate depth are tuned on the three dev sets together (scripts/tune-fusion.mjs), and
// checked with scripts/dev-eval.sh, which the README quotes.
import type { ChunkStore, StoredHit } from './store';
import { INDEX_FORMAT } from './layout';
import { legacyQueryText, queryText } from './tokens';
import type { ChunkKind, Embedder } from './types';

export type SearchMode = 'hybrid' | 'vector' | 'bm25';

export interface SearchOptions {
  k?: number;
  mode?: SearchMode;
}

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
    const k = Math.max(1, Math.min(opts.k ?? 10, 200));
    const mode = opts.mode ?? 'hybrid';
    const q = query.trim();
    if (!q) return [];
    const depth = Math.max(HYBRID.depth, k);
    const [bm25, vector] = await Promise.all([
      mode === 'vector' ? [] : this.keyword(q, depth),
      mode === 'bm25' ? [] : this.semantic(q, depth),
    ]);
    const ranked =
      mode === 'bm25' ? rerank(bm25, (h) => h.raw) : mode === 'vector' ? rerank(vector, (h) => Math.max(0, 1 - h.raw)) : fuse(bm25, vector, this.vectorWeight);
    const top = ranked.slice(0, k);
    const texts = await this.store.texts(top.map((r) => r.hit));
    return top.map((r, i) => toResult(r.hit, r.score, texts[i]));
  }

  private async keyword(q: string, depth: number): Promise<StoredHit[]> {
    // Query words go through the same identifier splitting, stemming and stop words as the
    // indexed text; an index of the older format stems by itself and gets them unstemmed.
    const text = this.format >= 2 ? queryText(q) : legacyQueryText(q);
    if (!text) return [];
    return this.store.textSearch(text, depth);
  }

  private async semantic(q: string, depth: number): Promise<StoredHit[]> {
    const [vector] = await this.embedder.embed([q], 'query');
    // No known word in the query: the zero vector carries no signal, and cosine is undefined.
    if (!vector || !vector.some((x) => x !== 0)) return [];
    return this.store.vectorSearch(vector, depth);
  }
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

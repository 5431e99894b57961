// Stage 5 — search: vector, BM25, or both fused by weighted reciprocal-rank fusion.
// The default vectors are general-English word vectors and rank worse than BM25 on code, so the
// fusion is weighted towards BM25 and guarded: vectors re-order and add to keyword results, they
// never push a strong keyword match out (see HYBRID below and the README's measurements).
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
  /** RRF constant: larger flattens the rank curve. */
  k0: 60,
  /** Weight of the BM25 list. */
  bm25: 1,
  /** Weight of the vector list, for the default static embedder (model embedders earn more). */
  vector: 0.5,
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
    /** Weight of the vector list in hybrid mode. */
    private readonly vectorWeight = embedder.id.startsWith('static:') ? HYBRID.vector : 1,
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

/** Weighted reciprocal-rank fusion of the two lists (each contribution times the kind prior). */
export function fuse(bm25: StoredHit[], vector: StoredHit[], vectorWeight: number): Ranked[] {
  const scores = new Map<string, Ranked>();
  const add = (list: StoredHit[], weight: number) => {
    list.forEach((hit, rank) => {
      const key = `${hit.root}\u0000${hit.path}\u0000${hit.startLine}`;
      const entry = scores.get(key) ?? scores.set(key, { hit, score: 0 }).get(key)!;
      entry.score += (weight * prior(hit)) / (HYBRID.k0 + rank + 1);
    });
  };
  add(bm25, HYBRID.bm25);
  if (bm25.length) add(vector, vectorWeight);
  // With no keyword match at all, the vector list is all there is.
  else add(vector, 1);
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

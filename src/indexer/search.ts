// Stage 5 — search: vector, BM25, or both fused. Fusion adds each list's scores divided by the
// list's best score (so a list's confidence carries over, unlike rank fusion), weighted; the weight
// and the candidate depth are tuned on the three dev sets together (scripts/tune-fusion.mjs), and
// checked with scripts/dev-eval.sh, which the README quotes.
import picomatch from 'picomatch';
import { embeddingText } from './embed';
import { SemindexError } from './errors';
import { storePredicate } from './filters';
import type { ChunkStore, StoredHit } from './store';
import { INDEX_FORMAT } from './layout';
import type { Root } from './scan';
import { type ChunkText, type ChunkTexts, SourceFiles, type Staleness } from './source';
import { fileStem, ftsText, legacyQueryText, nameWords, queryText, wordsOf } from './tokens';
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

/** A stale result in words, for the CLI and the agents' tools (the search panel words it itself). */
export const STALE_TEXT: Record<Staleness, string> = {
  changed: 'file changed since it was indexed',
  missing: 'file not found or unreadable (deleted or moved since it was indexed)',
};

/**
 * A result as `semindex search --json` prints it and the MCP tools return it (they add the
 * snippet): its path as results show it (`root/path` with a root label), `copies` and `stale` only
 * when there are any.
 */
export function resultRecord(r: SearchResult) {
  return {
    path: r.root ? `${r.root}/${r.path}` : r.path,
    startLine: r.startLine,
    endLine: r.endLine,
    symbol: r.symbol,
    kind: r.kind,
    language: r.language,
    score: r.score,
    ...(r.copies ? { copies: r.copies } : {}),
    ...(r.stale ? { stale: r.stale } : {}),
  };
}

/**
 * Where an index's chunk texts come from: the table itself for an index of format ≤ 7, which has
 * them, otherwise the files under these roots.
 */
export function chunkTexts(store: ChunkStore, roots: readonly Root[]): ChunkTexts {
  return store.holdsText ? store : new SourceFiles(roots);
}

/** A query's candidates from each list (HybridSearch#lists), and its name terms. */
export interface Lists {
  bm25: StoredHit[];
  vector: StoredHit[];
  /** The name list's (store.ts#candidates `names`), before bestNamed picks from it. */
  named: StoredHit[];
  nameTerms?: NameQuery;
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
  /**
   * The chunk's code, at most SNIPPET_LINES lines, read from its file at search time (source.ts);
   * "" when `stale` is set.
   */
  snippet: string;
  /**
   * Set when the code cannot be shown: its file's lines no longer hash as they did when indexed
   * (`changed`), or the file is gone or unreadable (`missing`). Indexing the file again mends it
   * (STALE_TEXT says so in words).
   */
  stale?: Staleness;
  /** Identical copies of this code elsewhere among the candidates, shown once as this result (collapseCopies). */
  copies?: { path: string; startLine: number; endLine: number }[];
}

export const HYBRID = {
  /**
   * Weight of the vector list (BM25 gets 1 − it) for the shipped static code model. Tuned across
   * the dev sets (with the name match below): 0.75–0.85 are within 0.5% of each other; below 0.5
   * the keyword list drowns the model.
   */
  vector: 0.8,
  /** The same for a model the user brings (transformers): no measurement to lean on, so even. */
  modelVector: 0.5,
  /** Candidates taken from each list before fusion. */
  depth: 50,
  /**
   * Name match, added to a hybrid candidate's fused score (which is at most 1): the share of the
   * words of its own name (`has` of `Cache.has`), of its whole symbol, and of its file's name that
   * the query holds (nameShare), each weighted here. A description names what the code is called
   * far more often than its body does, and BM25 over the whole chunk weighs a name no more than
   * any other word. Tuned over the dev sets together (scripts/tune-fusion.mjs); see nameShare.
   */
  name: { own: 0.3, symbol: 0.3, file: 0.15 },
  /**
   * How much query evidence a name's matched words must add up to for its full share: the sum of
   * their Embedder.queryWeight. One weak word (`without`, 0.55, matching lodash's `without`) earns
   * an eighth of it; `base` + `every` (2.0) for `baseEvery` half.
   */
  nameEvidence: 4,
  /**
   * Candidates taken from the name list (store.ts#candidates `names`: BM25 over the rows' name words, the
   * best nameLookup of them kept by nameMatch): code named like the query that neither list
   * ranked, such as lodash's `baseHas` for "the base implementation of `_.has`", whose body
   * shares no word with it. They join the vector list with their own cosine. Measured over the
   * dev sets together: hybrid R@10 lodash 0.867 → 0.890, moby 0.743 → 0.750, Django 0.718 → 0.715,
   * MRR@10 within ±0.003; 10 to 30 of them measure the same.
   */
  nameCandidates: 20,
  nameLookup: 50,
  /** Name terms the name list is asked for (nameLookupWords): 8 measure as all of them (lodash R@10 0.888 / 0.890), 2–3 ms faster a search. */
  nameLookupWords: 8,
  /** queryWeight of a word the table has no row for: rare, so telling. */
  unknownWordWeight: 2,
};

/** A query's words for the name match: each term with how much its query word says (Embedder.queryWeight). */
export type NameQuery = Map<string, number>;

/**
 * The terms of a query a name can match, as nameWords cuts names (stop words kept: `has`, `some`
 * and `each` are names in code) and as the BM25 field cuts them, each with the largest weight of
 * the query words it comes from. Without weights (an embedder with no table) every word counts as
 * an unknown one.
 */
export function nameQuery(query: string, weight?: (word: string) => number | undefined): NameQuery {
  const out: NameQuery = new Map();
  for (const raw of query.split(/[^\p{L}\p{N}_$]+/u)) {
    if (!raw) continue;
    for (const word of [raw.toLowerCase(), ...wordsOf(raw)]) {
      const w = weight?.(word) ?? HYBRID.unknownWordWeight;
      for (const t of [...ftsText(word).split(' '), ...nameWords(word)]) if (t && !((out.get(t) ?? -1) >= w)) out.set(t, w);
    }
  }
  return out;
}

/**
 * The words the name list is asked for: the query's HYBRID.nameLookupWords weightiest name terms
 * (every term is another posting list to score, and a long description's fillers rarely name
 * anything).
 */
function nameLookupWords(query: NameQuery): string {
  return [...query.entries()].sort((a, b) => b[1] - a[1]).slice(0, HYBRID.nameLookupWords).map(([t]) => t).join(' ');
}

/** nameWords of names seen so far (a search rates ~150 candidates' three names; names repeat across searches), dropped past NAME_CACHE_LIMIT. */
const nameCache = new Map<string, ReadonlySet<string>>();
const NAME_CACHE_LIMIT = 50_000;

function nameWordSet(name: string): ReadonlySet<string> {
  let words = nameCache.get(name);
  if (!words) {
    words = new Set(nameWords(name));
    if (nameCache.size >= NAME_CACHE_LIMIT) nameCache.clear();
    nameCache.set(name, words);
  }
  return words;
}

/**
 * The share of a name's words that are in the query, scaled down while the matched words carry
 * less than HYBRID.nameEvidence between them. Measured over the dev sets together against the
 * plain share over BM25 terms (stop words dropped, no evidence): hybrid MRR@10 lodash 0.571 →
 * 0.671, moby 0.422 → 0.448, Django 0.424 → 0.431 in the replay.
 */
function nameShare(name: string, query: NameQuery): number {
  const words = nameWordSet(name);
  if (!words.size) return 0;
  let n = 0;
  let evidence = 0;
  for (const t of words) {
    const w = query.get(t);
    if (w === undefined) continue;
    n++;
    evidence += w;
  }
  return (n / words.size) * Math.min(1, evidence / HYBRID.nameEvidence);
}

/** HYBRID.name's bonus for a candidate, given the query's nameQuery. */
export function nameMatch(hit: Pick<StoredHit, 'symbol' | 'path'>, query: NameQuery): number {
  const own = hit.symbol.slice(Math.max(hit.symbol.lastIndexOf('.'), hit.symbol.lastIndexOf(':'), hit.symbol.lastIndexOf('#')) + 1);
  const file = fileStem(hit.path);
  const w = HYBRID.name;
  return w.own * nameShare(own, query) + w.symbol * nameShare(hit.symbol, query) + w.file * nameShare(file, query);
}

/**
 * Prior on what a chunk is. Line windows (imports, `module.exports = x`, glue between definitions)
 * are rarely the answer, and short ones win BM25 on length normalisation alone: halving their
 * score helped every mode on the dev sets. A type (class, struct, interface, enum, type alias)
 * holds the words of all its fields and signatures, so it matches many descriptions a little,
 * while a description of behaviour is answered by a function or method, chunks of their own.
 * Measured over the dev sets together (hybrid MRR@10, moby 0.405 → 0.431, Django 0.413 → 0.427,
 * lodash has no types): the dev sets' targets are all functions and methods, so the figure keeps
 * rising down to 0.6; 0.8 is set, mild enough that a type a query names still ranks first.
 */
const KIND_PRIOR: Partial<Record<ChunkKind, number>> = { window: 0.5, class: 0.8, struct: 0.8, interface: 0.8, enum: 0.8, type: 0.8 };
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
    /** Reads the results' code (chunkTexts()). */
    private readonly source: ChunkTexts,
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
    // The name match compares the query's terms with names cut the current way (format ≥ 2).
    if (this.format < 2) return this.ranked(legacyQueryText(q), this.queryEmbedding(q), opts);
    return this.ranked(queryText(q), this.queryEmbedding(q), opts, undefined, this.nameQuery(q));
  }

  /** The query's name terms, weighed by the embedder's query weights (nameQuery). */
  private nameQuery(q: string): NameQuery {
    return nameQuery(q, this.embedder.queryWeight?.bind(this.embedder));
  }

  /** Embeds the query as a query (made only when the mode needs it). */
  private queryEmbedding(q: string): () => Promise<Float32Array[]> {
    return () => this.embedder.embed([q], 'query');
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

  /**
   * A query's candidate lists as hybrid search takes them, unfiltered, `depth` deep: what fusion
   * ranks. scripts/tune-fusion.mjs replays fusion variants over them.
   */
  async hybridLists(query: string, depth: number): Promise<Lists> {
    const q = query.trim();
    const nameTerms = this.nameQuery(q);
    return { ...(await this.lists(queryText(q), this.queryEmbedding(q), 'hybrid', depth, undefined, nameTerms)), nameTerms };
  }

  /**
   * The lists a mode takes: BM25, vectors and (hybrid, with the query's name terms) the name list,
   * queried concurrently. The query's vector comes first (the static table's is a lookup): a
   * hybrid search then reads each BM25 and name candidate's own cosine to it with the row
   * (store.ts#candidates, completeVectorScores). No vector for a query of no known word: nothing
   * in the vector list.
   */
  private async lists(bm25Text: string, embed: () => Promise<Float32Array[]>, mode: SearchMode, depth: number, where: string | undefined, nameTerms?: NameQuery): Promise<Lists> {
    const query = mode === 'bm25' ? undefined : await queryVector(embed);
    const hybrid = mode === 'hybrid' && query;
    return this.store.candidates({
      text: mode === 'vector' ? undefined : bm25Text || undefined,
      vector: query,
      names: hybrid && nameTerms?.size ? nameLookupWords(nameTerms) : undefined,
      near: hybrid ? query : undefined,
      depth,
      nameDepth: HYBRID.nameLookup,
      where,
    });
  }

  /**
   * BM25 text and a vector (made only when the mode needs it) → the top k, filtered. `nameTerms`:
   * the query's BM25 terms, for the name match of a hybrid search (not of find-similar, whose
   * "query" is code: names in it are what the BM25 list already matches).
   */
  private async ranked(
    bm25Text: string,
    embed: () => Promise<Float32Array[]>,
    opts: SearchOptions,
    exclude?: (h: StoredHit) => boolean,
    nameTerms?: NameQuery,
  ): Promise<SearchResult[]> {
    const k = Math.max(1, Math.min(opts.k ?? 10, MAX_K));
    const mode = opts.mode ?? 'hybrid';
    const keep = resultFilter(opts, exclude);
    // The include glob and the language narrow the store's own queries (filters.ts: a LIKE that
    // matches a superset of the glob's paths, the language exactly); each candidate is then checked
    // against the exact globs, the exclude glob and `exclude`, so a filtered search still takes
    // more candidates (k × 5, at most MAX_K) from each list: an exclude glob, or a glob no LIKE can
    // narrow (brace lists inside, classes), is applied to them only.
    const where = storePredicate(opts);
    const depth = Math.max(HYBRID.depth, keep ? Math.min(MAX_K, k * 5) : k);
    const { bm25, vector, named } = await this.lists(bm25Text, embed, mode, depth, where, nameTerms);
    if (mode === 'hybrid') vector.push(...completeVectorScores(bm25, vector, bestNamed(named, nameTerms)));
    const ranked =
      mode === 'bm25' ? rerank(bm25, (h) => h.raw) : mode === 'vector' ? rerank(vector, (h) => Math.max(0, 1 - h.raw)) : fuse(bm25, vector, this.vectorWeight, nameTerms);
    const top = collapseCopies(keep ? ranked.filter((r) => keep(r.hit)) : ranked).slice(0, k);
    const texts = await this.source.texts(top.map((r) => r.hit));
    return top.map((r, i) => toResult(r, texts[i]));
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
   * overlapping chunks (a class and its methods) are taken once each, in order. The chunks' code
   * is read from the file and must be as indexed: a file changed since, or gone, is SemindexError
   * 'STALE' (the code the index holds for those lines is not there to take).
   */
  private async chunksAt(shown: string, startLine: number, endLine: number): Promise<{ root: string; path: string; code: Pick<Chunk, 'symbol' | 'path' | 'text'> } | undefined> {
    for (const { root, path } of fileCandidates(shown)) {
      const chunks = await this.store.chunksIn(root, path, startLine, endLine);
      if (!chunks.length) continue;
      const texts = await this.source.texts(chunks);
      const stale = texts.find((t) => t.stale)?.stale;
      if (stale) throw new SemindexError('STALE', `${shown}: ${STALE_TEXT[stale]}; index it again to find code like it`, { span: { path: shown, startLine, endLine } });
      const lines = new Map<number, string>();
      for (const [n, c] of chunks.entries()) {
        texts[n].text!.split('\n').forEach((line, i) => {
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

/** The query's vector, or undefined when no word of it is known (the zero vector carries no signal, and cosine is undefined). */
async function queryVector(embed: () => Promise<Float32Array[]>): Promise<Float32Array | undefined> {
  const [query] = await embed();
  return query && query.some((x) => x !== 0) ? query : undefined;
}

/**
 * The vector list's scores for the BM25 candidates outside its top `depth` (their rows' own
 * distances, read with the BM25 query: store.ts#candidates `near`), so that fusion adds both
 * scores for every candidate: a function first for BM25 but 60th for the vectors had no vector
 * score at all and fell behind vector-only hits. Measured over the dev sets: hybrid R@10 lodash
 * 0.843 → 0.854, moby 0.695 → 0.710, Django 0.705 → 0.715, MRR@10 ≥ as before. The name list's
 * candidates (HYBRID.nameCandidates) join the same way.
 */
export function completeVectorScores(bm25: StoredHit[], vector: StoredHit[], named: StoredHit[]): StoredHit[] {
  const seen = new Set(vector.map((h) => hitKey(h)));
  const out: StoredHit[] = [];
  for (const h of [...bm25, ...named]) {
    const key = hitKey(h);
    if (h.distance === undefined || seen.has(key)) continue;
    seen.add(key);
    out.push({ ...h, raw: h.distance });
  }
  return out;
}

/** The name list's best HYBRID.nameCandidates by nameMatch (BM25 over names only finds them). */
export function bestNamed(named: StoredHit[], query: NameQuery | undefined): StoredHit[] {
  if (!named.length || !query) return [];
  return named
    .map((hit) => ({ hit, score: nameMatch(hit, query) }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, HYBRID.nameCandidates)
    .map((r) => r.hit);
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

/** A candidate's identity across the two lists. */
const hitKey = (hit: StoredHit) => `${hit.root}\u0000${hit.path}\u0000${hit.startLine}`;

interface Ranked {
  hit: StoredHit;
  score: number;
  /** Candidates with the same code, collapsed into this one. */
  copies?: StoredHit[];
}

/**
 * Identical code (the same textHash: a bundle that concatenates the modules beside it, a vendored
 * copy, a file copied to a second package) is one result, not one per copy: ranked where its best
 * copy ranks, and shown as the copy in the smallest file — the module of its own rather than the
 * bundle or the concatenation — with the others listed in `copies`. Ties keep the better-ranked
 * copy. Measured on the dev sets (lodash ships lodash.js and core.js beside its modules, so every
 * function is there two or three times): hybrid MRR@10 0.444 → 0.535 on lodash, the others
 * unchanged (a few identical windows collapse); keeping the best-ranked copy instead gave 0.414,
 * since the bundle's copy often ranks first. An index of format < 5 has no file sizes: the
 * best-ranked copy is shown.
 */
export function collapseCopies(ranked: Ranked[]): Ranked[] {
  const groups = new Map<string, Ranked>();
  const out: Ranked[] = [];
  for (const r of ranked) {
    const key = r.hit.textHash;
    const first = key ? groups.get(key) : undefined;
    if (!first) {
      const entry: Ranked = { hit: r.hit, score: r.score };
      if (key) groups.set(key, entry);
      out.push(entry);
      continue;
    }
    (first.copies ??= []).push(r.hit);
    if (r.hit.fileSize < first.hit.fileSize) {
      first.copies[first.copies.length - 1] = first.hit;
      first.hit = r.hit;
    }
  }
  return out;
}

/** One list re-ordered by score × kind prior. */
function rerank(list: StoredHit[], score: (h: StoredHit) => number): Ranked[] {
  return list.map((hit) => ({ hit, score: score(hit) * prior(hit) })).sort((a, b) => b.score - a.score);
}

/**
 * Normalised-score fusion: each list's scores (BM25's, and the vectors' cosine) divided by that
 * list's best, weighted (vector w, BM25 1 − w), times the kind prior, summed per chunk, plus the
 * name match (nameMatch) when the query's terms are given. Measured
 * against weighted reciprocal-rank fusion (k0 10–60) and min-max scaling: best across the three
 * dev sets. An empty list leaves the other one alone.
 */
export function fuse(bm25: StoredHit[], vector: StoredHit[], vectorWeight: number, nameTerms?: NameQuery): Ranked[] {
  const scores = new Map<string, Ranked>();
  const add = (list: StoredHit[], weight: number, raw: (h: StoredHit) => number) => {
    let best = 0;
    for (const hit of list) best = Math.max(best, raw(hit));
    if (best <= 0) return;
    for (const hit of list) {
      const key = hitKey(hit);
      const entry = scores.get(key) ?? scores.set(key, { hit, score: 0 }).get(key)!;
      entry.score += (weight * prior(hit) * Math.max(0, raw(hit))) / best;
    }
  };
  const w = bm25.length && vector.length ? vectorWeight : bm25.length ? 0 : 1;
  add(bm25, 1 - w, (h) => h.raw);
  add(vector, w, (h) => 1 - h.raw);
  if (nameTerms?.size) for (const entry of scores.values()) entry.score += nameMatch(entry.hit, nameTerms);
  return [...scores.values()].sort((a, b) => b.score - a.score);
}

function toResult({ hit, score, copies }: Ranked, text: ChunkText): SearchResult {
  return {
    root: hit.root,
    path: hit.path,
    startLine: hit.startLine,
    endLine: hit.endLine,
    symbol: hit.symbol,
    language: hit.language,
    kind: hit.kind,
    score: Number(score.toFixed(6)),
    snippet: text.stale ? '' : text.text.split('\n').slice(0, SNIPPET_LINES).join('\n'),
    ...(text.stale ? { stale: text.stale } : {}),
    ...(copies?.length ? { copies: copies.map((c) => ({ path: c.root ? `${c.root}/${c.path}` : c.path, startLine: c.startLine, endLine: c.endLine })) } : {}),
  };
}

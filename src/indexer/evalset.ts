// `semindex eval`: a CodeSearchNet-style test set built from the user's own documented functions,
// and its scoring. The query is a function's doc summary (docpairs.ts, the same rule as the
// training harvest); the target is that function in a copy of the tree where the sampled doc
// comments are removed, so the answer cannot be found by its own documentation. The original tree
// is only read. Node only (no vscode): the CLI drives it, the unit tests call it directly.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Chunker } from './chunk';
import { splitDoc, summarize } from './docpairs';
import { grammarFileOf, languageOf } from './languages';
import { type CandidateFile, type ScanOptions, scan } from './scan';
import type { Chunk } from './types';

/** One line of queries.jsonl, the eval kit's format: 1-based inclusive lines in the stripped copy. */
export interface EvalQuery {
  id: string;
  query: string;
  path: string;
  start: number;
  end: number;
  symbol: string;
}

/** A documented function of the original tree. */
export interface EvalCandidate {
  path: string;
  symbol: string;
  /** The query: the first sentence of the documentation (docpairs.ts summarize). */
  summary: string;
  /** The chunk's 1-based lines in the original file. */
  startLine: number;
  endLine: number;
  /** Rows of the chunk (0-based, inclusive) that hold the documentation. */
  docStart: number;
  docEnd: number;
  /** What takes the doc rows' place, as splitDoc's `code` has it: nothing, or Python's `pass`. */
  replacement: string[];
}

/**
 * Same limits as the indexer's worker (worker.ts readFile, Indexer maxLineLength): a function in a
 * file the index skips could never be found, so it is no candidate (the file is still copied).
 */
const MAX_LINE_LENGTH = 4000;
const NUL_PROBE_BYTES = 8192;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The documented functions and methods among one file's chunks. */
export function candidatesOfChunks(chunks: readonly Chunk[]): EvalCandidate[] {
  const out: EvalCandidate[] = [];
  for (const chunk of chunks) {
    const split = splitDoc(chunk);
    if (!split) continue;
    const summary = summarize(split.doc, chunk.symbol);
    if (!summary) continue;
    const rows = chunk.text.split('\n');
    // splitDoc's code is rows[0, docStart) + replacement + rows(docEnd, …]: the replacement is what
    // is left in between once both ends are taken off, so the copy is cut exactly as `code` is.
    const code = split.code.split('\n');
    const kept = rows.length - (split.docEnd - split.docStart + 1);
    const replacement = code.slice(split.docStart, split.docStart + code.length - kept);
    out.push({
      path: chunk.path,
      symbol: chunk.symbol,
      summary,
      startLine: chunk.startLine,
      endLine: chunk.endLine,
      docStart: split.docStart,
      docEnd: split.docEnd,
      replacement,
    });
  }
  return out;
}

/**
 * Up to n candidates in a fixed pseudo-random order: the smallest hashes of (path, symbol,
 * summary). Deterministic across runs and machines, independent of the scan order, and a
 * function keeps its place when unrelated code changes. Returned in file and line order.
 */
export function pickCandidates(candidates: readonly EvalCandidate[], n: number): EvalCandidate[] {
  const key = (c: EvalCandidate) => createHash('sha1').update(`semindex-eval\0${c.path}\0${c.symbol}\0${c.summary}`).digest('hex');
  const keyed = candidates.map((c) => ({ c, k: key(c) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.c.startLine - b.c.startLine));
  return keyed
    .slice(0, Math.max(0, n))
    .map((x) => x.c)
    .sort(byPlace);
}

const byPlace = (a: EvalCandidate, b: EvalCandidate) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine);

/**
 * One file's text with the targets' doc rows removed (the same rows and replacement as splitDoc's
 * `code`), and each target's 1-based lines in the result: its chunk's lines shifted up by the rows
 * removed above it, minus those removed inside it. Targets are chunks of this text, so they do not
 * overlap. Line endings are kept (`\r\n` files stay `\r\n`).
 */
export function stripDocs(text: string, targets: readonly EvalCandidate[]): { text: string; spans: { target: EvalCandidate; start: number; end: number }[] } {
  const lines = text.split('\n');
  const out: string[] = [];
  const spans: { target: EvalCandidate; start: number; end: number }[] = [];
  let next = 0; // first original row not yet copied
  let removed = 0; // rows removed so far (net of replacements)
  for (const t of [...targets].sort(byPlace)) {
    const first = t.startLine - 1 + t.docStart;
    const last = t.startLine - 1 + t.docEnd;
    if (first < next) throw new Error(`semindex: eval targets overlap in ${t.path} at line ${t.startLine}`);
    out.push(...lines.slice(next, first));
    const crlf = lines[first].endsWith('\r');
    out.push(...t.replacement.map((r) => (crlf && !r.endsWith('\r') ? r + '\r' : r)));
    const start = t.startLine - removed;
    removed += last - first + 1 - t.replacement.length;
    spans.push({ target: t, start, end: t.endLine - removed });
    next = last + 1;
  }
  out.push(...lines.slice(next));
  return { text: out.join('\n'), spans };
}

export interface FoundCandidates {
  /** The files the indexer would consider (scan.ts), in scan order. */
  files: CandidateFile[];
  candidates: EvalCandidate[];
  /** sha1 of each file that holds candidates, as read: the copy checks the file has not changed since. */
  hashes: Map<string, string>;
}

export interface FindOptions extends ScanOptions {
  chunker: Chunker;
  /** Called about once a second with files read so far. */
  onProgress?: (filesDone: number, filesTotal: number, candidates: number) => void;
  /** Stops the walk (Ctrl-C) with an AbortError. */
  signal?: AbortSignal;
}

/** Walks root with the indexer's scan and collects the documented functions of every file. */
export async function findCandidates(root: string, opts: FindOptions): Promise<FoundCandidates> {
  const { files } = await scan([{ name: '', path: root }], opts);
  const candidates: EvalCandidate[] = [];
  const hashes = new Map<string, string>();
  let last = Date.now();
  for (let i = 0; i < files.length; i++) {
    opts.signal?.throwIfAborted();
    const file = files[i];
    if (opts.onProgress && Date.now() - last >= 1000) {
      last = Date.now();
      opts.onProgress(i, files.length, candidates.length);
    }
    // No grammar, no functions: such files are only copied.
    if (!grammarFileOf(languageOf(file.path))) continue;
    const read = readSource(file.abs);
    if (!read) continue;
    const found = candidatesOfChunks(await opts.chunker.chunk(file.path, read.text));
    if (!found.length) continue;
    candidates.push(...found);
    hashes.set(file.path, read.hash);
  }
  opts.onProgress?.(files.length, files.length, candidates.length);
  return { files, candidates, hashes };
}

/**
 * A file's text as the indexer's worker would chunk it, or undefined when the worker would skip it
 * (NUL bytes, a minified line) or when it is not UTF-8: the worker reads those as Latin-1, and
 * writing them back stripped would change bytes the user never asked to change.
 */
function readSource(abs: string): { text: string; bom: boolean; hash: string } | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(abs);
  } catch {
    return undefined;
  }
  if (bytes.subarray(0, NUL_PROBE_BYTES).includes(0)) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  const bom = text.charCodeAt(0) === 0xfeff;
  if (bom) text = text.slice(1);
  if (text.split('\n').some((l) => l.length > MAX_LINE_LENGTH)) return undefined;
  return { text, bom, hash: sha1(bytes) };
}

const sha1 = (data: Uint8Array) => createHash('sha1').update(data).digest('hex');

export interface WrittenSet {
  corpusDir: string;
  queriesFile: string;
  queries: EvalQuery[];
  /** Targets dropped because their file changed between the walk and the copy. */
  dropped: number;
}

/**
 * Writes outDir/corpus (every scanned file, the picked targets' doc comments removed) and
 * outDir/queries.jsonl. Only outDir is written; the original files are read.
 */
export function writeEvalSet(found: FoundCandidates, picked: readonly EvalCandidate[], outDir: string, signal?: AbortSignal): WrittenSet {
  const corpusDir = path.join(outDir, 'corpus');
  fs.mkdirSync(corpusDir, { recursive: true });
  const byFile = new Map<string, EvalCandidate[]>();
  for (const t of picked) (byFile.get(t.path) ?? byFile.set(t.path, []).get(t.path)!).push(t);
  const queries: EvalQuery[] = [];
  let dropped = 0;
  for (const file of found.files) {
    signal?.throwIfAborted();
    const dest = path.join(corpusDir, ...file.path.split('/'));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const targets = byFile.get(file.path);
    const read = targets ? readSource(file.abs) : undefined;
    if (!targets || !read || read.hash !== found.hashes.get(file.path)) {
      if (targets) dropped += targets.length; // changed since the walk: its rows no longer match
      try {
        fs.copyFileSync(file.abs, dest);
      } catch {
        // Vanished or unreadable since the scan: the index of the copy will not miss it either.
      }
      continue;
    }
    const stripped = stripDocs(read.text, targets);
    fs.writeFileSync(dest, (read.bom ? '\ufeff' : '') + stripped.text);
    for (const s of stripped.spans) {
      queries.push({ id: '', query: s.target.summary, path: file.path, start: s.start, end: s.end, symbol: s.target.symbol });
    }
  }
  queries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.start - b.start));
  queries.forEach((q, i) => (q.id = `eval-${i}`));
  const queriesFile = path.join(outDir, 'queries.jsonl');
  fs.writeFileSync(queriesFile, queries.map((q) => JSON.stringify(q) + '\n').join(''));
  return { corpusDir, queriesFile, queries, dropped };
}

// ---------------------------------------------------------------------------------------------
// Scoring. This mirrors the eval kit's scorer (../shared/eval/score.mjs, which is not part of this
// repo) line for line, so figures from `semindex eval` and from the kit mean the same: a result is
// a hit when its path ends with the target's path and at least half of its lines lie inside the
// target's lines; only the first 10 results count; the ranks are averaged over all queries.

export interface ResultSpan {
  path: string;
  startLine: number;
  endLine: number;
}

export interface Score {
  queries: number;
  /** Queries that have a run at all (a missing run counts as a miss). */
  answered: number;
  mrr10: number;
  recall1: number;
  recall10: number;
}

const norm = (p: string) => String(p).replace(/\\/g, '/').replace(/^\.\//, '');

export function isHit(r: ResultSpan, q: Pick<EvalQuery, 'path' | 'start' | 'end'>): boolean {
  if (!norm(r.path).endsWith(norm(q.path))) return false;
  const inside = Math.min(r.endLine, q.end) - Math.max(r.startLine, q.start) + 1;
  return inside > 0 && inside >= 0.5 * (r.endLine - r.startLine + 1);
}

/** MRR@10, R@1 and R@10 of runs (query id → results, best first) over the queries. */
export function scoreRuns(queries: readonly EvalQuery[], runs: ReadonlyMap<string, readonly ResultSpan[]>): Score {
  let rr = 0;
  let r1 = 0;
  let r10 = 0;
  let answered = 0;
  for (const q of queries) {
    const results = runs.get(String(q.id));
    if (!results) continue;
    answered++;
    const rank = results.slice(0, 10).findIndex((r) => isHit(r, q));
    if (rank >= 0) {
      rr += 1 / (rank + 1);
      r10++;
      if (rank === 0) r1++;
    }
  }
  const n = queries.length;
  const ratio = (x: number) => (n ? Number((x / n).toFixed(4)) : 0);
  return { queries: n, answered, mrr10: ratio(rr), recall1: ratio(r1), recall10: ratio(r10) };
}

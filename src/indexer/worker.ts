// The Piscina worker: read → chunk → embed for a batch of files. It never writes the store;
// results go back to the main thread, vectors as one transferred Float32Array.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { Piscina, workerData } from 'piscina';
import { Chunker } from './chunk';
import { bodyHash } from './docpairs';
import { createEmbedder, embeddingText, type SharedEmbedderData } from './embed';
import { resources } from './resources';
import { errorText } from './scan';
import { SECRET_REASON, privateKeyRule, redactSecrets } from './secrets';
import { decodeSource } from './source';
import type { ChunkBatch, ChunkRow } from './store';
import { ChunkStore } from './store';
import { analyze, nameField } from './tokens';
import type { Embedder, EmbedderConfig } from './types';

export interface WorkerConfig {
  embedder: EmbedderConfig;
  /** LanceDB directory to look cached vectors up in (costly embedders only). */
  cacheDir?: string;
  /** A line longer than this marks a file as minified or generated. */
  maxLineLength: number;
  /** ONNX Runtime threads of a model embedder's session (embed/index.ts modelThreadsPerWorker). */
  modelThreads?: number;
  /** Longest one file's parse may take before the file is cut into line windows instead. */
  parseTimeoutMs?: number;
}

export interface FileTask {
  root: string;
  path: string;
  abs: string;
  /** Content hash from the catalog: equal content is reported `unchanged` without chunking. */
  knownHash?: string;
  /** Matched by `allowSecretFiles`: a private key in it does not skip it (tokens are still redacted). */
  allowSecret?: boolean;
}

/** `missing`: the file vanished between scan and read — it leaves the index. */
export type FileOutcomeStatus = 'indexed' | 'unchanged' | 'skipped' | 'failed' | 'missing';

export interface FileOutcome {
  root: string;
  path: string;
  status: FileOutcomeStatus;
  size: number;
  mtimeMs: number;
  hash: string;
  /** Rows of this file in the batch: rows[first .. first+count). */
  first: number;
  count: number;
  reason?: string;
  /** Copied from the task, so the catalog knows the file was vetted under `allowSecretFiles`. */
  allowSecret?: boolean;
  /** Something the user should hear about once (a parse that timed out): the main thread logs it. */
  note?: string;
}

export interface BatchResult extends ChunkBatch {
  files: FileOutcome[];
  cacheHits: number;
  embedded: number;
  ms: { read: number; chunk: number; embed: number };
}

export interface BatchTask {
  config: WorkerConfig;
  files: FileTask[];
  /**
   * On a SharedArrayBuffer: TASK_WAITING until the worker starts the task (TASK_STARTED), or
   * TASK_WITHDRAWN when the main thread took it back first (pause, cancel, close): then the worker
   * answers at once with { withdrawn: true } and does nothing.
   */
  state?: Int32Array;
}

export const TASK_WAITING = 0;
export const TASK_STARTED = 1;
export const TASK_WITHDRAWN = 2;

export interface WithdrawnResult {
  withdrawn: true;
}

/** Texts per embed() call. */
const EMBED_BATCH = 64;
/**
 * Larger files are cut into line windows without parsing. tree-sitter holds the whole tree in the
 * worker's wasm memory, outside the heap limit: a 150 MB C file took the process to 2.5 GB RSS and
 * ended in Aborted(). Source files this large are generated; their syntax is not worth that.
 */
export const MAX_PARSE_CHARS = 4 * 1024 * 1024;

let state: Promise<{ chunker: Chunker; embedder: Embedder; key: string }> | undefined;
let cache: Promise<ChunkStore> | undefined;

function setup(config: WorkerConfig) {
  const key = JSON.stringify(config.embedder);
  if (!state) {
    const loading = (async () => ({
      chunker: await Chunker.create({ runtimeWasm: resources.runtimeWasm(), grammarDir: resources.grammarDir() }),
      embedder: await createEmbedder(config.embedder, config.modelThreads, workerData as SharedEmbedderData | undefined),
      key,
    }))();
    state = loading;
    // A failed setup (a model folder not there yet, a grammar file being rebuilt) is not kept for
    // the thread's life: the next task tries again.
    loading.catch(() => {
      if (state === loading) state = undefined;
    });
  }
  return state.then((s) => {
    if (s.key !== key) throw new Error('semindex: a worker cannot switch embedders; start a new pool');
    return s;
  });
}

// The TS lib here has no WebAssembly types; the class is there at run time.
const WasmRuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: abstract new () => Error } }).WebAssembly.RuntimeError;

/** Piscina task: one batch of files. */
export default async function processBatch(task: BatchTask): Promise<unknown> {
  if (task.state && Atomics.compareExchange(task.state, 0, TASK_WAITING, TASK_STARTED) === TASK_WITHDRAWN) return { withdrawn: true } satisfies WithdrawnResult;
  const { chunker, embedder } = await setup(task.config);
  const ms = { read: 0, chunk: 0, embed: 0 };
  const files: FileOutcome[] = [];
  const rows: ChunkRow[] = [];
  const words: string[][] = [];
  /** Chunk texts for a model embedder (rows carry none: the store keeps no text, source.ts). */
  const texts: string[] = [];
  for (const file of task.files) {
    const t0 = performance.now();
    const outcome = readFile(file, task.config);
    const t1 = performance.now();
    ms.read += t1 - t0;
    if (outcome.text === undefined) {
      files.push(outcome.result);
      continue;
    }
    try {
      let note: string | undefined;
      const chunks = await chunker.chunk(file.path, outcome.text, {
        syntax: outcome.text.length <= MAX_PARSE_CHARS,
        timeoutMs: task.config.parseTimeoutMs,
        onTimeout: (reason) => (note = `${file.path}: ${reason}`),
      });
      const first = rows.length;
      for (const c of chunks) {
        // One tokenization per chunk serves the BM25 field and a word-based embedder.
        const tokens = analyze(embeddingText(c));
        if (embedder.embedWords) words[rows.length] = tokens.words;
        else texts[rows.length] = c.text;
        rows.push({
          root: file.root,
          path: c.path,
          language: c.language,
          symbol: c.symbol,
          kind: c.kind,
          startLine: c.startLine,
          endLine: c.endLine,
          fts: tokens.fts,
          names: nameField(c.symbol, c.path),
          textHash: bodyHash(c.text),
          fileHash: outcome.result.hash,
          fileSize: outcome.result.size,
        });
      }
      files.push({ ...outcome.result, status: 'indexed', first, count: chunks.length, ...(note ? { note } : {}) });
    } catch (err) {
      if (err instanceof WasmRuntimeError) {
        // A wasm abort (out of wasm memory, a parser crash) leaves tree-sitter's module unusable for
        // this thread's life: end the thread so Piscina starts a fresh one; the main thread retries
        // the files alone (indexer.ts crashed()).
        setImmediate(() => process.exit(1));
        throw err;
      }
      files.push({ ...outcome.result, status: 'failed', reason: `chunking failed: ${errorText(err)}` });
    }
    ms.chunk += performance.now() - t1;
  }

  const t2 = performance.now();
  const dim = embedder.dim;
  const vectors = new Float32Array(rows.length * dim);
  let cacheHits = 0;
  const todo: number[] = [];
  if (task.config.cacheDir && rows.length) {
    if (!cache) {
      const opening = ChunkStore.open(task.config.cacheDir, dim);
      cache = opening;
      opening.catch(() => {
        if (cache === opening) cache = undefined; // as setup(): the next task opens it again
      });
    }
    const store = await cache;
    await store.refresh();
    const cached = await store.vectorsByTextHash([...new Set(rows.map((r) => r.textHash))]);
    rows.forEach((r, i) => {
      const v = cached.get(r.textHash);
      if (v && v.length === dim) {
        vectors.set(v, i * dim);
        cacheHits++;
      } else todo.push(i);
    });
  } else for (let i = 0; i < rows.length; i++) todo.push(i);
  if (embedder.embedWords) {
    for (const j of todo) vectors.set(embedder.embedWords(words[j]), j * dim);
  } else for (let i = 0; i < todo.length; i += EMBED_BATCH) {
    const part = todo.slice(i, i + EMBED_BATCH);
    const out = await embedder.embed(part.map((j) => embeddingText({ ...rows[j], text: texts[j] })), 'document');
    part.forEach((j, n) => vectors.set(out[n], j * dim));
  }
  ms.embed += performance.now() - t2;

  const result: BatchResult = { files, rows, vectors, cacheHits, embedded: todo.length, ms };
  return Piscina.move({
    [Piscina.transferableSymbol]: [vectors.buffer],
    [Piscina.valueSymbol]: result,
  } as never);
}

/**
 * Piscina task `parseOnly` (benchmark baseline): read and tree-sitter-parse the same files,
 * nothing else — no vetting beyond what parsing needs, no chunking, no embedding, no results.
 */
export async function parseOnly(task: { files: FileTask[] }): Promise<number> {
  const chunker = await (parseChunker ??= Chunker.create({ runtimeWasm: resources.runtimeWasm(), grammarDir: resources.grammarDir() }));
  let nodes = 0;
  for (const file of task.files) {
    try {
      const bytes = fs.readFileSync(file.abs);
      nodes += await chunker.parseOnly(file.path, bytes.toString('utf8'));
    } catch {
      // A file the indexer would skip or fail costs the baseline nothing either.
    }
  }
  return nodes;
}

let parseChunker: Promise<Chunker> | undefined;

/**
 * Piscina task `embedOnly` (benchmark baseline for model embedders): the embedder alone on the
 * same texts, in the same batches, on the same threads as the pipeline.
 */
export async function embedOnly(task: { config: WorkerConfig; texts: string[] }): Promise<number> {
  const { embedder } = await setup(task.config);
  for (let i = 0; i < task.texts.length; i += EMBED_BATCH) await embedder.embed(task.texts.slice(i, i + EMBED_BATCH), 'document');
  return task.texts.length;
}

/** Reads and vets one file. Never opens anything but a regular file; never blocks on a FIFO. */
function readFile(file: FileTask, config: WorkerConfig): { result: FileOutcome; text?: string } {
  const result: FileOutcome = { root: file.root, path: file.path, status: 'skipped', size: 0, mtimeMs: 0, hash: '', first: 0, count: 0, ...(file.allowSecret ? { allowSecret: true } : {}) };
  let fd: number | undefined;
  try {
    // O_NONBLOCK: if the path became a FIFO since the scan, open returns at once instead of hanging.
    fd = fs.openSync(file.abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    result.size = stat.size;
    result.mtimeMs = Math.trunc(stat.mtimeMs);
    if (!stat.isFile()) return { result: { ...result, reason: 'not a regular file' } };
    const bytes = fs.readFileSync(fd);
    result.hash = sha1(bytes);
    if (file.knownHash && file.knownHash === result.hash) return { result: { ...result, status: 'unchanged' } };
    if (bytes.subarray(0, 8192).includes(0)) return { result: { ...result, reason: 'binary file (NUL bytes)' } };
    // Decoded and redacted as search reads it back for display (source.ts), so the lines hash alike.
    const text = decodeSource(bytes);
    const longest = longestLine(text);
    if (longest > config.maxLineLength) {
      return { result: { ...result, reason: `minified or generated (a line of ${longest} characters)` } };
    }
    // secrets.ts: a private key skips the file; a token is replaced by a marker before chunking,
    // so the chunk text, the BM25 field and the embedder never see it. The reason names the rule only.
    const key = file.allowSecret ? undefined : privateKeyRule(text);
    if (key) return { result: { ...result, reason: SECRET_REASON + key } };
    return { result, text: redactSecrets(text).text };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { result: { ...result, status: 'missing', reason: 'file vanished before it could be read' } };
    return { result: { ...result, status: 'failed', reason: `cannot read: ${errorText(err)}` } };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function longestLine(text: string): number {
  let longest = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    if (end - start > longest) longest = end - start;
    if (nl < 0) return longest;
    start = nl + 1;
  }
}

export function sha1(data: string | Uint8Array): string {
  return crypto.createHash('sha1').update(data).digest('hex');
}

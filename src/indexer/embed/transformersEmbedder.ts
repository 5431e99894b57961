// The `transformers` embedder: a BERT-style ONNX model run by transformers.js on onnxruntime-node,
// mean-pooled over the attention mask and L2-normalised.
//
// Loading is local-first: `cfg.modelDir` is a folder laid out the way transformers.js expects
// (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx). Remote download by
// `cfg.modelId` only happens with `cfg.allowRemote`; that path is thin on purpose (it is the
// library's own download + file cache) and cannot be exercised in CI, which has no model hub.
//
// Runs in Piscina worker threads as well as on the main thread: it only touches per-thread state
// (the transformers.js module instance and one ONNX session), never vscode.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AutoModel,
  AutoTokenizer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  Tensor,
} from '@huggingface/transformers';
import { SemindexError } from '../errors';
import type { EmbedRole, Embedder, EmbedderConfig } from '../types';

/** Files transformers.js reads for a fp32 feature-extraction model (dtype fp32 → no file suffix). */
export const REQUIRED_MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'] as const;

export interface TransformersEmbedderOptions {
  /**
   * Texts per ONNX run at most (default 16). Larger batches amortise per-run overhead but pad
   * more; runs of long texts are cut shorter still (ATTENTION_BUDGET).
   */
  batchSize?: number;
  /**
   * ONNX Runtime intra-op threads for this session. Default 1; the indexer gives each worker's
   * session its share of the cores (embed/index.ts modelThreadsPerWorker).
   */
  threads?: number;
  /** Where a remote model (`modelId` + `allowRemote`) is downloaded to. Default ~/.cache/semindex/models. */
  cacheDir?: string;
}

/** Upper bound on characters handed to the tokenizer per text, as a multiple of the token limit. */
// WordPiece never yields more tokens than characters, so cutting a string at
// maxTokens × 32 chars keeps every token that survives truncation unless the text averages over
// 32 chars per token (only giant whitespace runs do). It stops a minified megabyte-long "chunk"
// from costing a full tokenisation just to be truncated to a few hundred tokens.
const CHARS_PER_TOKEN_BOUND = 32;

/**
 * An ONNX run holds at most this many rows × padded length² (4 texts of 512 tokens). Attention
 * keeps heads × rows × length² scores, and ONNX Runtime's arena keeps the largest run's memory for
 * the session's life. Measured with a BERT of all-MiniLM-L6-v2's shape (12 heads) on this
 * machine: one run of 16 × 512 tokens took the process from 190 MB to 1.16 GB, runs of 4 × 512
 * to 440 MB, at 103 and 93 ms per text. Short texts still go 16 (batchSize) to a run.
 */
const ATTENTION_BUDGET = 4 * 512 * 512;

interface ModelConfigJson {
  hidden_size?: unknown;
  max_position_embeddings?: unknown;
}

function fail(message: string, cause?: unknown): SemindexError {
  const detail = cause instanceof Error ? `: ${cause.message}` : cause !== undefined ? `: ${String(cause)}` : '';
  return new SemindexError('MODEL', `transformers embedder: ${message}${detail}`, { cause });
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** Checks the folder has what transformers.js will read, so a bad path fails with a message naming it. */
function checkModelDir(dir: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw fail(`model folder not found: ${dir}`);
  }
  if (!stat.isDirectory()) throw fail(`model path is not a folder: ${dir}`);
  const missing = REQUIRED_MODEL_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw fail(`model folder ${dir} is missing ${missing.join(', ')} (expected ${REQUIRED_MODEL_FILES.join(', ')})`);
  }
}

function readConfig(file: string): { text: string; json: ModelConfigJson } {
  const text = fs.readFileSync(file, 'utf8');
  try {
    const json: unknown = JSON.parse(text);
    if (json === null || typeof json !== 'object') throw new Error('not a JSON object');
    return { text, json: json as ModelConfigJson };
  } catch (e) {
    throw fail(`cannot parse ${file}`, e);
  }
}

/**
 * Fingerprint of what decides the vectors: config, tokenizer files and the model file's size.
 * Hashing the size (not the bytes) of a possibly 100+ MB model keeps start-up cheap; a re-export
 * of the same architecture with new weights practically always changes the size or config.
 */
function fingerprint(parts: Array<string | Buffer>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('hex').slice(0, 8);
}

function fileOrEmpty(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch {
    return Buffer.alloc(0);
  }
}

function sizeOrUnknown(file: string): string {
  try {
    return String(fs.statSync(file).size);
  } catch {
    return 'unknown';
  }
}

export class TransformersEmbedder implements Embedder {
  /** Serialises ONNX runs on this session so thread use stays at `threads`, whatever the callers do. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly id: string,
    readonly dim: number,
    readonly description: string,
    /** Token limit texts are truncated to: min(tokenizer model_max_length, max_position_embeddings). */
    readonly maxTokens: number,
    private readonly batchSize: number,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
  ) {}

  static async create(cfg: EmbedderConfig, opts: TransformersEmbedderOptions = {}): Promise<TransformersEmbedder> {
    const allowRemote = cfg.allowRemote === true;
    const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 16));
    const threads = Math.max(1, Math.floor(opts.threads ?? 1));

    // `source` is what transformers.js is asked to load: an absolute folder (anything that is not
    // a hub id "org/name" is treated as a path), or a hub id when downloading.
    let source: string;
    let name: string;
    let where: string;
    let configText: string;
    let configJson: ModelConfigJson;
    let idParts: Array<string | Buffer>;
    const cacheDir = opts.cacheDir ?? path.join(os.homedir(), '.cache', 'semindex', 'models');

    if (cfg.modelDir) {
      const dir = path.resolve(cfg.modelDir);
      checkModelDir(dir);
      ({ text: configText, json: configJson } = readConfig(path.join(dir, 'config.json')));
      source = dir;
      name = path.basename(dir);
      where = dir;
      idParts = [
        configText,
        fileOrEmpty(path.join(dir, 'tokenizer.json')),
        fileOrEmpty(path.join(dir, 'tokenizer_config.json')),
        sizeOrUnknown(path.join(dir, 'onnx/model.onnx')),
      ];
    } else if (cfg.modelId) {
      if (!allowRemote) {
        throw fail(
          `model "${cfg.modelId}" would have to be downloaded, but remote loading is off ` +
            '(give a local model folder, or allow remote loading)',
        );
      }
      source = cfg.modelId;
      name = cfg.modelId;
      where = `${cfg.modelId} (downloaded to ${cacheDir})`;
      configText = '';
      configJson = {};
      idParts = [];
    } else {
      throw fail('no model given: set a model folder (modelDir) or a model id (modelId)');
    }

    // Global (per thread) switches in transformers.js; the per-call `local_files_only` below is what
    // really keeps a local load local even if another embedder in this thread flipped them.
    // env.localModelPath is left alone: it only prefixes hub-style ids ("org/name"), and an absolute
    // folder is never one, so transformers.js reads <folder>/config.json etc. directly.
    env.allowLocalModels = true;
    env.allowRemoteModels = allowRemote;

    const loadOpts = { local_files_only: !allowRemote, cache_dir: cacheDir };
    let tokenizer: PreTrainedTokenizer;
    let model: PreTrainedModel;
    try {
      tokenizer = await AutoTokenizer.from_pretrained(source, loadOpts);
    } catch (e) {
      throw fail(`cannot load the tokenizer (tokenizer.json, tokenizer_config.json) of ${where}`, e);
    }
    try {
      model = await AutoModel.from_pretrained(source, {
        ...loadOpts,
        // fp32 → onnx/model.onnx; quantised variants would be model_quantized.onnx etc.
        dtype: 'fp32',
        device: 'cpu',
        session_options: {
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        },
      });
    } catch (e) {
      throw fail(`cannot load the ONNX model (onnx/model.onnx) of ${where}`, e);
    }

    if (!cfg.modelDir) {
      // Remote: the config was fetched by the library; fingerprint what it parsed and the cached file.
      configJson = model.config as unknown as ModelConfigJson;
      configText = JSON.stringify(model.config);
      idParts = [configText, sizeOrUnknown(path.join(cacheDir, cfg.modelId ?? '', 'onnx/model.onnx'))];
    }

    const posLimit = positiveInt(configJson.max_position_embeddings) ?? Infinity;
    const tokLimit = tokenizer.model_max_length;
    let maxTokens = Math.min(posLimit, Number.isFinite(tokLimit) && tokLimit > 0 ? tokLimit : Infinity);
    // Neither file states a limit: 512 is what BERT-family models are trained with.
    if (!Number.isFinite(maxTokens)) maxTokens = 512;

    // One probe run: catches a model that loads but cannot run, and gives the true output width.
    const partial = new TransformersEmbedder('', 0, '', maxTokens, batchSize, tokenizer, model);
    let probe: Float32Array[];
    try {
      probe = await partial.embed(['probe'], 'document');
    } catch (e) {
      await model.dispose().catch(() => undefined);
      throw fail(`the model of ${where} failed a test run`, e);
    }
    const dim = probe[0].length;
    const hidden = positiveInt(configJson.hidden_size);
    if (hidden !== undefined && hidden !== dim) {
      // Not fatal (some exports project the output), but worth knowing when debugging.
      console.warn(`transformers embedder: ${where}: config hidden_size ${hidden} but output width ${dim}; using ${dim}`);
    }

    const id = `transformers:${name}@${fingerprint(idParts)}`;
    const description =
      `transformers.js ONNX model "${name}" from ${where} — ${dim}-d, mean pooling, ` +
      `max ${maxTokens} tokens, CPU fp32`;
    return new TransformersEmbedder(id, dim, description, maxTokens, batchSize, tokenizer, model);
  }

  /**
   * `role` is ignored: the models this is meant for (plain BERT-style sentence encoders) embed
   * queries and documents the same way. Models that want "query: " prefixes are not special-cased.
   */
  async embed(texts: string[], _role: EmbedRole): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const charCap = this.maxTokens * CHARS_PER_TOKEN_BOUND;
    const ids = (
      this.tokenizer(
        texts.map((t) => (t.length > charCap ? t.slice(0, charCap) : t)),
        { padding: false, truncation: true, max_length: this.maxTokens, return_tensor: false },
      ) as { input_ids: number[][] }
    ).input_ids;
    const out = new Array<Float32Array>(texts.length);
    // Texts of similar length share a run so little compute goes to padding; order restored after.
    const order = texts.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
    for (let start = 0; start < order.length; ) {
      // Lengths ascend, so the run's last text sets its padded length.
      let end = start + 1;
      while (end < order.length && end - start < this.batchSize && (end - start + 1) * ids[order[end]].length ** 2 <= ATTENTION_BUDGET) end++;
      const idx = order.slice(start, end);
      const vecs = await this.enqueue(() => this.runBatch(idx.map((i) => ids[i])));
      idx.forEach((i, k) => {
        out[i] = vecs[k];
      });
      start = end;
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.model.dispose();
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** One ONNX run over token id rows (already truncated), padded to the longest. */
  private async runBatch(rows: number[][]): Promise<Float32Array[]> {
    const width = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(rows.length * width).fill(BigInt(this.tokenizer.pad_token_id ?? 0));
    const attention = new BigInt64Array(rows.length * width);
    rows.forEach((row, r) => {
      for (let t = 0; t < row.length; t++) {
        ids[r * width + t] = BigInt(row[t]);
        attention[r * width + t] = 1n;
      }
    });
    const dims = [rows.length, width];
    const inputs = { input_ids: new Tensor('int64', ids, dims), attention_mask: new Tensor('int64', attention, dims) };
    // The model adds zero token_type_ids itself if it needs them and the tokenizer gave none.
    const outputs = (await this.model(inputs)) as Record<string, Tensor | undefined>;
    const mask = inputs.attention_mask as Tensor;
    const pooled = outputs['sentence_embedding'];
    if (pooled && pooled.dims.length === 2) {
      // Exports that pool inside the graph (sentence-transformers style) give [batch, hidden] directly.
      return normalizeRows(pooled.data as Float32Array, pooled.dims[0], pooled.dims[1]);
    }
    const hidden = outputs['last_hidden_state'] ?? outputs['token_embeddings'];
    if (!hidden || hidden.dims.length !== 3) {
      throw new Error(`model gave no [batch, tokens, hidden] output (outputs: ${Object.keys(outputs).join(', ')})`);
    }
    return meanPool(hidden.data as Float32Array, hidden.dims as [number, number, number], mask.data as BigInt64Array);
  }
}

/** Mean over the tokens whose attention mask is 1, then L2 normalisation, one vector per row. */
function meanPool(data: Float32Array, dims: [number, number, number], mask: BigInt64Array): Float32Array[] {
  const [batch, tokens, width] = dims;
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const v = new Float32Array(width);
    let n = 0;
    for (let t = 0; t < tokens; t++) {
      if (mask[b * tokens + t] === 0n) continue;
      n++;
      const base = (b * tokens + t) * width;
      for (let d = 0; d < width; d++) v[d] += data[base + d];
    }
    if (n > 0) for (let d = 0; d < width; d++) v[d] /= n;
    out.push(normalize(v));
  }
  return out;
}

function normalizeRows(data: Float32Array, rows: number, width: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) out.push(normalize(data.slice(r * width, (r + 1) * width)));
  return out;
}

function normalize(v: Float32Array): Float32Array {
  let sq = 0;
  for (let d = 0; d < v.length; d++) sq += v[d] * v[d]!;
  const norm = Math.sqrt(sq);
  // A zero vector (empty text on a degenerate model) stays zero rather than becoming NaN.
  if (norm > 0) for (let d = 0; d < v.length; d++) v[d] /= norm;
  return v;
}

// The data that flows between the pipeline stages: scan → chunk → embed → store → search.
// Defined once here; every stage imports from this file.

/** What a chunk is, syntactically. `window` = a line window where no grammar node fits. */
export type ChunkKind =
  | 'function'
  | 'method'
  | 'class'
  | 'interface'
  | 'struct'
  | 'enum'
  | 'type'
  | 'module'
  | 'window';

/** One searchable unit of a file. Lines are 1-based and inclusive. */
export interface Chunk {
  /** Path relative to its root, with forward slashes. */
  path: string;
  /** Language id, e.g. "typescript", "python", or "text" for files no grammar fits. */
  language: string;
  /** Symbol name, qualified where cheap ("Class.method"); "" for windows. */
  symbol: string;
  kind: ChunkKind;
  startLine: number;
  endLine: number;
  text: string;
}

/** Whether an embedding is for indexed content or for a search query (some models differ). */
export type EmbedRole = 'document' | 'query';

/**
 * Turns texts into L2-normalised vectors of a fixed dimension.
 * Implementations must be usable inside a worker thread (no vscode, no main-thread state).
 */
export interface Embedder {
  /** Stable id recorded in the store, e.g. "static:wink-sg100d@1" or "transformers:<model>". Changing it means a new index. */
  readonly id: string;
  readonly dim: number;
  /** One line for humans (UI, README, CLI): which model this really is. */
  readonly description: string;
  embed(texts: string[], role: EmbedRole): Promise<Float32Array[]>;
  /**
   * Embedders that work on words (the static table) take a document's words as tokens.ts#analyze
   * cut them, so the workers tokenize each chunk once for BM25 and embedding alike.
   */
  embedWords?(words: readonly string[]): Float32Array;
  /**
   * How much a query word says on its own (the length of its query-side vector, with the learned
   * per-token weight baked in: ~0.2 for "the", ~0.5 for "without", ~2 for "iteratee"), or
   * undefined for a word the embedder has no row for. Only a table has this; search.ts#nameQuery.
   */
  queryWeight?(word: string): number | undefined;
  dispose?(): Promise<void>;
}

/** How the user chose the embedder (setting / CLI flag). */
export interface EmbedderConfig {
  kind: 'static' | 'transformers';
  /** transformers: local model folder (contains config.json, tokenizer.json, onnx/model.onnx). */
  modelDir?: string;
  /** transformers: a hub model id to download when allowRemote is on. */
  modelId?: string;
  allowRemote?: boolean;
}

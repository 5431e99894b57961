// Stage 3 — embed: picks the embedder the user configured. Both implementations run in workers.
import * as os from 'node:os';
import * as path from 'node:path';
import { SemindexError } from '../errors';
import { resourceDir, resources } from '../resources';
import type { Chunk, Embedder, EmbedderConfig } from '../types';
import { StaticEmbedder } from './staticEmbedder';
import { sharedTableBytes } from './staticTable';

/** What a pool's workers share (Piscina workerData): the static table's bytes, read once. */
export interface SharedEmbedderData {
  staticTable?: Uint8Array;
}

/** The data to hand a new pool for this embedder (the table's rows are ~13 MB: one copy, not one per worker). */
export function sharedEmbedderData(cfg: EmbedderConfig): SharedEmbedderData {
  return cfg.kind === 'static' ? { staticTable: sharedTableBytes(resources.staticTable()) } : {};
}

/**
 * `threads`: ONNX Runtime threads of a model embedder's session (default 1); the static one has
 * none. `shared`: what the pool shares (sharedEmbedderData), when called in a worker.
 */
export async function createEmbedder(cfg: EmbedderConfig, threads?: number, shared?: SharedEmbedderData): Promise<Embedder> {
  if (cfg.kind === 'static') return StaticEmbedder.load(resources.staticTable(), shared?.staticTable);
  if (cfg.kind === 'transformers') {
    // A bundle of its own (esbuild.mjs), required on demand: transformers.js is 1.4 MB of code
    // that every extension activation and every static-embedder worker would otherwise parse.
    const { TransformersEmbedder } = require(path.join(resourceDir(), 'transformers-embedder.js')) as typeof import('./transformersEmbedder');
    return TransformersEmbedder.create(cfg, { threads });
  }
  throw new SemindexError('USAGE', `unknown embedder "${(cfg as { kind: string }).kind}" (expected static or transformers)`);
}

/**
 * Worker threads when the user sets none: one less than the cores (at least one), and at most two
 * with a model embedder, whose sessions then get the cores between them (modelThreadsPerWorker).
 * Each worker holds a session (a MiniLM-sized one ~300 MB), and with a model, parsing is a few
 * percent of the work: on 2 cores one worker on 2 threads indexed lodash at 25.6 files/s, two on
 * one thread each at 24.5, with ~600 MB more at the peak.
 */
export function defaultWorkers(cfg: EmbedderConfig): number {
  const spare = Math.max(1, os.availableParallelism() - 1);
  return embedderIsCostly(cfg) ? Math.min(2, spare) : spare;
}

/**
 * ONNX Runtime threads for each worker's model session: the cores shared out among the workers.
 * With the default cores − 1 workers on 2 cores, one worker on one thread left a core to the
 * writer's short bursts; on 2 threads a MiniLM-sized session runs ~1.65× faster (4 × 256 tokens:
 * 156 → 94 ms a run). The main thread's session (queries) keeps one.
 */
export function modelThreadsPerWorker(workers: number): number {
  return Math.max(1, Math.floor(os.availableParallelism() / workers));
}

/** Re-embedding is cheaper than a cache lookup for the static table; a model is not. */
export function embedderIsCostly(cfg: EmbedderConfig): boolean {
  return cfg.kind !== 'static';
}

/** What the embedder sees of a chunk: its name and file name carry meaning the body may not. */
export function embeddingText(chunk: Pick<Chunk, 'symbol' | 'path' | 'text'>): string {
  const file = chunk.path.slice(chunk.path.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
  return `${chunk.symbol} ${file}\n${chunk.text}`;
}

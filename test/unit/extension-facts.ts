// Index facts for the extension's state tests: an indexed, idle workspace unless overridden.
import type { IndexFacts } from '../../src/extension/indexState';
import type { Progress } from '../../src/indexer/indexer';

export const progress = (p: Partial<Progress> = {}): Progress => ({
  phase: 'idle',
  filesTotal: 0,
  filesDone: 0,
  chunks: 0,
  failed: 0,
  skipped: 0,
  filesPerSec: 0,
  etaSeconds: undefined,
  elapsedSeconds: 0,
  cacheHitRate: undefined,
  ...p,
});

export const facts = (f: Partial<IndexFacts> = {}): IndexFacts => ({
  hasFolder: true,
  multiRoot: false,
  hasStore: true,
  transition: undefined,
  engineOpen: true,
  fullRun: false,
  progress: progress({ phase: 'done' }),
  stats: { files: 12, chunks: 80, failed: 0, skipped: 3, bytes: 2048, cacheHitRate: undefined },
  lastRunCoverage: 1,
  problem: undefined,
  embedder: { kind: 'static', description: 'static word vectors (test)' },
  building: false,
  lastFullRun: { at: 1_000_000, seconds: 4.2, files: 12, chunks: 80 },
  lastIncrementalRun: undefined,
  ...f,
});

/** A workspace with no index yet. */
export const notIndexedFacts = (): IndexFacts => facts({ engineOpen: false, hasStore: false, progress: undefined, stats: undefined, lastFullRun: undefined, lastRunCoverage: undefined });

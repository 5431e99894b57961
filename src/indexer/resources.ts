// Where the bundle's runtime files live (tree-sitter runtime and grammars, the static vector table).
// esbuild copies them into dist/; bundles live in dist/ or below it (dist/test/unit/*.js),
// so the directory that holds tree-sitter.wasm, found walking up from this file, is the root.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SemindexError } from './errors';

let cached: string | undefined;

export function resourceDir(): string {
  if (cached) return cached;
  const fromEnv = process.env.SEMINDEX_RESOURCES;
  if (fromEnv) return (cached = fromEnv);
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'tree-sitter.wasm'))) return (cached = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new SemindexError('CORRUPT', `runtime files (tree-sitter.wasm) not found above ${__dirname}; run "npm run build"`);
    dir = up;
  }
}

export const resources = {
  runtimeWasm: () => path.join(resourceDir(), 'tree-sitter.wasm'),
  grammarDir: () => path.join(resourceDir(), 'grammars'),
  staticTable: () => path.join(resourceDir(), 'assets', 'static-table.bin'),
  workerScript: () => path.join(resourceDir(), 'worker.js'),
};

// Builds everything that runs: the extension host entry, the Piscina worker, the CLI, and the
// test bundles; copies the tree-sitter runtime, the grammars and the static vector table into dist/.
//   node esbuild.mjs            one production build
//   node esbuild.mjs --watch    rebuild on change
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const watch = process.argv.includes('--watch');
const root = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(root, 'dist');

// Native or self-locating packages stay outside the bundle and ship in node_modules of the .vsix.
// piscina starts its own worker file from its package folder; LanceDB and onnxruntime are native;
// apache-arrow must be the very copy LanceDB uses (instanceof checks across the boundary).
export const external = [
  'vscode',
  '@lancedb/lancedb',
  'apache-arrow',
  'piscina',
  'onnxruntime-node',
  'onnxruntime-common',
];

// Grammars the chunker loads (see src/indexer/languages.ts).
const grammars = ['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'c', 'cpp', 'c_sharp', 'ruby', 'php'];

function copyRuntimeFiles() {
  fs.mkdirSync(path.join(dist, 'grammars'), { recursive: true });
  fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
  fs.copyFileSync(path.join(root, 'node_modules/web-tree-sitter/tree-sitter.wasm'), path.join(dist, 'tree-sitter.wasm'));
  for (const g of grammars) {
    const file = `tree-sitter-${g}.wasm`;
    fs.copyFileSync(path.join(root, 'node_modules/tree-sitter-wasms/out', file), path.join(dist, 'grammars', file));
  }
  const table = path.join(root, 'assets/static-table.bin');
  if (fs.existsSync(table)) fs.copyFileSync(table, path.join(dist, 'assets/static-table.bin'));
}

function testEntries(dir) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(dir, f));
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external,
  logLevel: 'warning',
  // mocha's parallel mode (unused in the extension host) resolves files esbuild cannot see.
  logOverride: { 'require-resolve-not-external': 'silent' },
  alias: { sharp: './src/indexer/embed/sharp-stub.cjs' },
  // web-tree-sitter and transformers.js probe import.meta.url; in CJS point it at the bundle file.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: 'const importMetaUrl = require("url").pathToFileURL(__filename).href;' },
};

const builds = [
  { entryPoints: { extension: 'src/extension/extension.ts', worker: 'src/indexer/worker.ts', cli: 'src/cli/semindex.ts', bench: 'src/cli/bench.ts', 'transformers-embedder': 'src/indexer/embed/transformersEmbedder.ts', 'train-harvest': 'src/train/harvest.ts' }, outdir: dist },
  { entryPoints: testEntries('test/unit'), outdir: path.join(dist, 'test/unit') },
  { entryPoints: [...testEntries('test/e2e/host'), ...(fs.existsSync(path.join(root, 'test/e2e/host/runner.ts')) ? ['test/e2e/host/runner.ts'] : [])], outdir: path.join(dist, 'test/e2e/host') },
].filter((b) => (Array.isArray(b.entryPoints) ? b.entryPoints.length : Object.values(b.entryPoints).every((e) => fs.existsSync(path.join(root, e)))));

copyRuntimeFiles();
// Test bundles are rebuilt from the current sources: a deleted test must not live on in dist/.
if (!watch) fs.rmSync(path.join(dist, 'test'), { recursive: true, force: true });
if (watch) {
  for (const b of builds) await (await esbuild.context({ ...common, ...b })).watch();
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
  const cli = path.join(dist, 'cli.js');
  if (fs.existsSync(cli)) {
    const body = fs.readFileSync(cli, 'utf8');
    if (!body.startsWith('#!')) fs.writeFileSync(cli, '#!/usr/bin/env node\n' + body);
    fs.chmodSync(cli, 0o755);
  }
}

// Shared by the unit tests: temp folders, fixture trees, the repo root, and store snapshots.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StoreLayout } from '../../src/indexer/layout';
import { ChunkStore } from '../../src/indexer/store';

/** The repository root (tests are bundled into dist/test/unit). */
export const repoRoot = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
})();

export const cliPath = path.join(repoRoot, 'dist', 'cli.js');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `semindex-${prefix}-`));
}

/** Writes files (relative path → content) under dir. */
export function writeTree(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
}

/** Copies the per-language fixtures into a fresh folder. */
export function fixtureWorkspace(prefix = 'ws'): string {
  const dir = tempDir(prefix);
  fs.cpSync(path.join(repoRoot, 'test/fixtures/langs'), dir, { recursive: true });
  return dir;
}

/** Every row of the active index, as comparable strings, sorted. */
export async function snapshot(storeDir: string): Promise<string[]> {
  const layout = new StoreLayout(storeDir);
  const info = layout.read().active!;
  const store = await ChunkStore.open(layout.lanceDir(info), info.dim);
  try {
    return (await store.rowKeys()).map((r) => `${r.root}|${r.path}|${r.startLine}-${r.endLine}|${r.textHash}|${r.fileHash}`).sort();
  } finally {
    store.close();
  }
}

/** A mid-sized real tree for pipeline tests: JavaScript/TypeScript sources of installed packages (not our dev set). */
export function realTree(maxFiles: number): string {
  const dir = tempDir('real');
  const sources = ['node_modules/apache-arrow', 'node_modules/piscina/dist', 'node_modules/chokidar', 'node_modules/ignore', 'node_modules/picomatch'];
  let n = 0;
  const walk = (src: string, rel: string) => {
    for (const e of fs.readdirSync(src, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (n >= maxFiles) return;
      const s = path.join(src, e.name);
      if (e.isDirectory()) walk(s, path.join(rel, e.name));
      else if (/\.(js|ts|mjs)$/.test(e.name) && !e.name.endsWith('.map')) {
        const d = path.join(dir, rel, e.name);
        fs.mkdirSync(path.dirname(d), { recursive: true });
        fs.copyFileSync(s, d);
        n++;
      }
    }
  };
  for (const s of sources) walk(path.join(repoRoot, s), path.basename(s) === 'dist' ? 'piscina' : path.basename(s));
  return dir;
}

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChangeBatcher, ExternalChangeWatcher, WatchFilter, isIgnoredPath } from '../../src/extension/watcher';
import { tempDir, writeTree } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('extension watcher', () => {
  it('ignores built-in excluded directories inside a root, the store, and paths outside the roots', () => {
    const roots = [{ name: 'build', path: '/ws/build' }];
    assert.equal(isIgnoredPath('/ws/build', roots, [], path.posix), false, 'a root may be called build');
    assert.equal(isIgnoredPath('/ws/build/src/a.ts', roots, [], path.posix), false);
    assert.equal(isIgnoredPath('/ws/build/node_modules', roots, [], path.posix), true);
    assert.equal(isIgnoredPath('/ws/build/pkg/node_modules/x/index.js', roots, [], path.posix), true);
    assert.equal(isIgnoredPath('/ws/build/.git/HEAD', roots, [], path.posix), true);
    assert.equal(isIgnoredPath('/ws/build/.store/index/x', roots, ['/ws/build/.store'], path.posix), true);
    assert.equal(isIgnoredPath('/elsewhere/a.ts', roots, [], path.posix), true);
  });

  it('batches changes after a quiet period, one flush at a time', async () => {
    const batches: string[][] = [];
    let release: () => void = () => undefined;
    const batcher = new ChangeBatcher(async (paths) => {
      batches.push(paths.sort());
      await new Promise<void>((r) => (release = r));
    }, 40);
    batcher.add('/a');
    batcher.add('/b');
    batcher.add('/a');
    await until(() => batches.length === 1, 'first batch');
    assert.deepEqual(batches, [['/a', '/b']]);
    batcher.add('/c'); // arrives during the flush: waits for it
    await sleep(120);
    assert.equal(batches.length, 1);
    assert.equal(batcher.pending, true);
    release();
    await until(() => batches.length === 2, 'second batch');
    assert.deepEqual(batches[1], ['/c']);
    release();
    await batcher.settled();
    assert.equal(batcher.pending, false);
    batcher.dispose();
  });

  it('flushes at least every maxWait while changes keep coming', async () => {
    const batches: string[][] = [];
    const batcher = new ChangeBatcher(async (paths) => void batches.push(paths), 100, 250);
    const start = Date.now();
    for (let i = 0; Date.now() - start < 600; i++) {
      batcher.add(`/f${i}`);
      await sleep(30);
    }
    assert.ok(batches.length >= 2, `expected a batch per maxWait, got ${batches.length}`);
    await batcher.settled();
    batcher.dispose();
  });

  it('reports external creates, changes, deletes and renames (as unlink + add), but not node_modules', async function () {
    this.timeout(30_000);
    const dir = tempDir('watch');
    writeTree(dir, { 'src/a.ts': 'a', 'src/old.ts': 'old', 'node_modules/dep/index.js': 'x' });
    const batches: string[][] = [];
    const watcher = new ExternalChangeWatcher({ roots: [{ name: 'ws', path: dir }], onChanges: async (paths) => void batches.push(paths), delayMs: 100 });
    try {
      await watcher.ready;
      const seen = () => new Set(batches.flat().map((p) => path.relative(dir, p).split(path.sep).join('/')));
      fs.writeFileSync(path.join(dir, 'src/a.ts'), 'a changed');
      fs.writeFileSync(path.join(dir, 'src/new.ts'), 'new');
      fs.renameSync(path.join(dir, 'src/old.ts'), path.join(dir, 'src/renamed.ts'));
      fs.writeFileSync(path.join(dir, 'node_modules/dep/index.js'), 'changed');
      fs.mkdirSync(path.join(dir, 'node_modules/dep2'));
      fs.writeFileSync(path.join(dir, 'node_modules/dep2/index.js'), 'new');
      await until(() => ['src/a.ts', 'src/new.ts', 'src/old.ts', 'src/renamed.ts'].every((p) => seen().has(p)), 'all changes');
      await watcher.settled();
      const before = batches.length;
      fs.rmSync(path.join(dir, 'src/new.ts'));
      await until(() => batches.slice(before).flat().some((p) => p.endsWith(`${path.sep}new.ts`)), 'delete');
      await watcher.settled();
      assert.ok(![...seen()].some((p) => p.startsWith('node_modules/')), `node_modules reported: ${[...seen()].join(', ')}`);
      // Several events, few batches: they are debounced together.
      assert.ok(batches.length <= 4, `expected batching, got ${batches.length} batches`);
    } finally {
      await watcher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves out what .gitignore files and the user\'s excludes leave out, at every level (issue 12, item 7)', () => {
    const dir = tempDir('watch-rules');
    writeTree(dir, {
      '.gitignore': 'target/\n*.log\n!keep.log\n',
      '.git/info/exclude': 'local-only/\n',
      'sub/.gitignore': 'gen-*\n',
      'sub/b.ts': 'b',
    });
    const f = new WatchFilter([{ name: 'ws', path: dir }], { exclude: ['vendor/**', 'out-*/**', '**/*.snap'] });
    const at = (rel: string) => path.join(dir, ...rel.split('/'));
    assert.equal(f.ignores(at('src/a.ts'), false), false);
    assert.equal(f.ignores(at('target'), true), true, 'a dir-only pattern, asked with the stats');
    assert.equal(f.ignores(at('target'), undefined), false, 'not known to be a folder yet: asked again with the stats');
    assert.equal(f.ignores(at('target/debug/x.rs'), false), true);
    assert.equal(f.ignores(at('app.log'), false), true);
    assert.equal(f.ignores(at('keep.log'), false), false, 'a negation re-includes');
    assert.equal(f.ignores(at('local-only'), true), true, '.git/info/exclude');
    assert.equal(f.ignores(at('sub/gen-api'), true), true, 'a nested .gitignore');
    assert.equal(f.ignores(at('gen-top'), true), false, '… only below its folder');
    assert.equal(f.ignores(at('vendor'), true), true, 'the user\'s exclude, as a folder');
    assert.equal(f.ignores(at('out-linux/x.js'), false), true);
    assert.equal(f.ignores(at('sub/x.snap'), false), true);
    assert.equal(f.ignores(at('node_modules'), true), true, 'built-in');
    assert.equal(f.ignores(path.join(path.dirname(dir), 'elsewhere.ts'), false), true, 'outside the roots');
    // respectGitignore off: .gitignore files do not count, the user's excludes still do.
    const off = new WatchFilter([{ name: 'ws', path: dir }], { useGitignore: false, exclude: ['vendor/**'] });
    assert.equal(off.ignores(at('target'), true), false);
    assert.equal(off.ignores(at('vendor'), true), true);
    // Nested roots: the innermost root's rules decide.
    const nested = new WatchFilter([{ name: 'ws', path: dir }, { name: 'sub', path: at('sub') }], { exclude: ['b.ts'] });
    assert.equal(nested.ignores(at('sub/b.ts'), false), true, 'b.ts relative to the inner root');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('does not enter or report .gitignore\'d or excluded folders a build writes into (issue 12, item 7)', async function () {
    this.timeout(30_000);
    const dir = tempDir('watch-build');
    writeTree(dir, { '.gitignore': 'target/\n', 'src/a.ts': 'a', 'target/old.o.txt': 'x', 'vendor/lib/v.ts': 'v' });
    const batches: string[][] = [];
    const watcher = new ExternalChangeWatcher({ roots: [{ name: 'ws', path: dir }], rules: { exclude: ['vendor/**', 'out-*/**'] }, onChanges: async (paths) => void batches.push(paths), delayMs: 100 });
    try {
      await watcher.ready;
      const seen = () => new Set(batches.flat().map((p) => path.relative(dir, p).split(path.sep).join('/')));
      // A build's output: into an existing ignored folder, a new one, and the user's excluded ones.
      writeTree(dir, { 'target/debug/main.txt': 'bin', 'target/new.txt': 'n', 'vendor/lib/v.ts': 'v2', 'out-linux/app.js': 'a', 'src/b.ts': 'b' });
      await until(() => seen().has('src/b.ts'), 'the source file');
      await watcher.settled();
      assert.deepEqual([...seen()].sort(), ['src/b.ts']);
      const watched = Object.keys((watcher as unknown as { watcher: { getWatched(): Record<string, string[]> } }).watcher.getWatched()).map((d) => path.relative(dir, d).split(path.sep).join('/'));
      for (const d of ['target', 'target/debug', 'vendor', 'vendor/lib', 'out-linux']) assert.ok(!watched.includes(d), `${d} is watched: ${watched.join(', ')}`);
    } finally {
      await watcher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

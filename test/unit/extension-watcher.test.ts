import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChangeBatcher, ExternalChangeWatcher, isIgnoredPath } from '../../src/extension/watcher';
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
});

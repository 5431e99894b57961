import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Indexer } from '../../src/indexer/indexer';
import { StoreLayout } from '../../src/indexer/layout';
import { IndexReader } from '../../src/indexer/reader';
import { ReaderRegistry } from '../../src/indexer/readers';
import { fixtureWorkspace, tempDir } from './helpers';

const registryIn = (): { dir: string; registry: ReaderRegistry } => {
  const dir = path.join(tempDir('readers'), 'readers');
  return { dir, registry: new ReaderRegistry(dir) };
};

describe('readers: who may still serve an older version of a store', () => {
  it('counts an open registration, not a closed one', () => {
    const { dir, registry } = registryIn();
    assert.equal(registry.anyLive(), false, 'no folder yet');
    const end = registry.register();
    assert.equal(registry.anyLive(), true);
    end();
    end(); // idempotent
    assert.equal(registry.anyLive(), false);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it("removes a dead process's registration, and one naming our pid that this process did not write", () => {
    const { dir, registry } = registryIn();
    fs.mkdirSync(dir, { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.writeFileSync(path.join(dir, 'dead.json'), JSON.stringify({ pid: gone, host: os.hostname(), token: 'a', at: 0 }));
    fs.writeFileSync(path.join(dir, 'former.json'), JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'b', at: 0 }));
    assert.equal(registry.anyLive(), false);
    assert.deepEqual(fs.readdirSync(dir), [], 'both removed');
  });

  it("keeps another host's registration, and an unreadable one until it is a minute old", () => {
    const { dir, registry } = registryIn();
    fs.mkdirSync(dir, { recursive: true });
    const remote = path.join(dir, 'remote.json');
    fs.writeFileSync(remote, JSON.stringify({ pid: 1, host: 'another-machine', token: 'c', at: 0 }));
    assert.equal(registry.anyLive(), true);
    fs.rmSync(remote);
    const torn = path.join(dir, 'torn.json');
    fs.writeFileSync(torn, '{"pid": 12');
    assert.equal(registry.anyLive(), true, 'a fresh unreadable registration counts');
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(torn, old, old);
    assert.equal(registry.anyLive(), false);
    assert.equal(fs.existsSync(torn), false);
  });

  it('a run prunes the versions its compaction replaced at once when no reader is open, and keeps them while one is', async function () {
    this.timeout(120_000);
    const ws = fixtureWorkspace();
    const storeDir = tempDir('store');
    const run = async () => {
      const ix = await Indexer.open({ storeDir, roots: [{ name: '', path: ws }], embedder: { kind: 'static' }, workers: 1 });
      try {
        await ix.index();
      } finally {
        await ix.close();
      }
    };
    const olderVersions = async () => {
      const reader = await IndexReader.open(storeDir);
      try {
        return (await reader.status()).disk.olderVersions;
      } finally {
        reader.close();
      }
    };
    const touchAll = (mark: string) => {
      for (const f of fs.readdirSync(ws)) fs.appendFileSync(path.join(ws, f), `\n// ${mark}\n`);
    };
    await run();
    assert.equal(await olderVersions(), 0, 'nobody read the store: its first run left only its latest version');
    const reader = await IndexReader.open(storeDir);
    try {
      assert.equal(fs.readdirSync(new StoreLayout(storeDir).readersDir).length, 1, 'the open reader is registered');
      touchAll('second');
      await run();
      const disk = (await reader.status()).disk;
      assert.ok(disk.olderVersions > 0, `a reader is open: the replaced versions stay for it (${JSON.stringify(disk)})`);
      assert.ok(await reader.refresh());
      assert.ok((await reader.search('parse a config file')).length > 0, 'the reader serves the latest version');
    } finally {
      reader.close();
    }
    touchAll('third');
    await run();
    assert.equal(await olderVersions(), 0, 'the reader closed: the third run pruned at once');
  });
});

// Leases on an open engine or reader (src/indexer/leases.ts), and searches that never run on a
// store closed or deleted under them (issue 12, item 1: "Table chunks is closed").
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SemindexError } from '../../src/indexer/errors';
import { Indexer } from '../../src/indexer/indexer';
import { RETIRED_GRACE_MS, StoreLayout } from '../../src/indexer/layout';
import { type Lease, LeaseSource, withLease } from '../../src/indexer/leases';
import { IndexReader } from '../../src/indexer/reader';
import { fixtureWorkspace, tempDir } from './helpers';

const staticEmbedder = { kind: 'static' as const };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const open = (ws: string, storeDir: string) => Indexer.open({ storeDir, roots: [{ name: '', path: ws }], embedder: staticEmbedder, workers: 1 });

describe('leases on an open engine or reader (issue 12, item 1)', function () {
  this.timeout(180_000);

  it('close refuses new leases with CLOSED, waits for the open ones, then disposes once', async () => {
    let disposed = 0;
    const source = new LeaseSource('store', () => {
      disposed++;
    });
    const a = source.acquire();
    const b = source.acquire();
    let closed = false;
    const closing = source.close().then(() => (closed = true));
    assert.throws(() => source.acquire(), (err: unknown) => SemindexError.is(err, 'CLOSED'));
    a.release();
    a.release(); // idempotent: b still holds it open
    await sleep(10);
    assert.equal(closed, false);
    assert.equal(disposed, 0);
    b.release();
    await closing;
    assert.equal(disposed, 1);
    await source.close();
    assert.equal(disposed, 1);
  });

  it('withLease asks once more when refused, and releases every lease it took', async () => {
    const old = new LeaseSource('old');
    const next = new LeaseSource('new');
    void old.close();
    let current = old;
    const seen = await withLease(
      async () => {
        const lease = current.acquire();
        return lease;
      },
      async (v) => v,
    ).catch((err) => err);
    assert.ok(SemindexError.is(seen, 'CLOSED'), 'refused twice by the same closing source: the error comes through');
    const asked: string[] = [];
    const got = await withLease(
      async () => {
        try {
          return current.acquire();
        } finally {
          asked.push(current.value);
          current = next; // what replaced it
        }
      },
      async (v) => v,
    );
    assert.equal(got, 'new');
    assert.deepEqual(asked, ['old', 'new']);
    assert.equal(next.leases, 0);
  });

  it('continuous searches while the engine is closed and reopened and while an index is promoted: no search fails', async () => {
    const ws = fixtureWorkspace();
    const storeDir = tempDir('store');
    // An index of an older format: a new one is built beside it and promoted at the end of the run.
    const first = await open(ws, storeDir);
    await first.index();
    await first.close();
    const layout = new StoreLayout(storeDir);
    const manifest = layout.read();
    const oldDir = manifest.active!.dir;
    delete manifest.active!.format;
    layout.write(manifest);

    // What the extension holds (session.ts): the engine and the read-only view, each behind its leases.
    let engine: Indexer | undefined;
    let engineLeases: LeaseSource<Indexer> | undefined;
    let reader: LeaseSource<IndexReader> | undefined = new LeaseSource(await IndexReader.open(storeDir), (r) => r.close());
    let reopened: Promise<void> = Promise.resolve();
    const lease = async (): Promise<Lease<Pick<Indexer, 'search'>> | undefined> => {
      if (!engine) await reopened;
      if (engine && !engine.isBuilding) return engineLeases?.acquire();
      return reader?.acquire() ?? engineLeases?.acquire();
    };
    const failures: unknown[] = [];
    let searches = 0;
    let stop = false;
    const searcher = async () => {
      while (!stop) {
        try {
          const hits = await withLease(lease, (s) => s.search('parse header', { k: 5, mode: 'hybrid' }));
          if (hits) searches++;
        } catch (err) {
          failures.push(err);
        }
        await sleep(1);
      }
    };
    const loops = [searcher(), searcher(), searcher()];
    try {
      engine = await open(ws, storeDir);
      engineLeases = new LeaseSource(engine);
      assert.equal(engine.isBuilding, true);
      await engine.index(); // promotes the new index: the old one is retired, not deleted
      assert.notEqual(layout.read().active!.dir, oldDir);
      // Searches still on the reader after the promotion (the switch waits for them) find the old index there.
      const onReader = searches;
      for (let i = 0; i < 3; i++) await withLease(async () => reader?.acquire(), (r) => r.search('parse header', { k: 5, mode: 'hybrid' }));
      assert.ok(fs.existsSync(path.join(storeDir, oldDir)), 'the replaced index stays while readers may serve it');
      const closingReader = reader;
      reader = undefined;
      await closingReader.close();
      assert.ok(searches > onReader || searches > 0);

      // Close and reopen the engine under running searches, as a settings change or a rebuild does.
      for (let round = 0; round < 3; round++) {
        const closing = engine!;
        const leases = engineLeases!;
        let done!: () => void;
        reopened = new Promise((r) => (done = r));
        engine = undefined;
        engineLeases = undefined;
        await leases.close(); // running searches finish first; new ones wait for the reopen
        await closing.close();
        await assert.rejects(closing.search('parse header'), 'a search without a lease on the closed engine would fail');
        engine = await open(ws, storeDir);
        engineLeases = new LeaseSource(engine);
        done();
        const before = searches;
        for (let i = 0; i < 50 && searches < before + 3; i++) await sleep(20);
      }
    } finally {
      stop = true;
      await Promise.all(loops);
      await reader?.close();
      await engine?.close();
    }
    assert.deepEqual(failures.map(String), []);
    assert.ok(searches > 10, `${searches} searches ran`);
    // The retired index goes once its grace is over (a writer removes it).
    await layout.removeRetired(Date.now() + RETIRED_GRACE_MS);
    assert.ok(!fs.existsSync(path.join(storeDir, oldDir)));
    assert.equal(layout.read().retired, undefined);
  });
});

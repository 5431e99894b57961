import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileCatalog, type FileRecord } from '../../src/indexer/catalog';
import { SemindexError } from '../../src/indexer/errors';
import { StoreLock } from '../../src/indexer/lock';
import { tempDir } from './helpers';

const rec = (p: string, hash = 'h'): FileRecord => ({ root: '', path: p, size: 1, mtimeMs: 1, hash, chunks: 1, status: 'indexed', at: 1 });

describe('file catalog (checkpoint)', () => {
  it('replays records and deletions across reopen', async () => {
    const file = path.join(tempDir('cat'), 'catalog.jsonl');
    const c = await FileCatalog.open(file);
    await c.write([rec('a'), rec('b')]);
    await c.write([rec('a', 'h2')], [{ root: '', path: 'b' }]);
    await c.close();
    const again = await FileCatalog.open(file);
    assert.equal(again.size, 1);
    assert.equal(again.get('', 'a')?.hash, 'h2');
    await again.close();
  });

  it('drops a torn last line (a kill mid-append) and appends cleanly after it', async () => {
    const file = path.join(tempDir('cat'), 'catalog.jsonl');
    const c = await FileCatalog.open(file);
    await c.write([rec('a')]);
    await c.close();
    fs.appendFileSync(file, '{"root":"","path":"b","si');
    const again = await FileCatalog.open(file);
    assert.equal(again.size, 1);
    await again.write([rec('c')]);
    await again.close();
    assert.deepEqual([...(await FileCatalog.open(file)).all()].map((r) => r.path).sort(), ['a', 'c']);
  });

  it('moves a catalog damaged in the middle aside and says so', async () => {
    const dir = tempDir('cat');
    const file = path.join(dir, 'catalog.jsonl');
    fs.writeFileSync(file, JSON.stringify(rec('a')) + '\n#garbage#\n' + JSON.stringify(rec('b')) + '\n');
    const c = await FileCatalog.open(file);
    assert.equal(c.size, 0);
    assert.ok(c.recoveredFrom && fs.existsSync(c.recoveredFrom));
    await c.close();
  });

  it('compacts to one line per file when the log has grown', async () => {
    const file = path.join(tempDir('cat'), 'catalog.jsonl');
    const c = await FileCatalog.open(file);
    // Not awaited one by one: queued writes land in order.
    await Promise.all(Array.from({ length: 1100 }, (_, i) => c.write([rec('a', String(i))])));
    await c.compactIfNeeded();
    await c.write([rec('b')]);
    await c.close();
    assert.equal(fs.readFileSync(file, 'utf8').trim().split('\n').length, 2);
    assert.equal((await FileCatalog.open(file)).get('', 'a')?.hash, '1099');
  });
});

describe('store lock', () => {
  it('lets one writer in and names the holder to the next', async () => {
    const file = path.join(tempDir('lock'), 'lock');
    const a = await StoreLock.acquire(file, 'first');
    await assert.rejects(StoreLock.acquire(file, 'second'), (err: unknown) => SemindexError.is(err, 'BUSY') && err.holder?.owner === 'first');
    assert.deepEqual(a.taken.how, 'free');
    a.release();
    const b = await StoreLock.acquire(file, 'second');
    assert.equal(b.taken.how, 'free', 'released: free at once');
    b.release();
  });

  it('retries a live holder with backoff and wins once it lets go; busy once the wait is over (issue 12, item 4)', async () => {
    const file = path.join(tempDir('lock'), 'lock');
    const a = await StoreLock.acquire(file, 'cli');
    const t0 = Date.now();
    setTimeout(() => a.release(), 600);
    // Another owner too: a window reload, or the CLI finishing a run.
    const b = await StoreLock.acquire(file, 'vscode', { waitMs: 10_000 });
    assert.ok(Date.now() - t0 >= 500, 'it waited for the release');
    assert.equal(b.taken.how, 'waited', 'says it waited (the extension logs it after a reload)');
    assert.ok(b.taken.ms >= 500);
    // A holder that never lets go: busy once the wait is over, naming it.
    const t1 = Date.now();
    await assert.rejects(StoreLock.acquire(file, 'cli', { waitMs: 300 }), (err: unknown) => SemindexError.is(err, 'BUSY') && err.holder?.owner === 'vscode');
    assert.ok(Date.now() - t1 < 2000);
    b.release();
  });

  it('takes over a lock naming our own pid whose lease lapsed (a restarted container reuses pids) (issue 12, item 4)', async () => {
    const file = path.join(tempDir('lock'), 'lock');
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'former', owner: 'vscode', expires: Date.now() - 1 }));
    const lock = await StoreLock.acquire(file, 'vscode');
    assert.notEqual(JSON.parse(fs.readFileSync(file, 'utf8')).token, 'former');
    lock.release();
  });

  it('takes over a lock naming our own pid that this process does not hold, lease or not (issue 12, item 4)', async () => {
    const file = path.join(tempDir('lock'), 'lock');
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'former', owner: 'vscode', expires: Date.now() + 60_000 }));
    const lock = await StoreLock.acquire(file, 'vscode');
    // One this process does hold is live, though: the same pid, its token.
    await assert.rejects(StoreLock.acquire(file, 'cli'), (err: unknown) => SemindexError.is(err, 'BUSY'));
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another process (pid reuse, told by the start time) (issue 12, item 4)', async function () {
    if (process.platform !== 'linux') this.skip();
    const file = path.join(tempDir('lock'), 'lock');
    // pid 1 is alive, but it is not the process that wrote this lock.
    fs.writeFileSync(file, JSON.stringify({ pid: 1, host: os.hostname(), token: 'former', owner: 'vscode', expires: Date.now() + 60_000, proc: 'another-boot:1' }));
    const lock = await StoreLock.acquire(file, 'vscode');
    lock.release();
  });

  it('a lease that cannot be renewed is noticed as lost, from the timer, without an unhandled error (issue 12, item 4)', async () => {
    const dir = tempDir('lock');
    const file = path.join(dir, 'lock');
    let lost: SemindexError | undefined;
    const lock = await StoreLock.acquire(file, 'vscode', { leaseMs: 200, renewMs: 40, onLost: (err) => (lost = err) });
    // The store folder vanishes: every renewal fails (it threw from the timer before).
    fs.rmSync(dir, { recursive: true, force: true });
    for (let i = 0; i < 50 && !lost; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lost?.code, 'LOST_LOCK');
    assert.equal(lock.lost, lost);
    assert.throws(() => lock.check(), (err: unknown) => SemindexError.is(err, 'LOST_LOCK'));
    lock.release();
  });

  it('a lease taken over by another writer is noticed before the next write (issue 12, item 4)', async () => {
    const file = path.join(tempDir('lock'), 'lock');
    const lock = await StoreLock.acquire(file, 'vscode');
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'successor', owner: 'cli', expires: Date.now() + 60_000 }));
    assert.throws(() => lock.check(), (err: unknown) => SemindexError.is(err, 'LOST_LOCK'));
    lock.release();
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).token, 'successor', 'the successor keeps its lock');
  });

  it('waitForRelease resolves once the holder lets go', async () => {
    const file = path.join(tempDir('lock'), 'lock');
    const a = await StoreLock.acquire(file, 'cli');
    let released = false;
    setTimeout(() => {
      released = true;
      a.release();
    }, 300);
    assert.equal(await StoreLock.waitForRelease(file), true);
    assert.ok(released);
    const abort = new AbortController();
    const b = await StoreLock.acquire(file, 'cli');
    setTimeout(() => abort.abort(), 100);
    assert.equal(await StoreLock.waitForRelease(file, abort.signal), false);
    b.release();
  });

  it('takes over a lock held by a zombie (exited, not yet reaped) process', async function () {
    if (process.platform !== 'linux') this.skip();
    const file = path.join(tempDir('lock'), 'lock');
    // A child that exits while nobody waits for it stays a zombie until reaped: a detached
    // grandchild of a shell that is itself kept alive and never calls wait().
    const { spawn } = await import('node:child_process');
    const shell = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((resolve) => shell.stdout.once('data', (d) => resolve(String(d).trim()))));
      const stat = () => fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      for (let i = 0; i < 50 && !/\) Z /.test(stat()); i++) await new Promise((r) => setTimeout(r, 20));
      assert.match(stat(), /\) Z /, 'the child is a zombie');
      fs.writeFileSync(file, JSON.stringify({ pid, host: os.hostname(), token: 'x', owner: 'vscode', expires: Date.now() + 60_000 }));
      const lock = await StoreLock.acquire(file, 'vscode');
      lock.release();
    } finally {
      shell.kill();
    }
  });

  it('takes over a lock whose holder died', async () => {
    const file = path.join(tempDir('lock'), 'lock');
    // pid 2^22+1 is above Linux's pid_max default range: no such process.
    fs.writeFileSync(file, JSON.stringify({ pid: 4194305, host: os.hostname(), token: 'x', owner: 'dead', expires: Date.now() + 60_000 }));
    const lock = await StoreLock.acquire(file, 'alive');
    assert.equal(lock.taken.how, 'stale');
    lock.release();
    assert.equal(fs.existsSync(file), false);
  });
});

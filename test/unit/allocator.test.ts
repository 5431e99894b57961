// The heavy CLI commands run themselves again under glibc malloc settings (src/cli/allocator.ts).
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './helpers';

const CLI = path.resolve('dist/cli.js');
const WORKSPACE = path.resolve('test/fixtures/workspace');

describe('allocator: the heavy CLI commands under fewer malloc arenas', function () {
  this.timeout(120_000);
  let dir: string;
  let preload: string;

  before(function () {
    if (process.platform !== 'linux') this.skip();
    dir = tempDir('allocator');
    // Node's --require passes on to the child (execArgv): each process reports its settings.
    preload = path.join(dir, 'report.js');
    fs.writeFileSync(
      preload,
      `if (require('node:worker_threads').isMainThread) process.stderr.write('pid ' + process.pid + '\\n');\n` +
        `process.stderr.write('malloc ' + JSON.stringify([process.env.MALLOC_ARENA_MAX ?? null, process.env.MALLOC_MMAP_THRESHOLD_ ?? null]) + '\\n');\n`,
    );
  });

  /** This environment without any allocator setting of its own. */
  const cleanEnv = () => {
    const env = { ...process.env };
    for (const k of ['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'SEMINDEX_ALLOCATOR']) delete env[k];
    return env;
  };

  const cli = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, ['--require', preload, CLI, ...args], { env: { ...cleanEnv(), ...env }, encoding: 'utf8' });
    const processes = r.stderr.split('\n').flatMap((l) => (l.startsWith('malloc ') ? [JSON.parse(l.slice(7)) as (string | null)[]] : []));
    return { status: r.status, processes, stdout: r.stdout };
  };

  it('index runs itself again in a child with both settings; its exit code is the command’s', () => {
    const store = path.join(dir, 'store');
    const ok = cli(['index', WORKSPACE, '--store', store, '--json']);
    assert.equal(ok.status, 0);
    // This process first, then the child that indexed (and its worker threads, which --require reaches too).
    const [parent, ...child] = ok.processes;
    assert.deepEqual(parent, [null, null]);
    assert.ok(child.length >= 1 && child.every((p) => p[0] === '2' && p[1] === '131072'), JSON.stringify(ok.processes));
    assert.ok(JSON.parse(ok.stdout).indexed > 0, 'the child did the work');
    const bad = cli(['index', path.join(dir, 'no-such-folder'), '--store', store]);
    assert.notEqual(bad.status, 0, "the child's failure is the command's");
    assert.deepEqual(bad.processes.slice(0, 2), [[null, null], ['2', '131072']]);
  });

  it("a quick command runs in place; the user's own settings and SEMINDEX_ALLOCATOR=default are left alone", () => {
    const store = path.join(dir, 'store');
    assert.deepEqual(cli(['status', '--store', store]).processes, [[null, null]]);
    // One process (and its worker threads): nothing ran again.
    const own = cli(['index', WORKSPACE, '--store', store], { MALLOC_ARENA_MAX: '4' });
    assert.ok(own.status === 0 && own.processes.every((p) => p[0] === '4' && p[1] === null), JSON.stringify(own.processes));
    const off = cli(['index', WORKSPACE, '--store', store], { SEMINDEX_ALLOCATOR: 'default' });
    assert.ok(off.status === 0 && off.processes.every((p) => p[0] === null && p[1] === null), JSON.stringify(off.processes));
  });

  it('killed with SIGKILL, the command takes its child with it', async () => {
    // A tree that takes the child several seconds to index: it would index on alone.
    const tree = path.join(dir, 'tree');
    for (let i = 0; i < 3000; i++) {
      const sub = path.join(tree, `d${i % 30}`);
      fs.mkdirSync(sub, { recursive: true });
      fs.writeFileSync(path.join(sub, `f${i}.js`), `/** Adds ${i}. */\nfunction add${i}(a, b) {\n  return a + b + ${i};\n}\n\nfunction sub${i}(a) {\n  return a - ${i};\n}\n`);
    }
    const parent = spawn(process.execPath, ['--require', preload, CLI, 'index', tree, '--store', path.join(dir, 'killed')], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    const pids: number[] = [];
    await new Promise<void>((resolve) => {
      let text = '';
      parent.stderr!.on('data', (d: Buffer) => {
        text += d.toString();
        for (const m of text.matchAll(/^pid (\d+)$/gm)) if (!pids.includes(Number(m[1]))) pids.push(Number(m[1]));
        if (pids.length === 2) resolve();
      });
    });
    parent.kill('SIGKILL');
    const child = pids[1];
    const alive = () => {
      try {
        process.kill(child, 0);
        return true;
      } catch {
        return false;
      }
    };
    const until = Date.now() + 3_000;
    while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(), false, `child ${child} outlived its parent ${pids[0]}`);
  });
});

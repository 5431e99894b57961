// glibc's malloc settings for the heavy commands (index, eval, the benchmark). Its defaults
// give every thread that allocates an arena of its own (up to 8 per core) and raise the size above
// which a block is mmap'ed (and so handed back to the system when freed) as the process allocates
// large blocks: memory LanceDB's threads and the pool's workers freed stayed in the process. Both
// are read once, when the process starts, so the command runs itself again with them set.
// Measured peak RSS, one cold run each: the 10k C corpus (in-process Indexer) 867 / 894 / 907 MB
// by default, 735 MB with 2 arenas, 529 / 602 / 592 MB with 2 arenas and a fixed 128 KiB mmap
// threshold, wall time within the noise (62–76 s either way); the whole kernel with the CLI 1,378
// → 1,098 MB with 2 arenas alone. The extension host is VS Code's process: its allocator is
// VS Code's to set, and these figures do not apply to it.
import { spawn } from 'node:child_process';

/** Marks the child that runs the command (its channel to this process tells it when this one is gone). */
const CHILD = 'SEMINDEX_ALLOCATOR_CHILD';

/** What the heavy commands run with (unless the user set either variable). */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

/**
 * Runs this same command again in a child process with ALLOCATOR_ENV set, and resolves with the
 * child's exit code, or undefined when this process should do the work itself: not Linux, either
 * variable already set (by the user, or by the parent of this child), SEMINDEX_ALLOCATOR=default,
 * or the child could not be started. The child has a process group of its own, so that a
 * terminal's Ctrl-C reaches it once, passed on by this process as SIGINT, SIGTERM and SIGHUP are
 * (in the terminal's group too, it would get each Ctrl-C twice: the CLI aborts on a second one);
 * killed outright, this process takes the child with it. The child must not read the terminal
 * (a process group in the background that does is stopped): the MCP server, which reads stdin,
 * runs in place.
 */
export async function rerunWithAllocatorSettings(): Promise<number | undefined> {
  if (process.env[CHILD] && process.channel) {
    // This is the child: it dies with this command, as one process would. A parent killed by
    // SIGKILL (a kill -9, the tests' crash runs) passes nothing on, but its end closes the channel.
    process.channel.unref();
    process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
    return undefined;
  }
  if (process.platform !== 'linux' || process.env.SEMINDEX_ALLOCATOR === 'default') return undefined;
  if (Object.keys(ALLOCATOR_ENV).some((k) => process.env[k] !== undefined)) return undefined;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...ALLOCATOR_ENV, [CHILD]: '1' },
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const done = () => signals.forEach((s) => process.off(s, forward));
  signals.forEach((s) => process.on(s, forward));
  return new Promise((resolve) => {
    child.once('error', () => (done(), resolve(undefined)));
    child.once('exit', (code, signal) => {
      done();
      // A child killed by a signal: so is this process, as a shell expects (128 + n otherwise).
      if (signal) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}

// git's own view of a work tree, for the scan (scan.ts): which files are tracked, which untracked
// files are not ignored, how many are ignored. One `git ls-files` process per repository and
// question, never one per file. Why git and not a .gitignore matcher of our own: only git applies
// its rules exactly (case-sensitive on Linux, global excludes, .gitignore files above the root,
// tracked files that match an ignore rule); the `ignore` package differed on 1,438 files of the
// kernel tree (issue 12). Pure Node, no vscode.
import { execFile } from 'node:child_process';
import { SemindexError } from './errors';

export interface GitEntry {
  /** Relative to the folder git ran in, forward slashes; no trailing slash (nested repositories are listed as folders). */
  path: string;
  /** In git's index (tag H, S, M… of `ls-files -t`); false for an untracked file (`?`). */
  tracked: boolean;
}

/** git is there and the folder is in a work tree, but listing it failed (e.g. "dubious ownership"): SemindexError 'GIT'. */
const gitListError = (dir: string, detail: string) => new SemindexError('GIT', `git could not list ${dir}: ${detail}`);

/**
 * `git ls-files -z` of 100k files is ~6 MB; an untracked tree git lists in full (no .gitignore
 * for a node_modules) can be far more. The buffer only bounds memory, so it is generous.
 */
const MAX_BUFFER = 1 << 30;

/** Variables that point git at another repository than the one the folder is in (set inside git hooks, for one). */
const REDIRECTING_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_NAMESPACE', 'GIT_PREFIX'];

function gitEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of REDIRECTING_ENV) delete env[k];
  return env;
}

/** stdout of git run in `cwd`, or undefined when git is not installed or `cwd` is not in a work tree. */
function git(cwd: string, args: string[]): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: gitEnv(), encoding: 'buffer', maxBuffer: MAX_BUFFER, windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { code?: number | string };
      // spawn failed: no git on PATH (the caller checks that cwd exists before asking).
      if (e.code === 'ENOENT' || e.code === 'EACCES') return resolve(undefined);
      const text = stderr.toString('utf8').trim();
      if (/not a git repository|must be run in a work tree/i.test(text)) return resolve(undefined);
      reject(gitListError(cwd, text.split('\n')[0] || e.message));
    });
  });
}

/** True when `dir` is inside a git work tree and git is on PATH. */
export async function inGitWorkTree(dir: string): Promise<boolean> {
  const out = await git(dir, ['rev-parse', '--is-inside-work-tree']);
  return out?.toString('utf8').trim() === 'true';
}

/**
 * Tracked files plus untracked files git does not ignore (`git ls-files -co --exclude-standard`),
 * relative to `dir`; with `standardExcludes: false` untracked ignored files too. `paths` (names
 * relative to `dir`, taken literally) narrows the listing. Undefined when there is no git or no
 * work tree. A nested repository or submodule is one entry, a folder, whose files git lists only
 * when asked inside it.
 */
export async function gitListFiles(dir: string, opts: { standardExcludes: boolean; paths?: string[] }): Promise<GitEntry[] | undefined> {
  const args = ['--literal-pathspecs', 'ls-files', '-z', '-t', '--cached', '--others'];
  if (opts.standardExcludes) args.push('--exclude-standard');
  if (opts.paths) args.push('--', ...opts.paths);
  const out = await git(dir, args);
  if (!out) return undefined;
  const seen = new Map<string, GitEntry>();
  for (const item of out.toString('utf8').split('\0')) {
    // "<tag> <path>"; an unmerged file is listed once per stage.
    if (item.length < 3 || item[1] !== ' ') continue;
    let p = item.slice(2);
    if (p.endsWith('/')) p = p.slice(0, -1);
    if (!p || p === '.') continue;
    const tracked = item[0] !== '?';
    const had = seen.get(p);
    if (!had || (tracked && !had.tracked)) seen.set(p, { path: p, tracked });
  }
  return [...seen.values()];
}

/**
 * How many untracked entries under `dir` git ignores: files, and folders ignored whole counted
 * once each (`--directory`, so git need not walk a node_modules to answer). 0 without git.
 */
export async function gitIgnoredCount(dir: string): Promise<number> {
  const out = await git(dir, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory', '--no-empty-directory']);
  if (!out) return 0;
  let n = 0;
  for (const item of out.toString('utf8').split('\0')) if (item) n++;
  return n;
}

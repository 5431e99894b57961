// Stage 1 — scan: list the candidate files of each root with their size and mtime.
// Inside a git work tree git decides which files are candidates (git.ts): tracked files plus
// untracked ones it does not ignore, exactly as `git ls-files -co --exclude-standard` lists them.
// Elsewhere (no git on PATH, or no repository) the roots are walked, with .gitignore at every
// level and .git/info/exclude matched case-sensitively, as git on Linux does. Built-in directory
// excludes (node_modules, dist, build…) apply to untracked files only: a file git tracks is part
// of the project, wherever it lies. Secret files (secrets.ts), user globs and the type, size and
// symlink rules apply to every file. Every file left out is counted by reason (ScanResult.excluded)
// or listed with one (skipped).
// Only lstat/stat/readdir and one `git ls-files` per repository happen here: contents are read by
// the workers (binary, minified and private-key checks need the bytes anyway), so a scan of an
// unchanged 100k-file tree stays cheap.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { SemindexError } from './errors';
import { type GitEntry, gitIgnoredCount, gitListFiles, inGitWorkTree } from './git';
import { SECRET_REASON, secretFileRule } from './secrets';

export interface Root {
  /** Label shown in results for multi-root workspaces ("" when there is a single root). */
  name: string;
  /** Absolute path. */
  path: string;
}

export interface ScanOptions {
  /** Glob patterns (picomatch, relative to the root) a file must match; empty = every file. */
  include?: string[];
  /** Glob patterns excluded on top of .gitignore and the built-in excludes. */
  exclude?: string[];
  /** Files larger than this are skipped (bytes). */
  maxFileSize?: number;
  /** Honour .gitignore files and .git/info/exclude (default true). */
  useGitignore?: boolean;
  /**
   * Glob patterns of files to index although a secret rule would skip them (secrets.ts: a key
   * file, a .env, a file holding a private key). Tokens inside are still redacted.
   */
  allowSecretFiles?: string[];
}

export interface CandidateFile {
  root: string;
  /** Path relative to its root, forward slashes. */
  path: string;
  abs: string;
  size: number;
  mtimeMs: number;
  /** Matched by allowSecretFiles: the workers do not skip it for a private key. */
  allowSecret?: boolean;
}

export interface SkippedFile {
  root: string;
  path: string;
  reason: string;
}

/** Why a file was left out without being listed: .gitignore (git's view), a user glob, a built-in rule. */
export type ExcludeReason = 'gitignore' | 'setting' | 'builtin';

/**
 * Files left out, by reason. `gitignore`, `setting` and `builtin` count files never listed; a
 * folder left out whole, without looking inside, counts once. `secret` counts the skipped files
 * whose reason is "likely secret: …" (they are among `skipped`, listed with that reason).
 */
export interface ExcludedCounts {
  gitignore: number;
  setting: number;
  builtin: number;
  secret: number;
}

export interface ScanResult {
  files: CandidateFile[];
  skipped: SkippedFile[];
  excluded: ExcludedCounts;
  /** Things the user should know about the scan (git failed and the folder was walked instead). */
  warnings: string[];
}

export const DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

/** Directories no user wants searched: VCS data, dependencies, build output, caches. */
export const EXCLUDED_DIRS: ReadonlySet<string> = new Set([
  '.git', '.hg', '.svn', 'node_modules', 'bower_components', 'dist', 'build', 'out', '.next', '.nuxt',
  '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', '.pytest_cache', '.gradle', '.idea', '.vscode-test',
  'coverage', '.cache', '.semindex',
]);

/** Version-control metadata: never part of the project, so not counted as left out. */
const VCS_DIRS: ReadonlySet<string> = new Set(['.git', '.hg', '.svn']);

/** Lock files and other generated files that are text but never worth searching. */
const EXCLUDED_FILES = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'Cargo.lock', 'poetry.lock',
  'Pipfile.lock', 'composer.lock', 'Gemfile.lock', 'go.sum', 'bun.lockb', 'flake.lock', '.DS_Store',
]);

/** Extensions of files that are binary by nature: skipped without opening them. */
const BINARY_EXTENSIONS = new Set(
  ('png jpg jpeg gif bmp ico webp tif tiff psd svgz pdf zip gz tgz bz2 xz 7z rar jar war ear class ' +
    'so dylib dll exe o a lib obj bin dat db sqlite wasm woff woff2 ttf otf eot mp3 mp4 m4a wav ogg flac ' +
    'avi mov mkv webm pyc pyo whl node lance arrow parquet npy npz pt onnx pb tflite iso dmg img')
    .split(' '),
);

/** Files git mode stats between two yields to the event loop (a few ms of blocking each). */
const LSTAT_SLICE = 1000;

/** More distinct folders than this in one vet: list the repository once instead of asking git per folder. */
const VET_GIT_FOLDERS = 8;

export interface IgnoreScope {
  /** Directory of the .gitignore, relative to the root ("" for the root). */
  dir: string;
  matcher: Ignore;
}

/** Where git stands on a path: in its index, untracked but not ignored; absent = ignored (or gone). */
type GitStates = Map<string, 'tracked' | 'untracked'>;

/** git on Linux matches .gitignore patterns case-sensitively (`*.s` is not `foo.S`); so does the walk. */
export function gitignoreMatcher(text: string): Ignore {
  return ignore({ ignorecase: false }).add(text);
}

export const noExclusions = (): ExcludedCounts => ({ gitignore: 0, setting: 0, builtin: 0, secret: 0 });

export async function scan(roots: Root[], opts: ScanOptions = {}): Promise<ScanResult> {
  const result: ScanResult = { files: [], skipped: [], excluded: noExclusions(), warnings: [] };
  for (const [i, root] of roots.entries()) {
    // The same folder opened twice: the first one has its files.
    if (roots.slice(0, i).some((r) => path.resolve(r.path) === path.resolve(root.path))) continue;
    await new RootScanner(root, opts, nestedRoots(roots, root)).scan(result);
  }
  result.excluded.secret = result.skipped.filter((s) => s.reason.startsWith(SECRET_REASON)).length;
  return result;
}

export type VetResult =
  | { kind: 'file'; file: CandidateFile }
  | { kind: 'skipped'; skipped: SkippedFile }
  /** Excluded by .gitignore, the built-in excludes or the user's globs (no reason: a folder): not indexed, not reported. */
  | { kind: 'excluded'; root: string; path: string; reason?: ExcludeReason }
  /** Gone (deleted or renamed away): its rows leave the index. */
  | { kind: 'missing'; root: string; path: string }
  | { kind: 'outside' };

/** Applies the scan's rules to single files (a save, a watcher event) without walking the tree. */
export async function vetFiles(roots: Root[], absPaths: string[], opts: ScanOptions = {}): Promise<VetResult[]> {
  const where = absPaths.map((abs) => relativeToRoots(roots, abs));
  const scanners = new Map<string, { scanner: RootScanner; git: Promise<GitStates | undefined> }>();
  for (const root of roots) {
    const rels = where.filter((w) => w?.root === root.name).map((w) => w!.path);
    if (!rels.length) continue;
    const scanner = new RootScanner(root, opts);
    scanners.set(root.name, { scanner, git: scanner.gitStates(rels) });
  }
  const out: VetResult[] = [];
  for (const w of where) {
    if (!w) { out.push({ kind: 'outside' }); continue; }
    const { scanner, git } = scanners.get(w.root)!;
    out.push(await scanner.vet(w.path, await git));
  }
  return out;
}

class RootScanner {
  private readonly include: picomatch.Matcher | undefined;
  private readonly exclude: picomatch.Matcher | undefined;
  private readonly allowSecret: picomatch.Matcher | undefined;
  private readonly maxFileSize: number;
  private readonly useGitignore: boolean;
  private rootReal: string | undefined;
  /** .gitignore scopes by directory (relative path), for vetting single files. */
  private readonly scopeCache = new Map<string, IgnoreScope[]>();
  /** User globs against folders (git mode tests each file's folders), by relative path. */
  private readonly userDirCache = new Map<string, boolean>();

  constructor(
    private readonly root: Root,
    opts: ScanOptions,
    /** Folders of other roots inside this one (relative paths): their files are theirs, not this root's. */
    private readonly nested: readonly string[] = [],
  ) {
    this.maxFileSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    this.useGitignore = opts.useGitignore ?? true;
    this.include = opts.include?.length ? picomatch(opts.include, { dot: true }) : undefined;
    this.exclude = opts.exclude?.length ? picomatch(opts.exclude, { dot: true }) : undefined;
    this.allowSecret = opts.allowSecretFiles?.length ? picomatch(opts.allowSecretFiles, { dot: true }) : undefined;
  }

  private async realRoot(): Promise<string> {
    this.rootReal ??= await fs.promises.realpath(this.root.path).catch(() => undefined);
    if (!this.rootReal) throw new SemindexError('USAGE', `root folder does not exist or cannot be read: ${this.root.path}`);
    return this.rootReal;
  }

  private abs(rel: string): string {
    return rel ? path.join(this.root.path, ...rel.split('/')) : this.root.path;
  }

  // ——— rules ———

  private isNestedRoot(rel: string): boolean {
    return this.nested.includes(rel);
  }

  private underNestedRoot(rel: string): boolean {
    return this.nested.some((n) => rel === n || rel.startsWith(n + '/'));
  }

  private matcher(text: string): Ignore {
    return gitignoreMatcher(text);
  }

  private async rootScopes(): Promise<IgnoreScope[]> {
    if (!this.useGitignore) return [];
    const text = await readText(path.join(this.root.path, '.git', 'info', 'exclude'));
    return text ? [{ dir: '', matcher: this.matcher(text) }] : [];
  }

  private async withGitignore(scopes: IgnoreScope[], dirAbs: string, dirRel: string): Promise<IgnoreScope[]> {
    if (!this.useGitignore) return scopes;
    const text = await readText(path.join(dirAbs, '.gitignore'));
    return text ? [...scopes, { dir: dirRel, matcher: this.matcher(text) }] : scopes;
  }

  private userExcludedDir(dirRel: string): boolean {
    if (!this.exclude) return false;
    let hit = this.userDirCache.get(dirRel);
    if (hit === undefined) this.userDirCache.set(dirRel, (hit = this.exclude(dirRel + '/')));
    return hit;
  }

  /** Why the walk leaves a folder out, if it does (scopes: the .gitignore files above it). */
  private excludedDir(name: string, rel: string, scopes: IgnoreScope[]): ExcludeReason | undefined {
    if (EXCLUDED_DIRS.has(name)) return 'builtin';
    if (isIgnored(scopes, rel, true)) return 'gitignore';
    if (this.userExcludedDir(rel)) return 'setting';
    return undefined;
  }

  /**
   * Why git mode leaves out a path git lists (its folders, and itself if `isDir`): a user glob on
   * any of its folders; for an untracked path, a built-in folder name too.
   */
  private excludedInGit(rel: string, untracked: boolean, isDir: boolean): ExcludeReason | undefined {
    const parts = rel.split('/');
    const dirs = isDir ? parts.length : parts.length - 1;
    if (untracked) for (let i = 0; i < dirs; i++) if (EXCLUDED_DIRS.has(parts[i])) return 'builtin';
    if (this.exclude) for (let i = 1; i <= dirs; i++) if (this.userExcludedDir(parts.slice(0, i).join('/'))) return 'setting';
    return undefined;
  }

  /**
   * Everything about one non-directory entry its folders let through: candidate, skipped with a
   * reason, or excluded. `scopes`: the .gitignore files that apply (the walk); undefined when git
   * has already applied them.
   */
  private async classify(rel: string, abs: string, stat: fs.Stats, isLink: boolean, scopes: IgnoreScope[] | undefined): Promise<VetResult> {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    const root = this.root.name;
    const skipped = (reason: string): VetResult => ({ kind: 'skipped', skipped: { root, path: rel, reason } });
    const excluded = (reason: ExcludeReason): VetResult => ({ kind: 'excluded', root, path: rel, reason });
    if (EXCLUDED_FILES.has(name)) return excluded('builtin');
    if (scopes && isIgnored(scopes, rel, false)) return excluded('gitignore');
    if (this.exclude?.(rel) || (this.include && !this.include(rel))) return excluded('setting');
    const allowSecret = !!this.allowSecret?.(rel);
    const secret = allowSecret ? undefined : secretFileRule(rel);
    if (secret) return skipped(SECRET_REASON + secret);
    if (!stat.isFile()) return skipped(stat.isFIFO() ? 'named pipe (FIFO)' : stat.isSocket() ? 'socket' : 'device or special file');
    if (isLink) {
      const real = await fs.promises.realpath(abs).catch(() => undefined);
      if (!real || !isInside(await this.realRoot(), real)) return skipped('symbolic link leads outside the root');
    }
    const ext = path.extname(name).slice(1).toLowerCase();
    if (BINARY_EXTENSIONS.has(ext)) return skipped(`binary file type (.${ext})`);
    if (/\.min\.(js|css|mjs)$/i.test(name)) return skipped('minified file (.min)');
    if (stat.size > this.maxFileSize) return skipped(`larger than the size limit (${formatBytes(stat.size)} > ${formatBytes(this.maxFileSize)})`);
    return { kind: 'file', file: { root, path: rel, abs, size: stat.size, mtimeMs: Math.trunc(stat.mtimeMs), ...(allowSecret ? { allowSecret: true } : {}) } };
  }

  private add(out: ScanResult, r: VetResult): void {
    if (r.kind === 'file') out.files.push(r.file);
    else if (r.kind === 'skipped') out.skipped.push(r.skipped);
    else if (r.kind === 'excluded' && r.reason) out.excluded[r.reason]++;
  }

  // ——— full scan ———

  async scan(out: ScanResult): Promise<void> {
    await this.realRoot();
    try {
      if (await this.scanGit(out)) return;
    } catch (err) {
      if (!SemindexError.is(err, 'GIT')) throw err;
      // git is there but refused (e.g. a repository owned by another user): walk, and say so.
      out.warnings.push(`semindex: ${err.message}; the folder was walked instead, with .gitignore files read by semindex`);
      out.files = out.files.filter((f) => f.root !== this.root.name);
      out.skipped = out.skipped.filter((f) => f.root !== this.root.name);
    }
    await this.walk(out);
  }

  /** Git mode; false when git is missing or the root is in no work tree (then the tree is walked). */
  private async scanGit(out: ScanResult): Promise<boolean> {
    if (!(await inGitWorkTree(this.root.path))) return false;
    const excluded = noExclusions();
    await this.scanRepo('', out, excluded);
    for (const k of ['gitignore', 'setting', 'builtin'] as const) out.excluded[k] += excluded[k];
    return true;
  }

  /** One repository: the root's, or a submodule or nested repository at `dirRel`, and those inside it. */
  private async scanRepo(dirRel: string, out: ScanResult, excluded: ExcludedCounts): Promise<void> {
    const dirAbs = this.abs(dirRel);
    const [entries, ignored] = await Promise.all([
      gitListFiles(dirAbs, { standardExcludes: this.useGitignore }),
      this.useGitignore ? gitIgnoredCount(dirAbs) : Promise.resolve(0),
    ]);
    if (!entries) return;
    excluded.gitignore += ignored;
    // Sorted so that scans, and therefore runs, are deterministic.
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const skip = (rel: string, reason: string) => out.skipped.push({ root: this.root.name, path: rel, reason });
    for (const [i, e] of entries.entries()) {
      // lstatSync, yielding every LSTAT_SLICE files: on 82k files (a loaded 2-core machine) the
      // promise API took 3.9–4.5 s one after the other, slower still in parallel, lstatSync 0.4–0.6 s.
      if (i % LSTAT_SLICE === LSTAT_SLICE - 1) await new Promise<void>((resolve) => setImmediate(resolve));
      const rel = dirRel ? `${dirRel}/${e.path}` : e.path;
      if (this.nested.length && this.underNestedRoot(rel)) continue;
      const abs = this.abs(rel);
      let lst: fs.Stats | undefined;
      try {
        lst = fs.lstatSync(abs, { throwIfNoEntry: false });
      } catch (err) {
        skip(rel, `cannot stat: ${errorText(err)}`);
        continue;
      }
      if (!lst) {
        // A tracked file deleted from the work tree is not there to index; a name that is not
        // UTF-8 cannot be opened by the name git gave us (decoded with U+FFFD), so it is listed.
        if (rel.includes('\uFFFD')) skip(rel, 'file name is not valid UTF-8');
        continue;
      }
      const isDir = lst.isDirectory();
      const why = this.excludedInGit(rel, !e.tracked, isDir);
      if (why) { excluded[why]++; continue; }
      if (isDir) {
        // A submodule or nested repository: git lists its files only from inside it. An
        // uninitialised submodule is an empty folder without .git: nothing to list.
        if (await exists(path.join(abs, '.git'))) await this.scanRepo(rel, out, excluded);
        continue;
      }
      let stat = lst;
      if (lst.isSymbolicLink()) {
        try {
          stat = await fs.promises.stat(abs);
        } catch (err) {
          skip(rel, `broken symbolic link: ${errorText(err)}`);
          continue;
        }
        if (stat.isDirectory()) {
          // git lists the link, not the files behind it; those inside the root are listed where they lie.
          const real = await fs.promises.realpath(abs).catch(() => undefined);
          skip(rel, real && isInside(await this.realRoot(), real) ? 'symbolic link to a folder (not followed: git lists the link, not the files behind it)' : 'symbolic link leads outside the root');
          continue;
        }
      }
      this.add(out, await this.classify(rel, abs, stat, lst.isSymbolicLink(), undefined));
    }
  }

  /** The fallback: walk the tree, reading .gitignore files on the way. */
  private async walk(out: ScanResult): Promise<void> {
    const rootReal = await this.realRoot();
    // Real paths of directories entered so far: a symlinked directory seen twice is a loop.
    const visited = new Set<string>([rootReal]);
    const skip = (rel: string, reason: string) => out.skipped.push({ root: this.root.name, path: rel, reason });
    const walkDir = async (dirAbs: string, dirRel: string, parentScopes: IgnoreScope[]): Promise<void> => {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(dirAbs, { withFileTypes: true });
      } catch (err) {
        skip(dirRel || '.', `directory cannot be read: ${errorText(err)}`);
        return;
      }
      const scopes = entries.some((e) => e.name === '.gitignore') ? await this.withGitignore(parentScopes, dirAbs, dirRel) : parentScopes;
      // Sorted so that scans, and therefore runs, are deterministic.
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      // A folder's entries are stat'ed together on libuv's pool: one after the other, the walk
      // of the whole kernel (78k files) waited ~4 s for the round trips (warm run 8.5 s).
      const stats = await Promise.all(
        entries.map((entry) => {
          const abs = path.join(dirAbs, entry.name);
          return (entry.isSymbolicLink() ? fs.promises.stat(abs) : fs.promises.lstat(abs)).catch((err: unknown) => err as Error);
        }),
      );
      for (const [i, entry] of entries.entries()) {
        const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
        const abs = path.join(dirAbs, entry.name);
        const isLink = entry.isSymbolicLink();
        const stat = stats[i];
        if (stat instanceof Error) {
          // Vanished since readdir, a dangling symlink or no permission: record, never crash.
          skip(rel, isLink ? `broken symbolic link: ${errorText(stat)}` : `cannot stat: ${errorText(stat)}`);
          continue;
        }
        if (stat.isDirectory()) {
          if (this.isNestedRoot(rel)) continue;
          const why = this.excludedDir(entry.name, rel, scopes);
          if (why) {
            if (!VCS_DIRS.has(entry.name)) out.excluded[why]++;
            continue;
          }
          const real = isLink ? await fs.promises.realpath(abs).catch(() => undefined) : path.join(rootReal, rel);
          if (!real) { skip(rel, 'symbolic link cannot be resolved'); continue; }
          if (!isInside(rootReal, real)) { skip(rel, 'symbolic link leads outside the root'); continue; }
          if (visited.has(real)) { skip(rel, 'symbolic link loop (directory already indexed)'); continue; }
          visited.add(real);
          await walkDir(abs, rel, scopes);
          continue;
        }
        this.add(out, await this.classify(rel, abs, stat, isLink, scopes));
      }
    };
    await walkDir(this.root.path, '', await this.rootScopes());
  }

  // ——— single files ———

  /**
   * git's standing on these files (and on each nested repository between the root and them, whose
   * own standing in its parent decides whether git's view reaches inside), or undefined when the
   * root is walked rather than listed by git. A few folders: one `git ls-files` per folder, on
   * the names in it; many (a checkout): one listing of the whole root instead.
   */
  async gitStates(rels: string[]): Promise<GitStates | undefined> {
    // Asked beside the listing, not before it: a save waits for one git call, not two.
    const inGit = inGitWorkTree(this.root.path);
    inGit.catch(() => undefined); // handled below; not an unhandled rejection meanwhile
    try {
      const ask = new Map<string, Set<string>>(); // folder → names in it
      const want = (rel: string) => {
        const slash = rel.lastIndexOf('/');
        const dir = slash < 0 ? '' : rel.slice(0, slash);
        (ask.get(dir) ?? ask.set(dir, new Set()).get(dir)!).add(rel.slice(slash + 1));
      };
      for (const rel of rels) {
        want(rel);
        const parts = rel.split('/');
        for (let i = 1; i < parts.length; i++) {
          const dir = parts.slice(0, i).join('/');
          if (await exists(path.join(this.abs(dir), '.git'))) want(dir);
        }
      }
      const states: GitStates = new Map();
      const note = (dirRel: string, entries: GitEntry[]) => {
        for (const e of entries) states.set(dirRel ? `${dirRel}/${e.path}` : e.path, e.tracked ? 'tracked' : 'untracked');
      };
      if (ask.size > VET_GIT_FOLDERS) {
        if (!(await inGit)) return undefined;
        await this.listAll('', note);
        return states;
      }
      // Never rejects: a failure matters only once the root is known to be in a work tree.
      const failure = Promise.all(
        [...ask].map(async ([dir, names]) => {
          // A folder that is gone holds no file to ask about (and git cannot run in it).
          if (!(await isDirectory(this.abs(dir)))) return;
          const entries = await gitListFiles(this.abs(dir), { standardExcludes: this.useGitignore, paths: [...names] });
          if (entries) note(dir, entries);
        }),
      ).then(
        () => undefined,
        (err: unknown) => err,
      );
      // The root decides, not the folders: a root outside any repository is walked, repositories inside it too.
      const rootInGit = await inGit.finally(() => failure);
      if (!rootInGit) return undefined;
      const err = await failure;
      if (err) throw err;
      return states;
    } catch (err) {
      if (SemindexError.is(err, 'GIT')) return undefined; // as the scan does: walk-mode rules
      throw err;
    }
  }

  /** Every path git lists in the repository at `dirRel` and the repositories nested in it. */
  private async listAll(dirRel: string, note: (dirRel: string, entries: GitEntry[]) => void): Promise<void> {
    const entries = await gitListFiles(this.abs(dirRel), { standardExcludes: this.useGitignore });
    if (!entries) return;
    note(dirRel, entries);
    for (const e of entries) {
      const rel = dirRel ? `${dirRel}/${e.path}` : e.path;
      if ((await isDirectory(this.abs(rel), false)) && (await exists(path.join(this.abs(rel), '.git')))) await this.listAll(rel, note);
    }
  }

  async vet(rel: string, git: GitStates | undefined): Promise<VetResult> {
    const root = this.root.name;
    const parts = rel.split('/');
    let scopes: IgnoreScope[] | undefined;
    if (git) {
      // Each nested repository on the way must itself be in its parent's view, then the file in its own.
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        const state = git.get(dir);
        if (state === undefined) continue; // a plain folder (git lists files, not folders)
        const why = this.excludedInGit(dir, state === 'untracked', true);
        if (why) return { kind: 'excluded', root, path: rel, reason: why };
      }
    } else {
      // Each ancestor directory must itself be included, with its .gitignore applied below it.
      scopes = this.scopeCache.get('');
      if (!scopes) {
        scopes = await this.withGitignore(await this.rootScopes(), this.root.path, '');
        this.scopeCache.set('', scopes);
      }
      for (let i = 0; i < parts.length - 1; i++) {
        const dirRel = parts.slice(0, i + 1).join('/');
        const why = this.excludedDir(parts[i], dirRel, scopes);
        if (why) return { kind: 'excluded', root, path: rel, reason: why };
        const cached = this.scopeCache.get(dirRel);
        scopes = cached ?? (await this.withGitignore(scopes, path.join(this.root.path, dirRel), dirRel));
        this.scopeCache.set(dirRel, scopes);
      }
    }
    const abs = this.abs(rel);
    let lst: fs.Stats;
    let stat: fs.Stats;
    try {
      lst = await fs.promises.lstat(abs);
      stat = lst.isSymbolicLink() ? await fs.promises.stat(abs) : lst;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing', root, path: rel };
      return { kind: 'skipped', skipped: { root, path: rel, reason: `cannot stat: ${errorText(err)}` } };
    }
    if (stat.isDirectory()) return { kind: 'excluded', root, path: rel };
    if (git) {
      const state = git.get(rel);
      if (state === undefined) return { kind: 'excluded', root, path: rel, reason: 'gitignore' };
      const why = this.excludedInGit(rel, state === 'untracked', false);
      if (why) return { kind: 'excluded', root, path: rel, reason: why };
    }
    return this.classify(rel, abs, stat, lst.isSymbolicLink(), scopes);
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.promises.lstat(p).then(
    () => true,
    () => false,
  );
}

async function isDirectory(p: string, follow = true): Promise<boolean> {
  return (follow ? fs.promises.stat(p) : fs.promises.lstat(p)).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** True when the .gitignore scopes (outermost first, each with its folder) leave `rel` out. */
export function isIgnored(scopes: IgnoreScope[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const scope of scopes) {
    const sub = scope.dir ? rel.slice(scope.dir.length + 1) : rel;
    // Deeper .gitignore files can re-include (!pattern) what a parent excluded.
    const r = scope.matcher.test(isDir ? sub + '/' : sub);
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

async function readText(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.promises.stat(file);
    if (!stat.isFile() || stat.size > DEFAULT_MAX_FILE_SIZE) return undefined;
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function errorText(err: unknown): string {
  if (err instanceof SemindexError) return err.message;
  if (err && typeof err === 'object' && 'code' in err && typeof (err as NodeJS.ErrnoException).code === 'string') {
    const e = err as NodeJS.ErrnoException;
    return `${e.code}${e.message ? ` (${e.message.replace(/^[A-Z]+: /, '').split(',')[0]})` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** The absolute path of a file scan named (root name, relative path), or undefined for an unknown root. */
export function absoluteInRoots(roots: Root[], root: string, rel: string): string | undefined {
  const r = roots.find((x) => x.name === root);
  return r && path.join(r.path, ...rel.split('/'));
}

/**
 * The absolute path of `rel` inside the root called `rootName`, or undefined when the root is
 * unknown or the path is not a plain relative path that stays inside it (absolute, drive letter,
 * `..`, `.`, empty segments, NUL). Engine paths are relative with forward slashes. For paths a
 * webview sends (untrusted) and those the store holds, read back at display time (source.ts).
 */
export function resolveInRoots(roots: readonly Root[], rootName: unknown, rel: unknown, paths: path.PlatformPath = path): string | undefined {
  if (typeof rootName !== 'string' || typeof rel !== 'string') return undefined;
  const root = roots.find((r) => r.name === rootName);
  if (!root || !rel || rel.length > 4096 || rel.includes('\0')) return undefined;
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) return undefined;
  // On Windows a backslash is a separator, so "a\..\..\x" would be a way out.
  if (paths.sep === '\\' && rel.includes('\\')) return undefined;
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return undefined;
  const abs = paths.join(root.path, ...parts);
  const back = paths.relative(root.path, abs);
  if (!back || back.startsWith('..') || paths.isAbsolute(back)) return undefined;
  return abs;
}

/**
 * The path scan would give a file, or undefined when a changed file is outside every root. With
 * nested roots (a folder and a subfolder both in the workspace) the innermost root has the file,
 * as scan gives it only to that one; the same folder twice: the first.
 */
export function relativeToRoots(roots: Root[], abs: string): { root: string; path: string } | undefined {
  let best: { root: string; path: string } | undefined;
  let depth = -1;
  for (const root of roots) {
    const rel = path.relative(root.path, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const d = path.resolve(root.path).length;
    if (d > depth) {
      depth = d;
      best = { root: root.name, path: rel.split(path.sep).join('/') };
    }
  }
  return best;
}

/** Folders of the other roots strictly inside `root`, relative to it with forward slashes. */
function nestedRoots(roots: Root[], root: Root): string[] {
  const out: string[] = [];
  for (const other of roots) {
    const rel = path.relative(root.path, other.path);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) out.push(rel.split(path.sep).join('/'));
  }
  return out;
}

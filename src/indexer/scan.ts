// Stage 1 — scan: walk the roots and list candidate files with their size and mtime.
// Respects .gitignore at every level, .git/info/exclude, built-in excludes and user globs; skips
// secret files (secrets.ts) with a reason.
// Only lstat/stat/readdir happen here: contents are read by the workers (binary, minified and
// private-key checks need the bytes anyway), so a scan of an unchanged 100k-file tree stays cheap.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
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

export interface ScanResult {
  files: CandidateFile[];
  skipped: SkippedFile[];
}

export const DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

/** Directories no user wants searched: VCS data, dependencies, build output, caches. */
export const EXCLUDED_DIRS: ReadonlySet<string> = new Set([
  '.git', '.hg', '.svn', 'node_modules', 'bower_components', 'dist', 'build', 'out', '.next', '.nuxt',
  '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', '.pytest_cache', '.gradle', '.idea', '.vscode-test',
  'coverage', '.cache', '.semindex',
]);

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

interface IgnoreScope {
  /** Directory of the .gitignore, relative to the root ("" for the root). */
  dir: string;
  matcher: Ignore;
}

export async function scan(roots: Root[], opts: ScanOptions = {}): Promise<ScanResult> {
  const result: ScanResult = { files: [], skipped: [] };
  for (const root of roots) await new RootScanner(root, opts).walk(result);
  return result;
}

export type VetResult =
  | { kind: 'file'; file: CandidateFile }
  | { kind: 'skipped'; skipped: SkippedFile }
  /** Excluded by .gitignore, the built-in excludes or the user's globs: not indexed, not reported. */
  | { kind: 'excluded'; root: string; path: string }
  /** Gone (deleted or renamed away): its rows leave the index. */
  | { kind: 'missing'; root: string; path: string }
  | { kind: 'outside' };

/** Applies the scan's rules to single files (a save, a watcher event) without walking the tree. */
export async function vetFiles(roots: Root[], absPaths: string[], opts: ScanOptions = {}): Promise<VetResult[]> {
  const scanners = new Map<string, RootScanner>();
  const out: VetResult[] = [];
  for (const abs of absPaths) {
    const where = relativeToRoots(roots, abs);
    if (!where) { out.push({ kind: 'outside' }); continue; }
    const root = roots.find((r) => r.name === where.root)!;
    const scanner = scanners.get(root.name) ?? scanners.set(root.name, new RootScanner(root, opts)).get(root.name)!;
    out.push(await scanner.vet(where.path));
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

  constructor(
    private readonly root: Root,
    opts: ScanOptions,
  ) {
    this.maxFileSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    this.useGitignore = opts.useGitignore ?? true;
    this.include = opts.include?.length ? picomatch(opts.include, { dot: true }) : undefined;
    this.exclude = opts.exclude?.length ? picomatch(opts.exclude, { dot: true }) : undefined;
    this.allowSecret = opts.allowSecretFiles?.length ? picomatch(opts.allowSecretFiles, { dot: true }) : undefined;
  }

  private async realRoot(): Promise<string> {
    this.rootReal ??= await fs.promises.realpath(this.root.path).catch(() => undefined);
    if (!this.rootReal) throw new Error(`semindex: root folder does not exist or cannot be read: ${this.root.path}`);
    return this.rootReal;
  }

  private async rootScopes(): Promise<IgnoreScope[]> {
    if (!this.useGitignore) return [];
    const text = await readText(path.join(this.root.path, '.git', 'info', 'exclude'));
    return text ? [{ dir: '', matcher: ignore().add(text) }] : [];
  }

  private async withGitignore(scopes: IgnoreScope[], dirAbs: string, dirRel: string): Promise<IgnoreScope[]> {
    if (!this.useGitignore) return scopes;
    const text = await readText(path.join(dirAbs, '.gitignore'));
    return text ? [...scopes, { dir: dirRel, matcher: ignore().add(text) }] : scopes;
  }

  private excludedDir(name: string, rel: string, scopes: IgnoreScope[]): boolean {
    return EXCLUDED_DIRS.has(name) || isIgnored(scopes, rel, true) || !!this.exclude?.(rel + '/');
  }

  /** Everything about one non-directory entry: candidate, skipped with a reason, or excluded. */
  private async classify(rel: string, abs: string, stat: fs.Stats, isLink: boolean, scopes: IgnoreScope[]): Promise<VetResult> {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    const root = this.root.name;
    const skipped = (reason: string): VetResult => ({ kind: 'skipped', skipped: { root, path: rel, reason } });
    if (EXCLUDED_FILES.has(name) || isIgnored(scopes, rel, false)) return { kind: 'excluded', root, path: rel };
    if (this.exclude?.(rel) || (this.include && !this.include(rel))) return { kind: 'excluded', root, path: rel };
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

  async walk(out: ScanResult): Promise<void> {
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
      for (const entry of entries) {
        const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
        const abs = path.join(dirAbs, entry.name);
        const isLink = entry.isSymbolicLink();
        let stat: fs.Stats;
        try {
          stat = isLink ? await fs.promises.stat(abs) : await fs.promises.lstat(abs);
        } catch (err) {
          // Vanished since readdir, a dangling symlink or no permission: record, never crash.
          skip(rel, isLink ? `broken symbolic link: ${errorText(err)}` : `cannot stat: ${errorText(err)}`);
          continue;
        }
        if (stat.isDirectory()) {
          if (this.excludedDir(entry.name, rel, scopes)) continue;
          const real = isLink ? await fs.promises.realpath(abs).catch(() => undefined) : path.join(rootReal, rel);
          if (!real) { skip(rel, 'symbolic link cannot be resolved'); continue; }
          if (!isInside(rootReal, real)) { skip(rel, 'symbolic link leads outside the root'); continue; }
          if (visited.has(real)) { skip(rel, 'symbolic link loop (directory already indexed)'); continue; }
          visited.add(real);
          await walkDir(abs, rel, scopes);
          continue;
        }
        const r = await this.classify(rel, abs, stat, isLink, scopes);
        if (r.kind === 'file') out.files.push(r.file);
        else if (r.kind === 'skipped') out.skipped.push(r.skipped);
      }
    };
    await walkDir(this.root.path, '', await this.rootScopes());
  }

  async vet(rel: string): Promise<VetResult> {
    const root = this.root.name;
    const parts = rel.split('/');
    // Each ancestor directory must itself be included, with its .gitignore applied below it.
    let scopes = this.scopeCache.get('');
    if (!scopes) {
      scopes = await this.withGitignore(await this.rootScopes(), this.root.path, '');
      this.scopeCache.set('', scopes);
    }
    for (let i = 0; i < parts.length - 1; i++) {
      const dirRel = parts.slice(0, i + 1).join('/');
      if (this.excludedDir(parts[i], dirRel, scopes)) return { kind: 'excluded', root, path: rel };
      const cached = this.scopeCache.get(dirRel);
      scopes = cached ?? (await this.withGitignore(scopes, path.join(this.root.path, dirRel), dirRel));
      this.scopeCache.set(dirRel, scopes);
    }
    const abs = path.join(this.root.path, ...parts);
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
    return this.classify(rel, abs, stat, lst.isSymbolicLink(), scopes);
  }
}

function isIgnored(scopes: IgnoreScope[], rel: string, isDir: boolean): boolean {
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

/** The path scan would give a file, or undefined when a changed file is outside every root. */
export function relativeToRoots(roots: Root[], abs: string): { root: string; path: string } | undefined {
  for (const root of roots) {
    const rel = path.relative(root.path, abs);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return { root: root.name, path: rel.split(path.sep).join('/') };
  }
  return undefined;
}

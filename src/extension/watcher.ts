// External changes — git checkout, code generators, build tools, another editor — reach the index
// through this watcher; saves in VS Code come from workspace.onDidSaveTextDocument (ctx.ts); both go to the index session (session.ts).
//
// Why chokidar and not vscode.workspace.createFileSystemWatcher: the engine reads files with Node
// on the extension host, so it can only index folders on the host's own file system anyway, and
// chokidar watches exactly those paths with no VS Code in the loop (the same class works for the
// engine headless). It also gives us what the VS Code watcher does not: `awaitWriteFinish`, so a
// file a build tool is still writing is not indexed half-written; an `ignored` function that stops
// it from even descending into node_modules/.git/dist (the VS Code watcher delivers whatever
// `files.watcherExclude` lets through, a user setting we do not control); and events for files
// the user has hidden from VS Code's watcher. The cost is our own inotify watches next to VS
// Code's, which is why the folders the index leaves out — built-in excludes, what .gitignore
// files ignore, the user's `semindex.exclude` globs — are never entered (a build writing into
// `target/` or `out-*` does not flood it), and the whole thing is off with
// `semindex.watchExternalChanges: false` (saves are still indexed then).
//
// No `vscode` import: unit-tested against a real temp folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import picomatch from 'picomatch';
import { EXCLUDED_DIRS, type IgnoreScope, type Root, gitignoreMatcher, isIgnored } from '../indexer/scan';

/**
 * Directories the engine's scan never indexes: not watching them saves most of the watches in a
 * typical tree. A file that slips through is still vetted by the engine.
 */
export const WATCH_EXCLUDED_DIRS: ReadonlySet<string> = EXCLUDED_DIRS;

/**
 * True for paths the watcher should not report or descend into: inside an excluded directory of
 * a root (the root folder's own name never counts — a workspace may be called "build"), inside one
 * of `ignoredDirs` (the store), or outside every root.
 */
export function isIgnoredPath(abs: string, roots: readonly Root[], ignoredDirs: readonly string[] = [], paths: path.PlatformPath = path): boolean {
  const where = ownerOf(abs, roots, ignoredDirs, paths);
  return !where || where.rel.split('/').some((seg) => WATCH_EXCLUDED_DIRS.has(seg));
}

/**
 * The root a path belongs to — the innermost one holding it, as the scan has it (scan.ts
 * relativeToRoots) — and the path relative to it with forward slashes; undefined outside every
 * root or inside one of `ignoredDirs`. A root's own folder: rel "".
 */
function ownerOf(abs: string, roots: readonly Root[], ignoredDirs: readonly string[], paths: path.PlatformPath): { root: Root; rel: string } | undefined {
  for (const dir of ignoredDirs) {
    const rel = paths.relative(dir, abs);
    if (rel === '' || (!rel.startsWith('..') && !paths.isAbsolute(rel))) return undefined;
  }
  let best: { root: Root; rel: string } | undefined;
  for (const root of roots) {
    const rel = paths.relative(root.path, abs);
    if (rel.startsWith('..') || paths.isAbsolute(rel)) continue;
    if (!best || root.path.length > best.root.path.length) best = { root, rel: rel.split(paths.sep).join('/') };
  }
  return best;
}

/** What the index leaves out beyond the built-in folders, for the watcher not to enter it either. */
export interface WatchRules {
  /** Honour .gitignore files and .git/info/exclude (semindex.respectGitignore, default true). */
  useGitignore?: boolean;
  /** The user's globs, relative to each root (semindex.exclude). */
  exclude?: readonly string[];
}

/**
 * Decides, synchronously as chokidar asks before it enters a folder, whether a path is left out:
 * built-in folders, the store, paths outside the roots, what the .gitignore files on the way
 * (and .git/info/exclude) ignore — matched as the scan's walk does (scan.ts isIgnored) — and the
 * user's exclude globs. Each .gitignore is read once, when the watcher first asks about its
 * folder (one small synchronous read per folder entered, not a walk: chokidar's `ignored` cannot
 * wait), and again after it changes (forget). In a git repository git has the last word for the
 * index; a file git tracks inside an ignored folder is not watched, but its saves are indexed
 * and the next full run sees it.
 */
export class WatchFilter {
  private readonly exclude: picomatch.Matcher | undefined;
  /** A .gitignore (or .git/info/exclude) file, absolute → its matcher, or null when there is none. */
  private readonly gitignores = new Map<string, IgnoreScope['matcher'] | null>();

  constructor(
    private readonly roots: readonly Root[],
    private readonly rules: WatchRules = {},
    private readonly ignoredDirs: readonly string[] = [],
  ) {
    this.exclude = rules.exclude?.length ? picomatch([...rules.exclude], { dot: true }) : undefined;
  }

  /** `isDir` undefined: not known yet (chokidar asks again with the stats before it enters a folder). */
  ignores(abs: string, isDir?: boolean): boolean {
    const where = ownerOf(abs, this.roots, this.ignoredDirs, path);
    if (!where) return true;
    const { root, rel } = where;
    if (rel === '') return false;
    const parts = rel.split('/');
    if (parts.some((seg) => WATCH_EXCLUDED_DIRS.has(seg))) return true;
    // The folders on the way are excluded as folders (dir-only patterns like `target/` apply).
    for (let i = 1; i < parts.length; i++) if (this.excludedDir(root, parts.slice(0, i).join('/'), parts.slice(0, i - 1))) return true;
    if (isDir) return this.excludedDir(root, rel, parts.slice(0, -1));
    if (this.exclude?.(rel)) return true;
    return this.useGitignore() && isIgnored(this.scopes(root, parts.slice(0, -1)), rel, false);
  }

  /** A .gitignore was changed, created or deleted: read it again next time. */
  forget(gitignoreAbs: string): void {
    this.gitignores.delete(gitignoreAbs);
  }

  private useGitignore(): boolean {
    return this.rules.useGitignore ?? true;
  }

  private excludedDir(root: Root, rel: string, above: string[]): boolean {
    if (this.exclude?.(rel + '/')) return true;
    return this.useGitignore() && isIgnored(this.scopes(root, above), rel, true);
  }

  /** The .gitignore scopes of the root and of the folders `dirs` (the parts of a path, in order). */
  private scopes(root: Root, dirs: string[]): IgnoreScope[] {
    const scopes: IgnoreScope[] = [];
    const info = this.matcherIn(path.join(root.path, '.git', 'info'), 'exclude');
    if (info) scopes.push({ dir: '', matcher: info });
    for (let i = 0; i <= dirs.length; i++) {
      const dirRel = dirs.slice(0, i).join('/');
      const m = this.matcherIn(dirRel ? path.join(root.path, ...dirs.slice(0, i)) : root.path, '.gitignore');
      if (m) scopes.push({ dir: dirRel, matcher: m });
    }
    return scopes;
  }

  private matcherIn(dir: string, name: string): IgnoreScope['matcher'] | undefined {
    const key = path.join(dir, name);
    let m = this.gitignores.get(key);
    if (m === undefined) {
      let text: string | undefined;
      try {
        text = fs.readFileSync(key, 'utf8');
      } catch {
        // None there (or unreadable, as the scan treats it).
      }
      m = text ? gitignoreMatcher(text) : null;
      this.gitignores.set(key, m);
    }
    return m ?? undefined;
  }
}

/**
 * Collects changed paths and hands them over in batches: after `delayMs` of quiet, or every
 * `maxWaitMs` while changes keep coming (a long checkout still makes progress). One batch at a
 * time; what arrives during a flush goes into the next one.
 */
export class ChangeBatcher {
  private readonly paths = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private firstAt = 0;
  private flushing: Promise<void> | undefined;
  private disposed = false;

  constructor(
    private readonly flush: (paths: string[]) => Promise<void>,
    private readonly delayMs = 300,
    private readonly maxWaitMs = 2000,
  ) {}

  add(abs: string): void {
    if (this.disposed) return;
    if (!this.paths.size) this.firstAt = Date.now();
    this.paths.add(abs);
    this.schedule();
  }

  /** True while a batch is waiting or being flushed. */
  get pending(): boolean {
    return this.paths.size > 0 || !!this.flushing;
  }

  /** Resolves once every path added so far has been flushed. */
  async settled(): Promise<void> {
    while (this.pending && !this.disposed) await (this.flushing ?? new Promise((r) => setTimeout(r, Math.min(50, this.delayMs))));
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.paths.clear();
  }

  private schedule(): void {
    if (this.flushing) return; // the running flush reschedules when it ends
    const waited = Date.now() - this.firstAt;
    if (this.timer && waited >= this.maxWaitMs) return; // let the pending timer fire
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.min(this.delayMs, this.maxWaitMs - waited)));
  }

  private fire(): void {
    this.timer = undefined;
    if (this.disposed || !this.paths.size) return;
    const batch = [...this.paths];
    this.paths.clear();
    this.flushing = this.flush(batch)
      .catch(() => undefined) // the flusher reports its own errors
      .finally(() => {
        this.flushing = undefined;
        if (this.paths.size && !this.disposed) {
          this.firstAt = Date.now();
          this.schedule();
        }
      });
  }
}

export interface ExternalChangeWatcherOptions {
  roots: readonly Root[];
  /** Absolute folders never reported (the index store, should it live inside a root). */
  ignoredDirs?: readonly string[];
  /** .gitignore and the user's excludes (the index's own rules): those folders are not watched. */
  rules?: WatchRules;
  /** Receives each batch of changed, created or deleted file paths (a rename is a delete plus a create). */
  onChanges: (absPaths: string[]) => Promise<void>;
  onError?: (err: unknown) => void;
  delayMs?: number;
}

export class ExternalChangeWatcher {
  private readonly watcher: FSWatcher;
  private readonly batcher: ChangeBatcher;
  /** Resolves when the initial crawl is done and every change from then on is seen. */
  readonly ready: Promise<void>;

  constructor(opts: ExternalChangeWatcherOptions) {
    const roots = [...opts.roots];
    const filter = new WatchFilter(roots, opts.rules, [...(opts.ignoredDirs ?? [])]);
    this.batcher = new ChangeBatcher(opts.onChanges, opts.delayMs ?? 300);
    this.watcher = watch(
      roots.map((r) => r.path),
      {
        ignoreInitial: true,
        // Symlinked folders are followed by the engine only inside the root; the watcher does not
        // follow them at all, so a link loop cannot make it spin.
        followSymlinks: false,
        ignored: (p: string, stats?: fs.Stats) => filter.ignores(p, stats ? stats.isDirectory() : undefined),
        // Small: long enough that a file being streamed out is reported once, complete.
        awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 50 },
        ignorePermissionErrors: true,
      },
    );
    const changed = (p: string) => {
      if (path.basename(p) === '.gitignore') filter.forget(p);
      this.batcher.add(p);
    };
    this.watcher.on('add', changed).on('change', changed).on('unlink', changed);
    this.watcher.on('error', (err) => opts.onError?.(err));
    this.ready = new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  /**
   * Looks at a path again with the next batch. For saves: chokidar drops a file that is created
   * and deleted within its awaitWriteFinish window (it never reports the add, so it swallows the
   * unlink), but the save handler has already indexed it — the recheck lets it leave the index.
   */
  recheck(abs: string): void {
    this.batcher.add(abs);
  }

  /** True while changes wait for their batch or are being indexed. */
  get pending(): boolean {
    return this.batcher.pending;
  }

  settled(): Promise<void> {
    return this.batcher.settled();
  }

  async close(): Promise<void> {
    this.batcher.dispose();
    await this.watcher.close();
  }
}

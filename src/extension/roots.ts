// Workspace folders as engine roots, and the way back: from a (root name, relative path) that a
// webview sends to a file on disk — only ever inside a workspace folder.
import * as path from 'node:path';
import type { Root } from '../indexer/scan';

/** What rootsFor needs of a `vscode.WorkspaceFolder`. */
export interface FolderLike {
  name: string;
  scheme: string;
  fsPath: string;
}

/**
 * One root per workspace folder on the local file system (the engine reads files with Node, so a
 * virtual folder cannot be indexed). Names label results and key the index, so they must be
 * unique: two folders both named "src" become "src" and "src (2)".
 */
export function rootsFor(folders: readonly FolderLike[]): Root[] {
  const used = new Set<string>();
  const roots: Root[] = [];
  for (const f of folders) {
    if (f.scheme !== 'file') continue;
    const base = f.name || path.basename(f.fsPath) || 'folder';
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base} (${n})`;
    used.add(name);
    roots.push({ name, path: f.fsPath });
  }
  return roots;
}

/**
 * The absolute path of `rel` inside the root called `rootName`, or undefined when the root is
 * unknown or the path is not a plain relative path that stays inside it (absolute, drive letter,
 * `..`, `.`, empty segments, NUL). Engine paths are relative with forward slashes.
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

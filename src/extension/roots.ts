// Workspace folders as engine roots, and the way back: from a (root name, relative path) that a
// webview sends to a file on disk — only ever inside a workspace folder (scan.ts#resolveInRoots).
import * as path from 'node:path';
import type { Root } from '../indexer/scan';

// The way back lives in the engine, which reads result files too (source.ts); the webviews' paths go through the same check.
export { resolveInRoots } from '../indexer/scan';

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

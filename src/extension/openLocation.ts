// Opening what a webview points at: a search result (file + line range) or a problem file; and
// indexing a result's file again when it changed since it was indexed.
// The location arrives as (root name, relative path) and is resolved against the workspace
// folders; anything that would leave them is refused.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { resolveInRoots } from './roots';

function resolve(ctx: Ctx, root: string, rel: string): vscode.Uri | undefined {
  const abs = resolveInRoots(ctx.roots(), root, rel);
  if (!abs) ctx.log.warn(`refused to open "${rel}" in "${root}": not a path inside a workspace folder`);
  return abs ? vscode.Uri.file(abs) : undefined;
}

/**
 * Opens the file with lines startLine..endLine (1-based) selected and centred; in the preview tab
 * and taking the focus unless `how` says otherwise (Quick Search previews without the focus).
 */
export async function openResult(
  ctx: Ctx,
  root: string,
  rel: string,
  startLine: number,
  endLine: number,
  how: { preserveFocus?: boolean; preview?: boolean; toSide?: boolean } = {},
): Promise<vscode.TextEditor | undefined> {
  const uri = resolve(ctx, root, rel);
  if (!uri) return undefined;
  try {
    const doc = await vscode.workspace.openTextDocument(uri);
    const last = Math.max(0, doc.lineCount - 1);
    const start = new vscode.Position(Math.min(startLine - 1, last), 0);
    // The file may have shrunk since it was indexed: clamp rather than fail.
    const end = doc.lineAt(Math.max(start.line, Math.min(endLine - 1, last))).range.end;
    const range = new vscode.Range(start, end);
    const editor = await vscode.window.showTextDocument(doc, {
      selection: range,
      preview: how.preview ?? true,
      preserveFocus: how.preserveFocus ?? false,
      ...(how.toSide ? { viewColumn: vscode.ViewColumn.Beside } : {}),
    });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
    return editor;
  } catch (err) {
    void vscode.window.showWarningMessage(`Semindex: cannot open ${rel}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** Opens a file the way the explorer would (binary files get VS Code's binary editor). */
export async function openFile(ctx: Ctx, root: string, rel: string): Promise<void> {
  const uri = resolve(ctx, root, rel);
  if (uri) await vscode.commands.executeCommand('vscode.open', uri);
}

/**
 * Indexes a result's file again, as a save does (Ctx.updateFiles: a file that is gone leaves the
 * index). False when it names no file inside a workspace folder.
 */
export async function reindexResultFile(ctx: Ctx, r: { root: string; path: string }): Promise<boolean> {
  const abs = resolveInRoots(ctx.roots(), r.root, r.path);
  if (!abs) {
    ctx.log.warn(`refused to re-index "${r.path}" in "${r.root}": not a path inside a workspace folder`);
    return false;
  }
  await ctx.updateFiles([abs], 're-index (search result)');
  return true;
}

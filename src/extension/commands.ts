// One small function per command. They start work and return: progress shows in the status bar
// and the progress panel, and the test API's whenIdle() waits for the work itself.
import * as vscode from 'vscode';
import type { Confirmer } from './confirm';
import type { Ctx } from './ctx';
import type { IndexRequestOutcome } from './session';
import { relativeToRoots } from '../indexer/scan';
import { MAX_QUERY_LENGTH, MAX_SIMILAR_CODE, type SimilarViewTarget } from './messages';
import { ProgressPanel } from './progressPanel';
import { selectionLines, spanLabel } from './searchModel';
import { rebuildQuestion } from './prompts';
import { showQuickSearch } from './quickSearch';
import { SearchViewProvider } from './searchView';

export interface CommandDeps {
  ctx: Ctx;
  searchView: SearchViewProvider;
  extensionUri: vscode.Uri;
  confirmer: Confirmer;
}

/** `args`: what VS Code passes, e.g. a webview context menu's data-vscode-context object. */
type Command = (deps: CommandDeps, ...args: unknown[]) => unknown;

export const COMMANDS: Record<string, Command> = {
  'semindex.indexWorkspace': indexWorkspace,
  'semindex.pauseIndexing': pauseIndexing,
  'semindex.resumeIndexing': resumeIndexing,
  'semindex.cancelIndexing': cancelIndexing,
  'semindex.rebuildIndex': rebuildIndex,
  'semindex.search': search,
  'semindex.findSimilar': findSimilar,
  'semindex.quickSearch': quickSearch,
  'semindex.searchSelection': searchSelection,
  'semindex.showProgress': showProgress,
  'semindex.openResultToSide': openResultToSide,
  'semindex.copyResultLocation': copyResultLocation,
  'semindex.findSimilarToResult': findSimilarToResult,
};

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, run]) => vscode.commands.registerCommand(id, (...args: unknown[]) => run(deps, ...args)));
}

/** False (and says so) when there is no folder to index. */
function needFolder(ctx: Ctx): boolean {
  if (ctx.hasFolder) return true;
  void vscode.window.showInformationMessage('Semindex: open a folder first.', 'Open Folder').then((choice) => {
    if (choice) void vscode.commands.executeCommand('vscode.openFolder');
  });
  return false;
}

function nothingRunning(): void {
  void vscode.window.showInformationMessage('Semindex: nothing is being indexed.');
}

async function indexWorkspace({ ctx, extensionUri }: CommandDeps): Promise<IndexRequestOutcome | undefined> {
  if (!needFolder(ctx)) return undefined;
  const outcome = await ctx.indexWorkspace();
  if (outcome === 'running') {
    void vscode.window.showInformationMessage('Semindex is already indexing this workspace.', 'Show Progress').then((choice) => {
      if (choice) ProgressPanel.show(extensionUri, ctx);
    });
  }
  return outcome;
}

function pauseIndexing({ ctx }: CommandDeps): void {
  if (needFolder(ctx) && !ctx.pause()) nothingRunning();
}

function resumeIndexing({ ctx }: CommandDeps): void {
  if (needFolder(ctx) && !ctx.resume()) void vscode.window.showInformationMessage('Semindex: indexing is not paused.');
}

function cancelIndexing({ ctx }: CommandDeps): void {
  if (needFolder(ctx) && !ctx.cancel()) nothingRunning();
}

/** Asks first: the index is deleted, and with a model embedder indexing again takes hours. */
async function rebuildIndex({ ctx, confirmer }: CommandDeps): Promise<boolean> {
  if (!needFolder(ctx)) return false;
  if (!(await confirmer.ask(rebuildQuestion(ctx.config.settings.embedder, ctx.state().files, ctx.locale)))) return false;
  await ctx.rebuild();
  return true;
}

/** The editor's selection as a query: its first non-blank line, spaces collapsed; "" without one. */
function selectionQuery(): string {
  const editor = vscode.window.activeTextEditor;
  const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
  return selected.split(/\r?\n/).find((l) => l.trim())?.trim().replace(/\s+/g, ' ').slice(0, MAX_QUERY_LENGTH) ?? '';
}

/** Focuses the search view, with the editor's selection (first line, if any) as the query. */
async function search({ searchView }: CommandDeps): Promise<void> {
  const query = selectionQuery();
  await vscode.commands.executeCommand(`${SearchViewProvider.viewType}.focus`);
  searchView.seed(query);
}

/**
 * Code like the selection, or without one like the indexed chunk around the cursor (the
 * innermost function, method or class there), in the search view.
 */
async function findSimilar({ ctx, searchView }: CommandDeps): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Semindex: open a file and put the cursor in the code to find code like it.');
    return;
  }
  if (!needFolder(ctx)) return;
  const { document: doc, selection } = editor;
  const roots = ctx.roots();
  const where = doc.uri.scheme === 'file' ? relativeToRoots(roots, doc.uri.fsPath) : undefined;
  const multiRoot = roots.length > 1;
  let target: SimilarViewTarget;
  let label: string;
  const selected = selection.isEmpty ? '' : doc.getText(selection);
  if (selected.trim()) {
    const from = where && { root: where.root, path: where.path, ...selectionLines(selection.start, selection.end) };
    target = { kind: 'code', code: selected.slice(0, MAX_SIMILAR_CODE), ...(from ? { from } : {}) };
    label = 'the selection';
  } else {
    if (!where) {
      void vscode.window.showInformationMessage('Semindex: this file is not in a workspace folder, so it is not indexed: select the code to find code like it.');
      return;
    }
    const line = selection.active.line + 1;
    const chunk = await ctx.chunkAt(where.root ? `${where.root}/${where.path}` : where.path, line);
    if (!chunk) {
      const indexed = ctx.state().searchable;
      const message = indexed
        ? `Semindex: no indexed code at ${where.path}:${line} (is the file indexed? Skipped files are listed in the progress view).`
        : 'Semindex: this workspace is not indexed yet.';
      void vscode.window.showInformationMessage(message, ...(indexed ? [] : ['Index Workspace'])).then((choice) => {
        if (choice) void vscode.commands.executeCommand('semindex.indexWorkspace');
      });
      return;
    }
    target = { kind: 'span', root: where.root, path: where.path, startLine: chunk.startLine, endLine: chunk.endLine };
    label = spanLabel(target, multiRoot);
  }
  await vscode.commands.executeCommand(`${SearchViewProvider.viewType}.focus`);
  searchView.findSimilar(target, label);
}

/** The editor context menu's entry: the same as Search (which seeds from the selection), named for it. */
function searchSelection(deps: CommandDeps): Promise<void> {
  return search(deps);
}

function quickSearch({ ctx }: CommandDeps): void {
  if (needFolder(ctx)) showQuickSearch(ctx);
}

function showProgress({ ctx, extensionUri }: CommandDeps): void {
  ProgressPanel.show(extensionUri, ctx);
}

// The search panel's result context menu (webview/context): VS Code passes the row's
// data-vscode-context, which names the result by the seq and index of the results it belongs to.

function openResultToSide({ searchView }: CommandDeps, context: unknown): void {
  searchView.resultAction('openToSide', context);
}

function copyResultLocation({ searchView }: CommandDeps, context: unknown): void {
  searchView.resultAction('copy', context);
}

function findSimilarToResult({ searchView }: CommandDeps, context: unknown): void {
  searchView.resultAction('findSimilar', context);
}

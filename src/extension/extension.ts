// Activation and deactivation only; ctx.ts (and the index session it builds, session.ts) holds everything that lives in between.
import * as vscode from 'vscode';
import { type SemindexApi, exportedApi } from './api';
import { registerCommands } from './commands';
import { Confirmer } from './confirm';
import { FirstIndexNotification } from './firstIndexNotification';
import { Ctx } from './ctx';
import { registerLmTools } from './lmTools';
import { registerMcpProvider } from './mcpProvider';
import { ProgressPanel } from './progressPanel';
import { SearchViewProvider } from './searchView';
import { StatusBar } from './statusBar';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): SemindexApi | undefined {
  ctx = new Ctx(context);
  const searchView = new SearchViewProvider(context.extensionUri, ctx, context.workspaceState, context.globalState);
  const mcp = registerMcpProvider(ctx, context);
  const statusBar = new StatusBar(ctx);
  const firstIndex = new FirstIndexNotification(ctx);
  const confirmer = new Confirmer();
  context.subscriptions.push(
    ctx,
    searchView,
    vscode.window.registerWebviewViewProvider(SearchViewProvider.viewType, searchView),
    ProgressPanel.registerSerializer(context.extensionUri, ctx),
    statusBar,
    firstIndex,
    ...registerCommands({ ctx, searchView, extensionUri: context.extensionUri, confirmer }),
    ...registerLmTools(ctx),
    ...(mcp?.disposables ?? []),
  );
  // Activated by onStartupFinished too (see package.json): only an existing index is brought up
  // to date, and only with semindex.indexOnStartup on; a folder is never indexed unasked.
  ctx.startup();
  return exportedApi(context.extensionMode === vscode.ExtensionMode.Test, { ctx, mcp: mcp?.provider, statusBar, firstIndex, confirmer });
}

export async function deactivate(): Promise<void> {
  // Releases the store's writer lock; in-flight files are written first.
  await ctx?.close();
  ctx = undefined;
}

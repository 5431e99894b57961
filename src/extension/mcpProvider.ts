// Offers `semindex mcp` for the open workspace to VS Code's MCP support (agent mode, and any
// extension that lists MCP servers): the CLI bundled with the extension (dist/cli.js), run by the
// editor's own Node (process.execPath; ELECTRON_RUN_AS_NODE makes the desktop Electron binary
// behave as Node), over this workspace's store. The server reads without the writer's lock, so it
// works beside the extension's own indexing, and serves rows the extension writes later.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from './ctx';

/** Same id as `contributes.mcpServerDefinitionProviders` in package.json. */
export const MCP_PROVIDER_ID = 'semindex.mcp';

export class McpServerProvider implements vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeMcpServerDefinitions = this.emitter.event;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly ctx: Ctx,
    private readonly extension: vscode.ExtensionContext,
  ) {
    // The store lives in workspace storage: other folders can mean another store.
    this.disposables = [this.emitter, vscode.workspace.onDidChangeWorkspaceFolders(() => this.emitter.fire())];
  }

  provideMcpServerDefinitions(): vscode.McpStdioServerDefinition[] {
    const store = this.ctx.storeDir;
    if (!store || !this.ctx.hasFolder) return [];
    const cli = path.join(this.extension.extensionPath, 'dist', 'cli.js');
    const version = String((this.extension.extension.packageJSON as { version?: string }).version ?? '');
    const server = new vscode.McpStdioServerDefinition('Semindex', process.execPath, [cli, 'mcp', '--store', store], { ELECTRON_RUN_AS_NODE: '1' }, version);
    server.cwd = vscode.workspace.workspaceFolders?.[0]?.uri;
    return [server];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Registers the provider where this VS Code has MCP support (1.101+); undefined elsewhere. */
export function registerMcpProvider(ctx: Ctx, extension: vscode.ExtensionContext): { provider: McpServerProvider; disposables: vscode.Disposable[] } | undefined {
  if (typeof vscode.lm?.registerMcpServerDefinitionProvider !== 'function') return undefined;
  const provider = new McpServerProvider(ctx, extension);
  return { provider, disposables: [provider, vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider)] };
}

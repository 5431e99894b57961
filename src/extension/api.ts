// What activate() returns, for end-to-end tests in a real VS Code:
//   const api = vscode.extensions.getExtension('semindex.semindex')!.exports as SemindexApi;
//   await vscode.commands.executeCommand('semindex.indexWorkspace'); await api.whenIdle();
//   assert.equal(api.state().phase, 'ready'); const hits = await api.search('parse config');
import type { Indexer } from '../indexer/indexer';
import type { SearchOptions, SearchResult } from '../indexer/search';
import type { Confirmer } from './confirm';
import type { Ctx } from './ctx';
import type { FirstIndexNotification } from './firstIndexNotification';
import type { IndexState } from './indexState';
import type { McpServerProvider } from './mcpProvider';
import type { Question } from './prompts';
import type { StatusBar } from './statusBar';

export interface ApiState extends IndexState {
  /** Share (0..1) of files searches cover (= coverage); null when unknown. */
  progress: number | null;
}

export interface SemindexApi {
  /** Searches the index the way the search view does (opens it first if needed). */
  search(query: string, opts?: SearchOptions): Promise<SearchResult[]>;
  state(): ApiState;
  /** The open engine, or undefined (not opened yet, busy, closed). */
  indexer(): Indexer | undefined;
  /** Resolves when nothing is opening, indexing, updating, or waiting in a watcher batch. */
  whenIdle(): Promise<void>;
  /**
   * What the MCP server definition provider offers VS Code now (command, args, env), or
   * undefined where the host has no MCP API: VS Code has no public API to list a provider's servers.
   */
  mcpServers(): { label: string; command: string; args: string[]; env: Record<string, string | number | null> }[] | undefined;
  /** The status bar item's text as it is now, e.g. "$(sync~spin) Semindex: 12/450 files". */
  statusBarText(): string;
  /** The context keys the extension has set (semindex.indexing, semindex.paused, …), for `when` clauses. */
  contextKeys(): Record<string, unknown>;
  /** How many first-index progress notifications were shown in this extension host. */
  firstIndexNotifications(): number;
  /** Answer the extension's confirmations (Rebuild Index…) with this instead of a modal; undefined shows the modal again. */
  answerConfirmations(answer: boolean | undefined): void;
  /** The confirmations asked so far, answered or shown. */
  confirmations(): Question[];
}

export interface TestApiDeps {
  ctx: Ctx;
  mcp?: McpServerProvider;
  statusBar: StatusBar;
  firstIndex: FirstIndexNotification;
  confirmer: Confirmer;
}

/**
 * What activate() exports: the test API where tests run (ExtensionMode.Test), nothing otherwise —
 * it hands out the engine, the store's writer, to any extension that asks for our exports.
 */
export function exportedApi(testMode: boolean, deps: TestApiDeps): SemindexApi | undefined {
  return testMode ? testApi(deps) : undefined;
}

export function testApi({ ctx, mcp, statusBar, firstIndex, confirmer }: TestApiDeps): SemindexApi {
  return {
    search: (query, opts) => ctx.search(query, opts),
    state: () => {
      const s = ctx.state();
      return { ...s, progress: s.coverage };
    },
    indexer: () => ctx.indexer,
    whenIdle: () => ctx.whenIdle(),
    mcpServers: () => mcp?.provideMcpServerDefinitions().map((d) => ({ label: d.label, command: d.command, args: d.args, env: d.env })),
    statusBarText: () => statusBar.text,
    contextKeys: () => statusBar.context,
    firstIndexNotifications: () => firstIndex.shown,
    answerConfirmations: (answer) => {
      confirmer.answer = answer;
    },
    confirmations: () => [...confirmer.asked],
  };
}

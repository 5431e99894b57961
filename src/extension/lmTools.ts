// Language-model tools for VS Code's agents (chat, agent mode, #semindex in a prompt): thin
// adapters from the tool protocol to Ctx.search / Ctx.similar, which serve the same engine the
// search panel uses. Declared in package.json `contributes.languageModelTools` (the names, schemas
// and model descriptions live there); registered here under the same names.
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { relativeToRoots } from '../indexer/scan';
import type { SearchMode, SearchResult, SimilarTarget } from '../indexer/search';
import type { Ctx } from './ctx';
import { isRunning } from './indexState';
import { toolHitText } from './searchModel';

export const SEARCH_TOOL = 'semindex_search';
export const SIMILAR_TOOL = 'semindex_similar';

export interface SearchToolInput {
  query: string;
  maxResults?: number;
  mode?: SearchMode;
  include?: string;
  exclude?: string;
  language?: string;
}

export interface SimilarToolInput {
  path?: string;
  startLine?: number;
  endLine?: number;
  code?: string;
  maxResults?: number;
}

/** Lines of a result's snippet a tool result carries: a model reads every token of it. */
const SNIPPET_LINES = 12;
const MAX_RESULTS = 50;

export function registerLmTools(ctx: Ctx): vscode.Disposable[] {
  // engines.vscode promises the API; a host that still lacks it (a fork) just gets no tools.
  if (typeof vscode.lm?.registerTool !== 'function') return [];
  return [vscode.lm.registerTool<SearchToolInput>(SEARCH_TOOL, new SearchTool(ctx)), vscode.lm.registerTool<SimilarToolInput>(SIMILAR_TOOL, new SimilarTool(ctx))];
}

const text = (value: string) => new vscode.LanguageModelTextPart(value);
const clampK = (n: number | undefined) => Math.max(1, Math.min(MAX_RESULTS, Math.trunc(n ?? 10) || 10));

/**
 * Why there is nothing to search, in words a model can pass on (and what to do), or undefined
 * when the index can answer.
 */
function unavailable(ctx: Ctx): string | undefined {
  const s = ctx.state();
  if (s.phase === 'no-folder') return 'Semindex: no folder is open in VS Code, so there is no code to search.';
  if (s.phase === 'not-indexed' || (s.phase === 'scanning' && !s.searchable))
    return s.phase === 'scanning'
      ? 'Semindex: the workspace is being indexed and nothing is searchable yet; try again in a moment.'
      : 'Semindex: this workspace has no index yet. Ask the user to run "Semindex: Index Workspace" from the Command Palette (command semindex.indexWorkspace); searches work while it runs.';
  if (s.phase === 'error') return `Semindex: the index could not be opened (${s.message ?? 'unknown error'}). Ask the user to run "Semindex: Rebuild Index".`;
  return undefined;
}

/** One line on how much the answer covers, while a run is under way (or after a cancelled one). */
function coverageNote(ctx: Ctx): string | undefined {
  const s = ctx.state();
  if (isRunning(s.phase)) {
    const share = s.coverage === null ? '' : ` (${Math.round(s.coverage * 100)}%)`;
    return `Indexing is under way: ${s.filesDone} of ${s.filesTotal} files${share} are searchable so far; files not yet indexed are missing from these results.`;
  }
  if (s.phase === 'cancelled' && s.coverage !== null) return `The last index run was cancelled: ${Math.round(s.coverage * 100)}% of files are searchable.`;
  return undefined;
}

function resultParts(ctx: Ctx, heading: string, results: SearchResult[]): vscode.LanguageModelToolResult {
  const note = coverageNote(ctx);
  const head = `${heading}: ${results.length ? `${results.length} result${results.length === 1 ? '' : 's'}, best first` : 'no results'}.${note ? ` ${note}` : ''}`;
  const multiRoot = ctx.roots().length > 1;
  return new vscode.LanguageModelToolResult([text(head), ...results.map((r) => text(toolHitText(r, multiRoot, SNIPPET_LINES)))]);
}

class SearchTool implements vscode.LanguageModelTool<SearchToolInput> {
  constructor(private readonly ctx: Ctx) {}

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<SearchToolInput>): vscode.PreparedToolInvocation {
    return { invocationMessage: `Searching the code for "${options.input.query}"` };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<SearchToolInput>): Promise<vscode.LanguageModelToolResult> {
    const { query, maxResults, mode, include, exclude, language } = options.input;
    const why = unavailable(this.ctx);
    if (why) return new vscode.LanguageModelToolResult([text(why)]);
    if (!query?.trim()) return new vscode.LanguageModelToolResult([text('Semindex: the query is empty.')]);
    const results = await this.ctx.search(query, { k: clampK(maxResults), mode: mode && ['hybrid', 'vector', 'bm25'].includes(mode) ? mode : undefined, path: include, exclude, language });
    return resultParts(this.ctx, `Semindex search "${query}"`, results);
  }
}

class SimilarTool implements vscode.LanguageModelTool<SimilarToolInput> {
  constructor(private readonly ctx: Ctx) {}

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<SimilarToolInput>): vscode.PreparedToolInvocation {
    const { path, startLine, endLine } = options.input;
    return { invocationMessage: path ? `Finding code similar to ${path}:${startLine}-${endLine ?? startLine}` : 'Finding similar code' };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<SimilarToolInput>): Promise<vscode.LanguageModelToolResult> {
    const { path, startLine, endLine, code, maxResults } = options.input;
    const why = unavailable(this.ctx);
    if (why) return new vscode.LanguageModelToolResult([text(why)]);
    let target: SimilarTarget;
    if (path && startLine !== undefined) target = { path: this.indexedPath(path), startLine, endLine: endLine ?? startLine };
    else if (code?.trim()) target = { code };
    else return new vscode.LanguageModelToolResult([text('Semindex: give either path with startLine and endLine, or code.')]);
    try {
      const results = await this.ctx.similar(target, { k: clampK(maxResults) });
      return resultParts(this.ctx, 'code' in target ? 'Semindex: code similar to the given code' : `Semindex: code similar to ${path}:${target.startLine}-${target.endLine}`, results);
    } catch (err) {
      // SemindexError 'NOT_FOUND' and the like: words for the model, not a failed tool call.
      return new vscode.LanguageModelToolResult([text(err instanceof Error ? err.message : String(err))]);
    }
  }

  /**
   * An absolute path, or one as this tool shows paths (relative to the folder; with several
   * folders prefixed with the folder's name) → the path as the index names it: the extension
   * labels every root with its folder's name, a single one too.
   */
  private indexedPath(p: string): string {
    const roots = this.ctx.roots();
    const abs = p.startsWith('file://') ? vscode.Uri.parse(p).fsPath : p;
    const rel = nodePath.isAbsolute(abs) ? relativeToRoots(roots, abs) : undefined;
    if (rel) return rel.root ? `${rel.root}/${rel.path}` : rel.path;
    const plain = p.replace(/\\/g, '/').replace(/^\.\//, '');
    return roots.length === 1 && roots[0].name ? `${roots[0].name}/${plain}` : plain;
  }
}

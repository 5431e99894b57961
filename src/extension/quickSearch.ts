// Quick Search: the index in a QuickPick. Results come in as the user types (debounced), the
// active one is previewed in the editor without taking the focus, Enter opens it, Escape goes back
// to the editor the user came from. Item wording is in searchModel.ts (pure, unit-tested).
import * as vscode from 'vscode';
import type { SearchResult } from '../indexer/search';
import type { Ctx } from './ctx';
import { openResult, reindexResultFile } from './openLocation';
import { quickPickItem } from './searchModel';

/** Long enough not to search on every keystroke, short enough to feel live. */
const DEBOUNCE_MS = 150;
/** A screenful and a bit: the panel is the place for long lists. */
const RESULTS = 30;

const REINDEX: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('refresh'), tooltip: 'Re-index this file' };

interface ResultPick extends vscode.QuickPickItem {
  result: SearchResult;
}

export function showQuickSearch(ctx: Ctx, initial = ''): void {
  const pick = vscode.window.createQuickPick<ResultPick>();
  pick.title = 'Semindex: Quick Search';
  pick.placeholder = 'Describe the code, or type identifiers';
  // The list is ranked by the index; VS Code's own label filter would hide results that do not
  // contain the typed words literally, which is most of what semantic search finds.
  pick.matchOnDescription = false;
  pick.matchOnDetail = false;
  const origin = vscode.window.activeTextEditor;
  let accepted = false;
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;

  const run = async (query: string) => {
    const mine = ++seq;
    if (!query.trim()) {
      pick.items = [];
      pick.busy = false;
      return;
    }
    pick.busy = true;
    try {
      const results = await ctx.search(query, { k: RESULTS });
      if (mine !== seq) return; // a newer query is on its way
      const multiRoot = ctx.state().multiRoot;
      // A result whose file changed since it was indexed offers to index it again (its detail says so).
      pick.items = results.map((r) => ({ ...quickPickItem(r, multiRoot), alwaysShow: true, result: r, ...(r.stale ? { buttons: [REINDEX] } : {}) }));
      if (!results.length) pick.placeholder = `No results for "${query}"`;
    } catch (err) {
      ctx.log.error(`quick search "${query}" failed: ${err instanceof Error ? err.message : String(err)}`);
      if (mine === seq) pick.items = [];
    } finally {
      if (mine === seq) pick.busy = false;
    }
  };

  const open = (item: ResultPick | undefined, how: { preserveFocus: boolean; preview: boolean }) => {
    if (!item) return;
    const r = item.result;
    void openResult(ctx, r.root, r.path, r.startLine, r.endLine, how);
  };

  const disposables: vscode.Disposable[] = [
    pick.onDidChangeValue((value) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void run(value), DEBOUNCE_MS);
    }),
    // Previews replace each other in one preview tab; the focus stays in the input.
    pick.onDidChangeActive(([item]) => open(item, { preserveFocus: true, preview: true })),
    pick.onDidAccept(() => {
      const [item] = pick.activeItems;
      if (!item) return;
      accepted = true;
      // Chosen on purpose: a pinned editor, like Quick Open's.
      open(item, { preserveFocus: false, preview: false });
      pick.hide();
    }),
    pick.onDidTriggerItemButton(({ item }) => {
      void reindexResultFile(ctx, item.result).then((updated) => {
        if (updated && !pick.busy) void run(pick.value);
      });
    }),
    pick.onDidHide(() => {
      if (timer) clearTimeout(timer);
      seq++;
      for (const d of disposables.splice(0)) d.dispose();
      pick.dispose();
      // Escape after previews: back where the user was.
      if (!accepted && origin && !origin.document.isClosed && vscode.window.activeTextEditor?.document !== origin.document) {
        void vscode.window.showTextDocument(origin.document, { viewColumn: origin.viewColumn, selection: origin.selection, preview: false });
      }
    }),
  ];
  pick.value = initial;
  pick.show();
  if (initial) void run(initial);
}

// The semantic search panel: a webview view in Semindex's activity-bar container. The page
// (media/search.js) owns the query box, debouncing and keyboard navigation; this side runs the
// searches and opens results. Messages are defined and validated in messages.ts.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { HISTORY_KEY, readHistory, remember } from './history';
import { LANGUAGE_IDS } from '../indexer/languages';
import type { SearchResult } from '../indexer/search';
import { type SearchViewPrefs, type SearchViewRequest, type SearchViewUpdate, type SimilarViewTarget, MAX_QUERY_LENGTH, engineMode, parseResultContext, parseSearchViewRequest } from './messages';
import { openResult, reindexResultFile } from './openLocation';
import { engineFilters } from './searchFilters';
import { coverageText, copiedLocation, engineTarget, resultItems, searchStatus, spanLabel, withoutSource } from './searchModel';
import { mediaPage, searchViewBody } from './webviewHtml';

/** Results per query: enough to scroll through, few enough to render instantly. */
const RESULTS = 30;
/** Asked for beyond RESULTS when finding code like a selection: the hits at the selection itself are dropped here. */
const SELECTION_SLACK = 10;
/** Where the panel's view choices are kept (globalState: a way of reading results, not a workspace's). */
const PREFS_KEY = 'semindex.searchView.prefs';
const DEFAULT_PREFS: SearchViewPrefs = { grouped: true, filtersShown: false };

type ResultAction = 'open' | 'openToSide' | 'copy' | 'findSimilar';

export class SearchViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'semindex.searchView';

  private view: vscode.WebviewView | undefined;
  private viewDisposables: vscode.Disposable[] = [];
  /** The page has loaded and said `ready` (it reloads each time the view is shown). */
  private pageReady = false;
  /** A seed or find-similar for the page, held until it is ready (the view may be opening). */
  private pending: Extract<SearchViewUpdate, { type: 'seed' | 'findSimilar' }> | undefined;
  private lastStatus = '';
  /** The results last sent to the page, by their seq: `open` and `copy` name one by its index. */
  private shown: { seq: number; results: SearchResult[] } = { seq: -1, results: [] };
  private readonly stateListener: vscode.Disposable;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly ctx: Ctx,
    /** The workspace's Memento (context.workspaceState): the query history belongs to the workspace. */
    private readonly store: vscode.Memento,
    /** The user's Memento (context.globalState): how the panel shows results. */
    private readonly prefsStore: vscode.Memento,
  ) {
    this.stateListener = ctx.onDidChange(() => this.postStatus());
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.disposeView();
    this.view = view;
    this.pageReady = false;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.webview.html = mediaPage(
      { cspSource: view.webview.cspSource, mediaUri: (file) => view.webview.asWebviewUri(vscode.Uri.joinPath(media, file)).toString() },
      { title: 'Semindex search', style: 'search.css', script: 'search.js', body: searchViewBody },
    );
    this.viewDisposables.push(
      view.webview.onDidReceiveMessage((msg: unknown) => this.onMessage(msg)),
      view.onDidChangeVisibility(() => {
        // Hidden without retainContextWhenHidden: the page is gone and says `ready` when back.
        if (!view.visible) this.pageReady = false;
      }),
      view.onDidDispose(() => {
        if (this.view === view) this.disposeView();
      }),
    );
  }

  /** Puts a query in the box (the Search command, with the editor selection) and focuses it. */
  seed(query: string): void {
    this.pending = { type: 'seed', query: query.slice(0, MAX_QUERY_LENGTH) };
    this.flushPending();
  }

  /** Shows code similar to the target under "Similar to <label>" (the page asks for the results, as for a query). */
  findSimilar(target: SimilarViewTarget, label: string): void {
    this.pending = { type: 'findSimilar', target, label };
    this.flushPending();
  }

  private flushPending(): void {
    if (!this.pending || !this.pageReady) return;
    this.post(this.pending);
    this.pending = undefined;
  }

  private onMessage(raw: unknown): void {
    const msg = parseSearchViewRequest(raw);
    if (!msg) return; // unknown or malformed: ignored
    switch (msg.type) {
      case 'ready':
        this.pageReady = true;
        this.lastStatus = '';
        this.shown = { seq: -1, results: [] }; // a (re)loaded page numbers its queries from 0 again
        this.postStatus();
        this.postHistory();
        this.post({ type: 'prefs', ...this.prefs(), languages: LANGUAGE_IDS });
        this.flushPending();
        return;
      case 'search':
        void this.runSearch(msg);
        return;
      case 'similar':
        void this.runSimilar(msg);
        return;
      case 'open':
        this.act(msg.toSide ? 'openToSide' : 'open', this.result(msg.seq, msg.index));
        return;
      case 'copy':
        this.act('copy', this.result(msg.seq, msg.index));
        return;
      case 'reindex':
        void this.reindex(this.result(msg.seq, msg.index));
        return;
      case 'prefs':
        void this.prefsStore.update(PREFS_KEY, { grouped: msg.grouped, filtersShown: msg.filtersShown });
        return;
      case 'remember':
        void this.store.update(HISTORY_KEY, remember(this.history(), msg.query)).then(() => this.postHistory());
        return;
      case 'run': {
        const command = { index: 'semindex.indexWorkspace', showProgress: 'semindex.showProgress', openFolder: 'vscode.openFolder' }[msg.command];
        void vscode.commands.executeCommand(command);
        return;
      }
    }
  }

  private async runSearch(msg: Extract<SearchViewRequest, { type: 'search' }>): Promise<void> {
    const t0 = performance.now();
    try {
      const results = msg.query.trim() ? await this.ctx.search(msg.query, { k: RESULTS, mode: engineMode(msg.mode), ...engineFilters(msg) }) : [];
      const state = this.ctx.state();
      this.shown = { seq: msg.seq, results };
      this.post({
        type: 'results',
        seq: msg.seq,
        query: msg.query,
        results: resultItems(results, msg.query, state.multiRoot),
        coverageText: coverageText(state, this.ctx.locale),
        ms: Math.round(performance.now() - t0),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message.replace(/^semindex: /, '') : String(err);
      this.ctx.log.error(`search "${msg.query}" failed: ${message}`);
      this.post({ type: 'error', seq: msg.seq, message });
    }
  }

  private async runSimilar(msg: Extract<SearchViewRequest, { type: 'similar' }>): Promise<void> {
    const t0 = performance.now();
    const { target } = msg;
    try {
      const k = RESULTS + (target.kind === 'code' && target.from ? SELECTION_SLACK : 0);
      const results = withoutSource(await this.ctx.similar(engineTarget(target), { k, mode: engineMode(msg.mode), ...engineFilters(msg) }), target).slice(0, RESULTS);
      const state = this.ctx.state();
      this.shown = { seq: msg.seq, results };
      this.post({
        type: 'results',
        seq: msg.seq,
        query: '',
        results: resultItems(results, '', state.multiRoot),
        coverageText: coverageText(state, this.ctx.locale),
        ms: Math.round(performance.now() - t0),
      });
    } catch (err) {
      // ChunkNotFoundError (the file changed or left the index since it was shown) reads as it is.
      const message = err instanceof Error ? err.message.replace(/^semindex: /, '') : String(err);
      const what = target.kind === 'span' ? spanLabel(target, true) : 'a selection';
      this.ctx.log.error(`find similar to ${what} failed: ${message}`);
      this.post({ type: 'error', seq: msg.seq, message });
    }
  }

  private postStatus(): void {
    if (!this.pageReady) return;
    const status = searchStatus(this.ctx.state(), this.ctx.locale);
    const key = JSON.stringify(status);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.post({ type: 'status', status });
  }

  /** A command from a result's context menu; `context` is the row's data-vscode-context (untrusted). */
  resultAction(action: Exclude<ResultAction, 'open'>, context: unknown): void {
    const ref = parseResultContext(context);
    this.act(action, ref && this.result(ref.seq, ref.index));
  }

  private act(action: ResultAction, r: SearchResult | undefined): void {
    if (!r) return;
    const multiRoot = this.ctx.state().multiRoot;
    switch (action) {
      case 'open':
      case 'openToSide':
        void openResult(this.ctx, r.root, r.path, r.startLine, r.endLine, { toSide: action === 'openToSide' });
        return;
      case 'copy':
        void vscode.env.clipboard.writeText(copiedLocation(r, multiRoot));
        return;
      case 'findSimilar': {
        const target: SimilarViewTarget = { kind: 'span', root: r.root, path: r.path, startLine: r.startLine, endLine: r.endLine };
        this.findSimilar(target, spanLabel(target, multiRoot));
        return;
      }
    }
  }

  /**
   * A stale result's Re-index button: its file is indexed again the way a save does it (gone, it
   * leaves the index), then the page searches again.
   */
  private async reindex(r: SearchResult | undefined): Promise<void> {
    if (!r) return;
    const updated = await reindexResultFile(this.ctx, r);
    if (updated) this.post({ type: 'reindexed' });
  }

  /** Result `index` of the results answering `seq`, if those are still the ones shown. */
  private result(seq: number, index: number): SearchResult | undefined {
    return this.shown.seq === seq ? this.shown.results[index] : undefined;
  }

  private prefs(): SearchViewPrefs {
    const saved = this.prefsStore.get<Partial<SearchViewPrefs>>(PREFS_KEY) ?? {};
    return {
      grouped: typeof saved.grouped === 'boolean' ? saved.grouped : DEFAULT_PREFS.grouped,
      filtersShown: typeof saved.filtersShown === 'boolean' ? saved.filtersShown : DEFAULT_PREFS.filtersShown,
    };
  }

  private history(): string[] {
    return readHistory(this.store.get(HISTORY_KEY));
  }

  private postHistory(): void {
    if (this.pageReady) this.post({ type: 'history', queries: this.history() });
  }

  private post(msg: SearchViewUpdate): void {
    void this.view?.webview.postMessage(msg);
  }

  private disposeView(): void {
    for (const d of this.viewDisposables.splice(0)) d.dispose();
    this.view = undefined;
    this.pageReady = false;
  }

  dispose(): void {
    this.disposeView();
    this.stateListener.dispose();
  }
}

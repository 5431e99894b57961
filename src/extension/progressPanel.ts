// The index progress panel: phase, progress bar, throughput, ETA, pause/resume/cancel/rebuild,
// the embedder in use, index health, and the failed/skipped files. One panel at a time. The page
// (media/progress.js) is reloaded whenever the panel is shown again (no retainContextWhenHidden);
// it says `ready` and gets the whole view, and after that only the fields that changed.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { type ProgressPanelUpdate, parseProgressPanelRequest } from './messages';
import { openFile } from './openLocation';
import { type ProblemItem, type ProgressView, diffView, problemItems, progressView } from './progressView';
import { mediaPage, progressPanelBody } from './webviewHtml';


/** Relative times ("5 min ago") are refreshed this often while the panel is visible. */
const CLOCK_MS = 20_000;

export class ProgressPanel {
  static readonly viewType = 'semindex.progress';
  private static current: ProgressPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private pageReady = false;
  private last: ProgressView | undefined;
  /** The problem list last sent (the page's `open` names an item of it by index). */
  private lastProblems: { list: unknown; key: string; items: ProblemItem[] } | undefined;

  static show(extensionUri: vscode.Uri, ctx: Ctx): void {
    if (ProgressPanel.current) {
      ProgressPanel.current.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(ProgressPanel.viewType, 'Semindex: Index Progress', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
    });
    ProgressPanel.current = new ProgressPanel(panel, extensionUri, ctx);
  }

  /** Brings the panel back after a window reload. */
  static registerSerializer(extensionUri: vscode.Uri, ctx: Ctx): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(ProgressPanel.viewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        ProgressPanel.current?.panel.dispose();
        ProgressPanel.current = new ProgressPanel(panel, extensionUri, ctx);
      },
    });
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly ctx: Ctx,
  ) {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [media] };
    panel.iconPath = vscode.Uri.joinPath(media, 'semindex.svg');
    webview.html = mediaPage(
      { cspSource: webview.cspSource, mediaUri: (file) => webview.asWebviewUri(vscode.Uri.joinPath(media, file)).toString() },
      { title: 'Semindex: Index Progress', style: 'progress.css', script: 'progress.js', body: progressPanelBody },
    );
    const clock = setInterval(() => this.update(), CLOCK_MS);
    this.disposables.push(
      { dispose: () => clearInterval(clock) },
      webview.onDidReceiveMessage((msg: unknown) => this.onMessage(msg)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.pageReady = false;
        else this.update(true);
      }),
      ctx.onDidChange(() => this.update()),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private onMessage(raw: unknown): void {
    const msg = parseProgressPanelRequest(raw);
    if (!msg) return; // unknown or malformed: ignored
    switch (msg.type) {
      case 'ready':
        this.pageReady = true;
        this.update(true);
        return;
      case 'run': {
        const command = {
          index: 'semindex.indexWorkspace',
          pause: 'semindex.pauseIndexing',
          resume: 'semindex.resumeIndexing',
          cancel: 'semindex.cancelIndexing',
          rebuild: 'semindex.rebuildIndex',
        }[msg.command];
        void vscode.commands.executeCommand(command);
        return;
      }
      case 'open': {
        const item = this.lastProblems?.items[msg.index];
        if (item) void openFile(this.ctx, item.root, item.path);
        return;
      }
    }
  }

  /** Posts what changed since the last post (everything when `full`: a fresh page). */
  private update(full = false): void {
    if (!this.pageReady || !this.panel.visible) return;
    const state = this.ctx.state();
    const view = progressView(state, Date.now(), this.ctx.locale);
    const diff = diffView(full ? undefined : this.last, view);
    this.last = view;
    if (Object.keys(diff).length) this.post({ type: 'state', view: diff });
    const list = this.ctx.problems();
    if (full || this.lastProblems?.list !== list) {
      const { items, total } = problemItems(list, state.multiRoot);
      const key = JSON.stringify([items, total]);
      if (full || key !== this.lastProblems?.key) this.post({ type: 'problems', items, total });
      this.lastProblems = { list, key, items };
    }
  }

  private post(msg: ProgressPanelUpdate): void {
    void this.panel.webview.postMessage(msg);
  }

  private dispose(): void {
    if (ProgressPanel.current === this) ProgressPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

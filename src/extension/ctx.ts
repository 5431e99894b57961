// The glue between VS Code and the index session (session.ts, which has no `vscode` in it): builds
// the session from the extension context and the settings, forwards saves and the external-change
// watcher's batches to it, shows its notifications with their buttons, and holds the output log.
// Everything the rest of the extension asks of the index goes through here.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FailedFile, Indexer } from '../indexer/indexer';
import type { Root } from '../indexer/scan';
import type { IndexedSpan, SearchOptions, SearchResult, SimilarTarget } from '../indexer/search';
import { Config } from './config';
import type { IndexState } from './indexState';
import { rootsFor } from './roots';
import { type IndexRequestOutcome, IndexSession, type Notice, errorMessage } from './session';
import { SECTION } from './settings';
import { ExternalChangeWatcher } from './watcher';

export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly config: Config;
  private readonly session: IndexSession;
  private watcher: ExternalChangeWatcher | undefined;
  /** Fires (coalesced) whenever the index state may have changed. */
  readonly onDidChange: IndexSession['onDidChange'];
  /** Fires when a full run starts; `first` when the workspace had no index before it. */
  readonly onDidStartRun: IndexSession['onDidStartRun'];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(context: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Semindex', { log: true });
    this.config = new Config();
    const storage = context.storageUri;
    this.session = new IndexSession({
      // The store in workspace storage; none without a folder (or on a non-file storage).
      storeDir: storage?.scheme === 'file' ? path.join(storage.fsPath, 'index') : undefined,
      roots: () => this.roots(),
      settings: () => this.config.settings,
      log: this.log,
      onDidChangeSettings: this.config.onDidChange,
      onDidChangeRoots: vscode.workspace.onDidChangeWorkspaceFolders,
      notify: (notice) => this.notify(notice),
      engineOpened: () => this.syncWatcher(),
      engineClosing: () => this.stopWatcher(),
    });
    this.onDidChange = this.session.onDidChange;
    this.onDidStartRun = this.session.onDidStartRun;
    this.disposables.push(
      this.log,
      this.config,
      this.config.onDidChange((change) => {
        if (change.changed.includes('watchExternalChanges')) this.syncWatcher();
      }),
      vscode.workspace.onDidSaveTextDocument((doc) => this.onSaved(doc)),
    );
  }

  // ——— where things are ———

  /** The store in workspace storage, or undefined without a folder (or on a non-file storage). */
  get storeDir(): string | undefined {
    return this.session.storeDir;
  }

  roots(): Root[] {
    return rootsFor((vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, scheme: f.uri.scheme, fsPath: f.uri.fsPath })));
  }

  /** VS Code's display language, for the numbers the views show. */
  get locale(): string {
    return vscode.env.language;
  }

  /** A folder is open that can be indexed (and there is workspace storage for the index). */
  get hasFolder(): boolean {
    return this.session.hasFolder;
  }

  /** The open engine, if any (the test API hands it out). */
  get indexer(): Indexer | undefined {
    return this.session.indexer;
  }

  // ——— what the rest of the extension asks of the index (session.ts does it) ———

  state(): IndexState {
    return this.session.state();
  }

  /** Files that failed or were skipped, as of the last stats refresh. */
  problems(): readonly FailedFile[] {
    return this.session.problems();
  }

  /** On activation: an index that exists is brought up to date (and an interrupted run resumed). */
  startup(): void {
    this.session.startup();
  }

  /** Opens the index if needed and starts a full run (resumes a paused one). Resolves once started. */
  indexWorkspace(): Promise<IndexRequestOutcome> {
    return this.session.indexWorkspace();
  }

  /** False when nothing is running. */
  pause(): boolean {
    return this.session.pause();
  }

  resume(): boolean {
    return this.session.resume();
  }

  cancel(): boolean {
    return this.session.cancel();
  }

  /** Clear and index: close the engine, delete the store, reopen, index. */
  rebuild(): Promise<void> {
    return this.session.rebuild();
  }

  /** Searches the index (what is indexed so far while a run goes on). */
  search(query: string, opts?: SearchOptions): Promise<SearchResult[]> {
    return this.session.search(query, opts);
  }

  /** Code like a span of an indexed file (left out of the results) or like a piece of code. */
  similar(target: SimilarTarget, opts?: SearchOptions): Promise<SearchResult[]> {
    return this.session.similar(target, opts);
  }

  /** The innermost indexed chunk holding a line of a file (path as results name it), or undefined. */
  chunkAt(path: string, line: number): Promise<IndexedSpan | undefined> {
    return this.session.chunkAt(path, line);
  }

  /** Re-indexes these files at user priority; ignored while no index is open (the next run sees them). */
  updateFiles(absPaths: string[], why: string): Promise<void> {
    return this.session.updateFiles(absPaths, why);
  }

  /** Resolves when nothing is opening, indexing, updating or waiting in a watcher batch. */
  async whenIdle(): Promise<void> {
    for (;;) {
      await this.session.whenIdle();
      // A watcher batch ends in updateFiles, which the session waits for on the next round.
      const watcher = this.watcher;
      if (!watcher?.pending) return;
      await watcher.settled();
    }
  }

  async close(): Promise<void> {
    if (this.session.isClosed) return;
    await this.session.close();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  dispose(): void {
    void this.close();
  }

  // ——— saves and external changes ———

  private onSaved(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file') return;
    void this.session.updateFiles([doc.uri.fsPath], 'save');
    this.watcher?.recheck(doc.uri.fsPath);
  }

  /** Watches for external changes while the engine is open and the setting is on. */
  private syncWatcher(): void {
    const want = !!this.session.indexer && this.config.settings.watchExternalChanges && !this.session.isClosed;
    if (want && !this.watcher) {
      const roots = this.roots();
      const storeDir = this.storeDir;
      let warned = false;
      this.watcher = new ExternalChangeWatcher({
        roots,
        ignoredDirs: storeDir ? [storeDir] : [],
        // What the index leaves out is not watched either (a settings change reopens, and so rewatches).
        rules: { useGitignore: this.config.settings.respectGitignore, exclude: this.config.settings.exclude },
        onChanges: (paths) => this.session.updateFiles(paths, 'external change'),
        onError: (err) => {
          const code = (err as NodeJS.ErrnoException)?.code;
          if (code === 'ENOSPC' && !warned) {
            warned = true;
            this.log.warn('the system limit on file watchers is reached (fs.inotify.max_user_watches): external changes may be missed; saves in VS Code are still indexed');
          } else if (code !== 'ENOSPC') this.log.warn(`file watcher: ${errorMessage(err)}`);
        },
      });
      this.log.info(`watching ${roots.length} folder(s) for external changes`);
    } else if (!want && this.watcher) {
      void this.stopWatcher();
    }
  }

  private async stopWatcher(): Promise<void> {
    const w = this.watcher;
    this.watcher = undefined;
    await w?.close();
  }

  // ——— notifications ———

  private notify(notice: Notice): void {
    switch (notice.kind) {
      case 'busy':
        void vscode.window.showWarningMessage(`Semindex: ${notice.message}`, 'Retry', 'Show Output').then((choice) => {
          if (choice === 'Retry') void vscode.commands.executeCommand('semindex.indexWorkspace');
          else if (choice === 'Show Output') this.log.show();
        });
        return;
      case 'settings': {
        const setting = notice.setting;
        void vscode.window.showErrorMessage(`Semindex: ${notice.message}`, 'Open Settings', 'Use Static Embedder').then((choice) => {
          if (choice === 'Open Settings') void Config.openSetting(setting);
          else if (choice === 'Use Static Embedder') void vscode.workspace.getConfiguration(SECTION).update('embedder', 'static', vscode.ConfigurationTarget.Workspace);
        });
        return;
      }
      case 'open-failed': {
        const actions = notice.model ? ['Open Settings', 'Show Output'] : ['Rebuild Index', 'Show Output'];
        void vscode.window.showErrorMessage(`Semindex could not open the index: ${notice.message}`, ...actions).then((choice) => {
          if (choice === 'Open Settings') void Config.openSetting(`${SECTION}.modelPath`);
          else if (choice === 'Rebuild Index') void vscode.commands.executeCommand('semindex.rebuildIndex');
          else if (choice === 'Show Output') this.log.show();
        });
        return;
      }
      case 'failed':
        void vscode.window.showErrorMessage(`Semindex: ${notice.message}`, 'Show Output').then((choice) => {
          if (choice) this.log.show();
        });
    }
  }
}

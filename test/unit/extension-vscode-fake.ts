// A minimal stand-in for the `vscode` module, installed into Node's module loader, so the
// extension's lifetime logic (ctx.ts, commands, views) runs in mocha against the real engine.
// Only what the extension uses is here; real-VS-Code behaviour is covered by the e2e suite.
// Import this before anything that imports `vscode`.
import Module from 'node:module';
import * as path from 'node:path';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static joinPath(u: Uri, ...parts: string[]): Uri {
    return new Uri(u.scheme, path.join(u.fsPath, ...parts));
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
}

export interface FakeWebview {
  options: unknown;
  html: string;
  cspSource: string;
  posted: { type: string; [k: string]: unknown }[];
  asWebviewUri(u: Uri): Uri;
  postMessage(m: unknown): Promise<boolean>;
  onDidReceiveMessage: EventEmitter<unknown>['event'];
  /** What the page would send. */
  receive(m: unknown): void;
}

function fakeWebview(): FakeWebview {
  const incoming = new EventEmitter<unknown>();
  const posted: FakeWebview['posted'] = [];
  return {
    options: undefined,
    html: '',
    cspSource: 'https://fake.vscode-resource',
    posted,
    asWebviewUri: (u) => u,
    postMessage: async (m) => {
      posted.push(JSON.parse(JSON.stringify(m)));
      return true;
    },
    onDidReceiveMessage: incoming.event,
    receive: (m) => incoming.fire(m),
  };
}

export interface FakeStatusItem {
  text: string;
  tooltip: unknown;
  command: unknown;
  visible: boolean;
  backgroundColor: unknown;
}

const configEmitter = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();
const foldersEmitter = new EventEmitter<unknown>();
const saveEmitter = new EventEmitter<{ uri: Uri }>();

/** What the test drives and observes. */
export const fake = {
  settings: {} as Record<string, unknown>,
  folders: [] as { name: string; uri: Uri; index: number }[],
  messages: [] as { level: 'error' | 'warning' | 'info'; text: string }[],
  log: [] as string[],
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  executed: [] as string[],
  statusItems: [] as FakeStatusItem[],
  context: new Map<string, unknown>(),
  viewProviders: new Map<string, { resolveWebviewView(view: unknown): void }>(),
  opened: [] as { fsPath: string; selection?: unknown }[],
  panels: [] as { webview: FakeWebview; dispose(): void }[],
  setSetting(key: string, value: unknown): void {
    if (value === undefined) delete this.settings[key];
    else this.settings[key] = value;
    configEmitter.fire({ affectsConfiguration: (section: string) => key === section || key.startsWith(`${section}.`) });
  },
  /** Replaces the workspace folders (onDidChangeWorkspaceFolders). */
  setFolders(folders: { name: string; fsPath: string }[]): void {
    this.folders = folders.map((f, index) => ({ name: f.name, uri: Uri.file(f.fsPath), index }));
    foldersEmitter.fire({});
  },
  save(fsPath: string): void {
    saveEmitter.fire({ uri: Uri.file(fsPath) });
  },
  /** Resolves a webview view the way VS Code does when it is first shown. */
  showView(viewType: string) {
    const webview = fakeWebview();
    const visibility = new EventEmitter<void>();
    const disposed = new EventEmitter<void>();
    const view = { webview, visible: true, onDidChangeVisibility: visibility.event, onDidDispose: disposed.event, show() {} };
    fake.viewProviders.get(viewType)!.resolveWebviewView(view);
    return { view, webview, dispose: () => disposed.fire() };
  },
  reset(): void {
    this.settings = {};
    this.folders = [];
    this.messages = [];
    this.log = [];
    this.executed = [];
    this.statusItems = [];
    this.opened = [];
    this.panels = [];
    this.context.clear();
  },
};

const disposable = { dispose() {} };

const vscode = {
  EventEmitter,
  Uri,
  Position,
  Range,
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: { Active: -1 },
  ConfigurationTarget: { Global: 1, Workspace: 2 },
  TextEditorRevealType: { InCenter: 2 },
  window: {
    activeTextEditor: undefined,
    createOutputChannel: (name: string) => {
      const line = (level: string) => (text: string) => void fake.log.push(`[${level}] ${text}`);
      return { name, info: line('info'), warn: line('warn'), error: line('error'), trace: line('trace'), debug: line('debug'), appendLine: line('info'), show() {}, dispose() {} };
    },
    createStatusBarItem: () => {
      const item: FakeStatusItem & { show(): void; hide(): void; dispose(): void } = {
        text: '',
        tooltip: undefined,
        command: undefined,
        visible: false,
        backgroundColor: undefined,
        show() {
          this.visible = true;
        },
        hide() {
          this.visible = false;
        },
        dispose() {},
      };
      fake.statusItems.push(item);
      return item;
    },
    showErrorMessage: async (text: string) => void fake.messages.push({ level: 'error', text }),
    showWarningMessage: async (text: string) => void fake.messages.push({ level: 'warning', text }),
    showInformationMessage: async (text: string) => void fake.messages.push({ level: 'info', text }),
    registerWebviewViewProvider: (id: string, provider: { resolveWebviewView(view: unknown): void }) => {
      fake.viewProviders.set(id, provider);
      return { dispose: () => fake.viewProviders.delete(id) };
    },
    registerWebviewPanelSerializer: () => disposable,
    createWebviewPanel: () => {
      const webview = fakeWebview();
      const state = new EventEmitter<void>();
      const disposed = new EventEmitter<void>();
      const panel = { webview, visible: true, iconPath: undefined, reveal() {}, onDidChangeViewState: state.event, onDidDispose: disposed.event, dispose: () => disposed.fire() };
      fake.panels.push(panel);
      return panel;
    },
    showTextDocument: async (doc: { uri: Uri }, opts: { selection?: unknown }) => {
      fake.opened.push({ fsPath: doc.uri.fsPath, selection: opts?.selection });
      return { revealRange() {} };
    },
  },
  workspace: {
    get workspaceFolders() {
      return fake.folders.length ? fake.folders : undefined;
    },
    getConfiguration: (section: string) => ({
      get: (key: string) => fake.settings[`${section}.${key}`],
      update: async (key: string, value: unknown) => fake.setSetting(`${section}.${key}`, value),
    }),
    onDidChangeConfiguration: configEmitter.event,
    onDidChangeWorkspaceFolders: foldersEmitter.event,
    onDidSaveTextDocument: saveEmitter.event,
    openTextDocument: async (uri: Uri) => {
      const text = (await import('node:fs')).readFileSync(uri.fsPath, 'utf8');
      const lines = text.split('\n');
      return { uri, lineCount: lines.length, lineAt: (n: number) => ({ range: { end: new Position(n, lines[n].length) } }) };
    },
  },
  commands: {
    registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
      fake.commands.set(id, fn);
      return { dispose: () => fake.commands.delete(id) };
    },
    executeCommand: async (id: string, ...args: unknown[]) => {
      fake.executed.push(id);
      if (id === 'setContext') {
        fake.context.set(args[0] as string, args[1]);
        return undefined;
      }
      if (id === 'vscode.open') {
        fake.opened.push({ fsPath: (args[0] as Uri).fsPath });
        return undefined;
      }
      return fake.commands.get(id)?.(...args);
    },
  },
};

// Serve `require('vscode')` from here.
const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
const load = loader._load;
loader._load = function (request: string, parent: unknown, isMain: boolean) {
  if (request === 'vscode') return vscode;
  return load.call(this, request, parent, isMain);
};

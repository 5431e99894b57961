// The status bar item (text from statusText.ts) and the context keys UI tests and `when` clauses
// read: semindex.phase, semindex.indexed, semindex.indexing, semindex.paused.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { type IndexState, isRunning } from './indexState';
import { statusBarView } from './statusText';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('semindex.status', vscode.StatusBarAlignment.Left, 10);
  private readonly listener: vscode.Disposable;
  private readonly contextKeys = new Map<string, unknown>();

  constructor(private readonly ctx: Ctx) {
    this.item.name = 'Semindex';
    this.item.command = 'semindex.showProgress';
    this.listener = ctx.onDidChange((s) => this.render(s));
    this.render(ctx.state());
  }

  private render(s: IndexState): void {
    const v = statusBarView(s, this.ctx.locale);
    this.item.text = v.text;
    this.item.tooltip = v.tooltip;
    this.item.accessibilityInformation = { label: v.ariaLabel, role: 'button' };
    this.item.backgroundColor =
      v.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : v.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    if (s.phase === 'no-folder') this.item.hide();
    else this.item.show();
    this.setContext('semindex.phase', s.phase);
    this.setContext('semindex.indexed', s.searchable);
    this.setContext('semindex.indexing', isRunning(s.phase));
    this.setContext('semindex.paused', s.phase === 'paused');
  }

  /** What the item shows now (the test API hands it out: the DOM item is only visible to UI tests). */
  get text(): string {
    return this.item.text;
  }

  /** The context keys as last set, for `when` clauses (the test API hands them out). */
  get context(): Record<string, unknown> {
    return Object.fromEntries(this.contextKeys);
  }

  private setContext(key: string, value: unknown): void {
    if (this.contextKeys.get(key) === value) return;
    this.contextKeys.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  dispose(): void {
    this.listener.dispose();
    this.item.dispose();
  }
}

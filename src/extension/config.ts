// The one place settings are read: a typed snapshot (settings.ts) plus an event with what changed.
import * as vscode from 'vscode';
import { SECTION, type SettingKey, type Settings, type SettingsChange, changedKeys, readSettings } from './settings';

export class Config implements vscode.Disposable {
  private current: Settings = Config.read();
  private readonly emitter = new vscode.EventEmitter<SettingsChange>();
  private readonly listener: vscode.Disposable;
  readonly onDidChange = this.emitter.event;

  constructor() {
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const before = this.current;
      const after = Config.read();
      const changed = changedKeys(before, after);
      this.current = after;
      if (changed.length) this.emitter.fire({ before, after, changed });
    });
  }

  get settings(): Settings {
    return this.current;
  }

  private static read(): Settings {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    return readSettings((key: SettingKey) => cfg.get(key));
  }

  /** Opens the Settings editor at one setting (used by error messages). */
  static async openSetting(id: string): Promise<void> {
    await vscode.commands.executeCommand('workbench.action.openSettings', id);
  }

  dispose(): void {
    this.listener.dispose();
    this.emitter.dispose();
  }
}

// The first index of a workspace also shows as a progress notification with Cancel: it is the one
// run a user waits for (nothing is searchable yet) and may not notice in the status bar. Later runs
// (startup catch-up, saves, settings changes, rebuilds) stay in the status bar only.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import type { RunStart } from './session';
import { firstIndexProgress } from './statusText';

export class FirstIndexNotification implements vscode.Disposable {
  /** Notifications shown so far (the test API reports it: "once"). */
  shown = 0;
  private readonly listener: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.listener = ctx.onDidStartRun((run) => {
      if (run.first) this.show(run);
    });
  }

  private show(run: RunStart): void {
    this.shown++;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Semindex: indexing this workspace', cancellable: true },
      (progress, token) => {
        // The same command as the status bar's and the progress panel's Cancel: one way to stop a run.
        const cancel = token.onCancellationRequested(() => void vscode.commands.executeCommand('semindex.cancelIndexing'));
        let reported = 0;
        const report = () => {
          const v = firstIndexProgress(this.ctx.state(), this.ctx.locale);
          // withProgress takes increments; the bar never moves back.
          const increment = Math.max(0, v.percent - reported);
          reported += increment;
          progress.report({ message: v.message, increment });
        };
        const changes = this.ctx.onDidChange(report);
        report();
        return run.done.finally(() => {
          cancel.dispose();
          changes.dispose();
        });
      },
    );
  }

  dispose(): void {
    this.listener.dispose();
  }
}

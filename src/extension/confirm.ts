// Asking before going ahead, as a modal warning. The one place such questions go through, so a
// host test can answer them (a modal dialog cannot be clicked from inside the extension host).
import * as vscode from 'vscode';
import type { Question } from './prompts';

export class Confirmer {
  /** While set, answers every question instead of showing it (set by tests through the test API). */
  answer: boolean | undefined;
  /** Questions asked so far, shown or answered (the test API hands them out). */
  readonly asked: Question[] = [];

  async ask(q: Question): Promise<boolean> {
    this.asked.push(q);
    if (this.answer !== undefined) return this.answer;
    const choice = await vscode.window.showWarningMessage(q.message, { modal: true, detail: q.detail }, q.action);
    return choice === q.action;
  }
}

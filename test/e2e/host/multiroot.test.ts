// Extension-host tests for a multi-root workspace: test/fixtures/multi-root/multi-root.code-workspace
// (folders "frontend" and "backend" named "api-server"), opened on a throwaway copy by the second
// host run of `npm run test:e2e:host` (--workspace … --grep '^multi-root'). A workspace opened from
// a .code-workspace file can gain and lose folders without restarting the extension host.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until } from './wait';
import type { SemindexApi } from '../../../src/extension/api';
import { statusBarView } from '../../../src/extension/statusText';



describe('multi-root: the extension in a real VS Code', function () {
  this.timeout(180_000);
  let api: SemindexApi;
  const state = () => api.state();
  const describeState = () => `phase ${state().phase}, ${state().files} files, ${state().chunks} chunks, folders ${(vscode.workspace.workspaceFolders ?? []).map((f) => f.name).join(', ')}`;
  /** Files (folder:path) with a keyword match, best first, each once (a file may have several chunks). */
  const hits = async (query: string) => [...new Set((await api.search(query, { k: 20, mode: 'bm25' })).map((r) => `${r.root}:${r.path}`))];
  const settled = (files: number) =>
    until(async () => {
      await api.whenIdle();
      return state().phase === 'ready' && state().files === files;
    }, () => `ready with ${files} files (${describeState()})`);

  before(async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.ok(vscode.workspace.workspaceFile, 'opened from a .code-workspace file');
    assert.deepEqual(
      folders.map((f) => f.name),
      ['frontend', 'api-server'],
    );
    api = await vscode.extensions.getExtension<SemindexApi>('semindex.semindex')!.activate();
  });

  it('indexes every folder of the workspace and labels results by folder name', async () => {
    await api.whenIdle();
    assert.equal(state().phase, 'not-indexed');
    assert.equal(await vscode.commands.executeCommand('semindex.indexWorkspace'), 'started');
    await settled(4);
    assert.equal(state().multiRoot, true);
    assert.match(statusBarView(state(), vscode.env.language).text, /^\$\(search\) Semindex: 4 files, \d+ chunks$/);
    assert.equal((await hits('renderShoppingCartBadge'))[0], 'frontend:src/cart.ts');
    assert.equal((await hits('persistShoppingCartOrder'))[0], 'api-server:src/cart.ts');
    // The same relative path in two folders: both found, each under its own folder.
    const cart = await hits('shopping cart');
    assert.ok(cart.includes('frontend:src/cart.ts') && cart.includes('api-server:src/cart.ts'), cart.join(', '));
  });

  it('indexes a folder added to the workspace, and forgets it when removed', async () => {
    const extra = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-e2e-tools-'));
    try {
      fs.mkdirSync(path.join(extra, 'tools'));
      fs.writeFileSync(path.join(extra, 'tools/migrate.go'), 'package tools\n\n// MigrateLegacyAccounts moves accounts from the old schema.\nfunc MigrateLegacyAccounts() {}\n');
      const added = new Promise((r) => vscode.workspace.onDidChangeWorkspaceFolders(r));
      assert.ok(vscode.workspace.updateWorkspaceFolders(2, 0, { uri: vscode.Uri.file(extra), name: 'tools' }));
      await added;
      await settled(5);
      assert.deepEqual(await hits('MigrateLegacyAccounts'), ['tools:tools/migrate.go']);
      assert.equal((await hits('renderShoppingCartBadge'))[0], 'frontend:src/cart.ts', 'the other folders stay indexed');

      const removed = new Promise((r) => vscode.workspace.onDidChangeWorkspaceFolders(r));
      assert.ok(vscode.workspace.updateWorkspaceFolders(2, 1));
      await removed;
      await settled(4);
      assert.deepEqual(await hits('MigrateLegacyAccounts'), []);
      assert.equal(state().multiRoot, true);
    } finally {
      fs.rmSync(extra, { recursive: true, force: true });
    }
  });

  it('re-indexes a file saved in one folder without touching the other', async () => {
    const file = path.join(vscode.workspace.workspaceFolders![1].uri.fsPath, 'src/auth.go');
    const doc = await vscode.workspace.openTextDocument(file);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(doc.lineCount, 0), '\n// RotateSigningKeys replaces the token signing keys.\nfunc RotateSigningKeys() {}\n');
    assert.equal(await vscode.workspace.applyEdit(edit), true);
    if (!(await doc.save())) await until(async () => !doc.isDirty || (await doc.save()), 'the document to be saved');
    await until(async () => (await hits('RotateSigningKeys'))[0] === 'api-server:src/auth.go', 'the new function in api-server');
    await settled(4);
    assert.equal((await hits('renderShoppingCartBadge'))[0], 'frontend:src/cart.ts');
    assert.ok(!(await hits('RotateSigningKeys')).some((h) => h.startsWith('frontend:')));
  });
});

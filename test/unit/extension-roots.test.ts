import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { resolveInRoots, rootsFor } from '../../src/extension/roots';

describe('extension roots', () => {
  it('gives every local workspace folder a unique root name', () => {
    const roots = rootsFor([
      { name: 'src', scheme: 'file', fsPath: '/a/src' },
      { name: 'remote', scheme: 'vscode-vfs', fsPath: '/x' },
      { name: 'src', scheme: 'file', fsPath: '/b/src' },
      { name: 'src', scheme: 'file', fsPath: '/c/src' },
    ]);
    assert.deepEqual(roots, [
      { name: 'src', path: '/a/src' },
      { name: 'src (2)', path: '/b/src' },
      { name: 'src (3)', path: '/c/src' },
    ]);
  });

  it('resolves a result path inside its workspace folder', () => {
    const roots = [{ name: 'app', path: path.resolve('/ws/app') }, { name: 'lib', path: path.resolve('/ws/lib') }];
    assert.equal(resolveInRoots(roots, 'lib', 'src/a.ts'), path.join(path.resolve('/ws/lib'), 'src', 'a.ts'));
    assert.equal(resolveInRoots(roots, 'app', 'weird name..ts'), path.join(path.resolve('/ws/app'), 'weird name..ts'));
  });

  it('refuses anything that could leave the folder or is not a plain relative path', () => {
    const roots = [{ name: 'app', path: '/ws/app' }];
    for (const bad of ['../secret', 'a/../../etc/passwd', '/etc/passwd', 'C:/Windows/win.ini', 'a//b', './a', 'a/.', '', 'a\0b']) {
      assert.equal(resolveInRoots(roots, 'app', bad, path.posix), undefined, bad);
    }
    assert.equal(resolveInRoots(roots, 'other', 'a.ts', path.posix), undefined, 'unknown root');
    assert.equal(resolveInRoots(roots, 'app', 42, path.posix), undefined, 'not a string');
    assert.equal(resolveInRoots(roots, undefined, 'a.ts', path.posix), undefined, 'no root');
  });

  it('treats backslashes as separators on Windows', () => {
    const roots = [{ name: 'app', path: 'C:\\ws\\app' }];
    assert.equal(resolveInRoots(roots, 'app', '..\\..\\secret', path.win32), undefined);
    assert.equal(resolveInRoots(roots, 'app', 'src/a.ts', path.win32), 'C:\\ws\\app\\src\\a.ts');
  });
});

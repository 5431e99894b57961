import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scan, vetFiles } from '../../src/indexer/scan';
import { tempDir, writeTree } from './helpers';

describe('scan', () => {
  it('honours .gitignore at every level, .git/info/exclude and the built-in excludes', async () => {
    const dir = tempDir('scan');
    writeTree(dir, {
      '.gitignore': 'secret.txt\n*.log\n',
      '.git/info/exclude': 'local-only.js\n',
      '.git/config': '[core]\n',
      'src/a.ts': 'export const a = 1;\n',
      'src/.gitignore': 'generated/\n!keep.log\n',
      'src/generated/g.ts': 'x',
      'src/keep.log': 'kept by negation',
      'src/drop.log': 'dropped',
      'secret.txt': 'no',
      'local-only.js': 'no',
      'node_modules/dep/index.js': 'no',
      'dist/bundle.js': 'no',
      'package-lock.json': '{}',
      'README.md': '# hi',
    });
    const { files } = await scan([{ name: '', path: dir }]);
    assert.deepEqual(files.map((f) => f.path).sort(), ['.gitignore', 'README.md', 'src/.gitignore', 'src/a.ts', 'src/keep.log']);
  });

  it('applies user include and exclude globs', async () => {
    const dir = tempDir('scan');
    writeTree(dir, { 'a.ts': 'a', 'b.py': 'b', 'vendor/c.ts': 'c', 'd/e.ts': 'e' });
    const { files } = await scan([{ name: '', path: dir }], { include: ['**/*.ts'], exclude: ['vendor/**'] });
    assert.deepEqual(files.map((f) => f.path).sort(), ['a.ts', 'd/e.ts']);
  });

  it('skips with a reason: too large, binary type, .min files, FIFOs, symlink loops and links outside the root', async () => {
    const dir = tempDir('scan');
    const outside = tempDir('outside');
    writeTree(dir, { 'big.txt': 'x'.repeat(2048), 'ok.txt': 'fine', 'img.png': 'png', 'lib.min.js': 'var a', 'sub/x.ts': 'x' });
    writeTree(outside, { 'o.ts': 'outside' });
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    fs.symlinkSync('..', path.join(dir, 'sub', 'loop'));
    fs.symlinkSync(outside, path.join(dir, 'away'));
    fs.symlinkSync(path.join(dir, 'missing-target'), path.join(dir, 'dangling'));
    const { files, skipped } = await scan([{ name: '', path: dir }], { maxFileSize: 1024 });
    assert.deepEqual(files.map((f) => f.path).sort(), ['ok.txt', 'sub/x.ts']);
    const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]));
    assert.match(reasons['big.txt'], /size limit/);
    assert.match(reasons['img.png'], /binary/);
    assert.match(reasons['lib.min.js'], /minified/);
    assert.match(reasons['pipe'], /FIFO/);
    assert.match(reasons['sub/loop'], /loop/);
    assert.match(reasons['away'], /outside the root/);
    assert.match(reasons['dangling'], /broken symbolic link/);
  });

  it('vets single files with the same rules (saved, deleted, ignored, outside)', async () => {
    const dir = tempDir('scan');
    writeTree(dir, { '.gitignore': 'ignored/\n', 'src/a.ts': 'a', 'ignored/b.ts': 'b', 'node_modules/x/y.js': 'y' });
    const root = { name: '', path: dir };
    const r = await vetFiles([root], [
      path.join(dir, 'src/a.ts'),
      path.join(dir, 'ignored/b.ts'),
      path.join(dir, 'node_modules/x/y.js'),
      path.join(dir, 'src/gone.ts'),
      '/etc/hostname',
    ]);
    assert.deepEqual(r.map((v) => v.kind), ['file', 'excluded', 'excluded', 'missing', 'outside']);
  });

  it('reports a missing root clearly', async () => {
    await assert.rejects(scan([{ name: '', path: '/no/such/folder' }]), /root folder does not exist/);
  });
});

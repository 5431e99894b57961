import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scan, vetFiles } from '../../src/indexer/scan';
import { tempDir, writeTree } from './helpers';

/** git in `cwd`, with an identity for commits and local submodules allowed; stdout. */
function git(cwd: string, ...args: string[]): string {
  const config = ['-c', 'user.name=semindex', '-c', 'user.email=semindex@example.invalid', '-c', 'protocol.file.allow=always', '-c', 'init.defaultBranch=main'];
  return execFileSync('git', [...config, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** git's own view: tracked files plus untracked files it does not ignore. */
const gitView = (dir: string): string[] => git(dir, 'ls-files', '-co', '--exclude-standard', '-z').split('\0').filter(Boolean).sort();

/** A repository shaped like the kernel's trouble spots: tracked files in build folders, `*.s` ignored beside tracked `.S` files. */
function kernelLikeRepo(): string {
  const dir = tempDir('git');
  writeTree(dir, {
    '.gitignore': '*.s\n*.log\n',
    'build/x.c': 'int x;\n',
    'tools/build/y.c': 'int y;\n',
    'arch/foo.S': 'ENTRY(foo)\n',
    'src/main.c': 'int main(void) { return 0; }\n',
  });
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  writeTree(dir, {
    'arch/gen.s': 'generated assembly',
    'debug.log': 'untracked, ignored',
    'notes.txt': 'untracked, not ignored',
    'node_modules/z.js': 'untracked dependency',
  });
  return dir;
}

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
    const { files, excluded } = await scan([{ name: '', path: dir }]);
    assert.deepEqual(files.map((f) => f.path).sort(), ['.gitignore', 'README.md', 'src/.gitignore', 'src/a.ts', 'src/keep.log']);
    // Counted, folders left out whole once each: secret.txt, local-only.js, src/generated/, src/drop.log;
    // node_modules/, dist/, package-lock.json (.git is not a project file).
    assert.deepEqual(excluded, { gitignore: 4, setting: 0, builtin: 3, secret: 0 });
  });

  it('in a git repository lists exactly git\'s view, less untracked files in built-in folders', async () => {
    const dir = kernelLikeRepo();
    const root = { name: '', path: dir };
    const { files, skipped, excluded } = await scan([root]);
    const expected = gitView(dir).filter((p) => p !== 'node_modules/z.js');
    for (const p of ['build/x.c', 'tools/build/y.c', 'arch/foo.S', 'notes.txt']) assert.ok(expected.includes(p), `git lists ${p}`);
    assert.deepEqual(files.map((f) => f.path).sort(), expected);
    assert.deepEqual(skipped, []);
    assert.deepEqual(excluded, { gitignore: 2, setting: 0, builtin: 1, secret: 0 });
    // Saves and watcher events are vetted the same way: a few folders (one git call each) or many (one listing).
    const abs = (p: string) => path.join(dir, p);
    const few = ['tools/build/y.c', 'arch/foo.S', 'node_modules/z.js', 'arch/gen.s', 'notes.txt', 'build/gone.c'];
    const expectKinds = ['file', 'file', 'excluded', 'excluded', 'file', 'missing'];
    const v1 = await vetFiles([root], few.map(abs));
    assert.deepEqual(v1.map((v) => v.kind), expectKinds);
    assert.deepEqual(v1.map((v) => (v.kind === 'excluded' ? v.reason : undefined)), [undefined, undefined, 'builtin', 'gitignore', undefined, undefined]);
    writeTree(dir, Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`d${i}/f.c`, 'int f;\n'])));
    const many = [...few, ...Array.from({ length: 10 }, (_, i) => `d${i}/f.c`)];
    const v2 = await vetFiles([root], many.map(abs));
    assert.deepEqual(v2.map((v) => v.kind), [...expectKinds, ...Array(10).fill('file')]);
  });

  it('in a git repository lists submodules and nested repositories from inside; secret, size, binary and symlink rules still apply', async () => {
    const lib = tempDir('lib');
    writeTree(lib, { 'lib.c': 'int lib;\n' });
    git(lib, 'init', '-q');
    git(lib, 'add', '-A');
    git(lib, 'commit', '-qm', 'lib');
    const outside = tempDir('outside');
    writeTree(outside, { 'o.c': 'int o;\n' });
    const dir = tempDir('git');
    writeTree(dir, { 'a.c': 'int a;\n', 'src/s.c': 'int s;\n', 'big.txt': 'x'.repeat(2048), 'img.png': 'png', '.env': 'TOKEN=1\n', '.env.example': 'TOKEN=\n' });
    fs.symlinkSync('a.c', path.join(dir, 'link.c'));
    fs.symlinkSync('src', path.join(dir, 'link-dir'));
    fs.symlinkSync(outside, path.join(dir, 'away'));
    fs.writeFileSync(Buffer.from(path.join(dir, 'caf\xe9.c'), 'latin1'), 'int cafe;\n'); // a name that is not UTF-8
    git(dir, 'init', '-q');
    git(dir, 'submodule', 'add', '-q', lib, 'vendor/lib');
    git(dir, 'add', '-A');
    writeTree(dir, { 'nested/n.c': 'int n;\n', 'vendor/lib/untracked.c': 'int u;\n', 'build/ignored-nested/b.c': 'int b;\n' });
    git(path.join(dir, 'nested'), 'init', '-q');
    git(path.join(dir, 'nested'), 'add', '-A');
    git(path.join(dir, 'build/ignored-nested'), 'init', '-q');
    const { files, skipped, excluded } = await scan([{ name: '', path: dir }], { maxFileSize: 1024 });
    assert.deepEqual(files.map((f) => f.path).sort(), ['.env.example', '.gitmodules', 'a.c', 'link.c', 'nested/n.c', 'src/s.c', 'vendor/lib/lib.c', 'vendor/lib/untracked.c']);
    const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]));
    assert.deepEqual(Object.keys(reasons).sort(), ['.env', 'away', 'big.txt', 'caf\uFFFD.c', 'img.png', 'link-dir']);
    assert.match(reasons['caf\uFFFD.c'], /not valid UTF-8/);
    assert.match(reasons['.env'], /^likely secret: environment file/);
    assert.match(reasons['big.txt'], /size limit/);
    assert.match(reasons['img.png'], /binary/);
    assert.match(reasons['away'], /outside the root/);
    assert.match(reasons['link-dir'], /symbolic link to a folder/);
    // build/ignored-nested: an untracked repository in a built-in folder, left out whole.
    assert.deepEqual(excluded, { gitignore: 0, setting: 0, builtin: 1, secret: 1 });
    const vetted = await vetFiles([{ name: '', path: dir }], ['vendor/lib/lib.c', 'nested/n.c', 'build/ignored-nested/b.c'].map((p) => path.join(dir, p)));
    assert.deepEqual(vetted.map((v) => v.kind), ['file', 'file', 'excluded']);
  });

  it('when git fails on a repository, walks it instead and says so', async () => {
    const dir = kernelLikeRepo();
    fs.writeFileSync(path.join(dir, '.git', 'index'), 'not an index');
    const { files, warnings } = await scan([{ name: '', path: dir }]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /git could not list .*index file.*walked instead/);
    assert.deepEqual(files.map((f) => f.path).sort(), ['.gitignore', 'arch/foo.S', 'notes.txt', 'src/main.c']);
  });

  it('outside a git repository matches .gitignore case-sensitively, as git on Linux does', async () => {
    const dir = tempDir('scan');
    writeTree(dir, { '.gitignore': '*.s\n', 'arch/foo.S': 'ENTRY(foo)\n', 'arch/gen.s': 'generated' });
    const root = { name: '', path: dir };
    const { files, excluded } = await scan([root]);
    assert.deepEqual(files.map((f) => f.path).sort(), ['.gitignore', 'arch/foo.S']);
    assert.equal(excluded.gitignore, 1);
    assert.deepEqual((await vetFiles([root], [path.join(dir, 'arch/foo.S'), path.join(dir, 'arch/gen.s')])).map((v) => v.kind), ['file', 'excluded']);
  });

  it('without git on PATH a repository is walked instead', async () => {
    const dir = kernelLikeRepo();
    const saved = process.env.PATH;
    process.env.PATH = tempDir('no-git'); // an empty folder: no git to run
    try {
      const { files, excluded } = await scan([{ name: '', path: dir }]);
      // The walk's rules: built-in folders dropped even when tracked; `*.s` still not `foo.S`.
      assert.deepEqual(files.map((f) => f.path).sort(), ['.gitignore', 'arch/foo.S', 'notes.txt', 'src/main.c']);
      assert.deepEqual(excluded, { gitignore: 2, setting: 0, builtin: 3, secret: 0 });
    } finally {
      process.env.PATH = saved;
    }
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

// The training harvest (src/train) and the doc ↔ code pairs it shares with `semindex eval`
// (src/indexer/docpairs.ts), on small fixtures: no registry is reached, nothing is trained.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chunker } from '../../src/indexer/chunk';
import { bodyHash, splitDoc, summarize } from '../../src/indexer/docpairs';
import { resources } from '../../src/indexer/resources';
import { harvestHashes, harvestPairs, mergePairs, pairsOfFile, sampleNames, selectDebian, shardOf } from '../../src/train/harvest';
import { reservedReason } from '../../src/train/reserved';
import { tempDir, writeTree } from './helpers';

const JS = `/**
 * Parses a query string into an object of keys and values.
 *
 * @param {string} text The query string.
 * @returns {Object} The parsed object.
 */
function parseQuery(text) {
  return Object.fromEntries(text.split('&').map((kv) => kv.split('=')));
}
`;

const GO = `package conf

// Unmarshal decodes the configuration file at path into a Config value.
// It returns an error when the file is missing.
func Unmarshal(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decode(data)
}
`;

const PY = `class Cache:
    def evict_oldest(self, count):
        """Remove the oldest entries from the cache until it holds count items.

        Args:
            count: how many remain.
        """
        while len(self.items) > count:
            self.items.popitem(last=False)

    def clear(self):
        """Drop every entry of the cache at once."""
`;

const RS = `// The build script sets these flags for older compilers.
fn build_flags() -> Vec<String> {
    vec![]
}

/// Returns the length of the longest common prefix of both strings.
pub fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}
`;

async function chunker(): Promise<Chunker> {
  return Chunker.create({ runtimeWasm: resources.runtimeWasm(), grammarDir: resources.grammarDir() });
}

describe('training harvest', () => {
  describe('doc ↔ code pairs', () => {
    it('take a JSDoc description, cut at its tags, and the function without the comment', async () => {
      const [chunk] = (await (await chunker()).chunk('q.js', JS)).filter((c) => c.kind === 'function');
      const split = splitDoc(chunk)!;
      assert.equal(summarize(split.doc, chunk.symbol), 'Parses a query string into an object of keys and values.');
      assert.ok(split.code.startsWith('function parseQuery(text) {'), split.code);
      assert.ok(!split.code.includes('@param'));
    });

    it("drop Go's leading function name and keep the first sentence only", async () => {
      const chunk = (await (await chunker()).chunk('conf.go', GO)).find((c) => c.symbol === 'Unmarshal')!;
      const split = splitDoc(chunk)!;
      assert.equal(summarize(split.doc, chunk.symbol), 'decodes the configuration file at path into a Config value.');
      assert.ok(split.code.startsWith('func Unmarshal('));
    });

    it('take a Python docstring out of the body, leaving `pass` where it was all there was', async () => {
      const chunks = await (await chunker()).chunk('cache.py', PY);
      const evict = chunks.find((c) => c.symbol === 'Cache.evict_oldest')!;
      assert.equal(evict.kind, 'method', 'a method of a small class is a chunk of its own');
      const split = splitDoc(evict)!;
      assert.equal(summarize(split.doc, evict.symbol), 'Remove the oldest entries from the cache until it holds count items.');
      assert.ok(!split.code.includes('"""') && split.code.includes('popitem'), split.code);
      const clear = splitDoc(chunks.find((c) => c.symbol === 'Cache.clear')!)!;
      assert.match(clear.code, /def clear\(self\):\n\s+pass$/);
    });

    it("take Rust's `///` documentation, not a plain `//` note", async () => {
      const chunks = await (await chunker()).chunk('lib.rs', RS);
      assert.equal(splitDoc(chunks.find((c) => c.symbol === 'build_flags')!), null);
      const split = splitDoc(chunks.find((c) => c.symbol === 'common_prefix')!)!;
      assert.equal(summarize(split.doc, 'common_prefix'), 'Returns the length of the longest common prefix of both strings.');
    });

    it('refuse licences, directives and too-short summaries; read kernel-doc leads', () => {
      assert.equal(summarize(['Copyright 2020 The Authors. All rights reserved.'], 'f'), '');
      assert.equal(summarize(['eslint-disable-next-line no-undef'], 'f'), '');
      assert.equal(summarize(['Getter.'], 'f'), '');
      assert.equal(summarize(['kmalloc_array() - allocate memory for an array.', '@n: number of elements.'], 'kmalloc_array'), 'allocate memory for an array.');
    });

    it('leave out a function whose doc comment shares a row with its code', () => {
      assert.equal(splitDoc({ language: 'javascript', kind: 'function', text: '/** Adds two numbers together. */ function add(a, b) {\n  return a + b;\n}' }), null);
      const py = 'def f(x):\n    """Return the double of x."""; y = 2\n    return x * y';
      assert.equal(splitDoc({ language: 'python', kind: 'function', text: py }), null);
    });

    it('hash code alike whatever its indentation', () => {
      assert.equal(bodyHash('function f() {\n  return 1;\n}'), bodyHash('function f() {\n\t\treturn 1;\n}\n'));
      assert.notEqual(bodyHash('return 1'), bodyHash('return 2'));
    });
  });

  describe('inputs', () => {
    it('refuse the held-out standard libraries, the dev sets and their copies', () => {
      for (const name of [
        'rust-src', 'rustc', 'libstd-rust-1.63', 'golang-1.19-src', 'golang-golang-x-net-dev', 'libpython3.11-stdlib',
        'python3.11', 'pypy3', 'python3-typing-extensions', 'python3-backports.zoneinfo', 'python3-mock', 'python3-zipp',
        'golang-github-docker-docker-dev', 'python3-django', 'python3-django-filters', 'npm:lodash', 'npm:lodash.get',
        'npm:lodash-es', 'npm:es-toolkit', 'npm:underscore',
      ]) {
        assert.ok(reservedReason(name), `${name} must be refused`);
      }
      for (const name of ['golang-github-spf13-cobra-dev', 'python3-requests', 'librust-serde-dev', 'npm:express', 'ruby-rack']) {
        assert.equal(reservedReason(name), null, `${name} is fair training data`);
      }
    });

    it('sample Debian packages deterministically, reserved ones refused and reported', () => {
      const all = ['golang-github-a-dev', 'golang-github-b-dev', 'golang-golang-x-net-dev', 'golang-github-docker-docker-dev', 'golang-github-c-doc', 'python3-requests'];
      const { picked, refused } = selectDebian(all, 'go', 10);
      assert.deepEqual(picked, ['golang-github-a-dev', 'golang-github-b-dev']);
      assert.deepEqual([...refused.keys()].sort(), ['golang-github-docker-docker-dev', 'golang-golang-x-net-dev']);
      assert.deepEqual(sampleNames(['x', 'y', 'z', 'w'], 2), sampleNames(['w', 'z', 'y', 'x'], 2));
      // A package's shard is its own: another package added before it leaves it where it was.
      const names = Array.from({ length: 50 }, (_, i) => `npm:pkg${i}`);
      const shards = names.map((n) => shardOf(n, 2));
      assert.deepEqual(['npm:new', ...names].map((n) => shardOf(n, 2)).slice(1), shards);
      assert.ok(shards.includes(0) && shards.includes(1), 'both shards get packages');
    });

    it('refuse a reserved package in the manifest instead of reading it', async () => {
      const dir = tempDir('harvest-refuse');
      writeTree(dir, { 'a.py': PY });
      await assert.rejects(harvestPairs([{ name: 'python3-django', dir }], path.join(dir, 'out.tsv')), /refusing python3-django/);
    });
  });

  describe('pairs, deduplication and decontamination', () => {
    it('harvest pairs in several languages, drop duplicates and every pair whose code is in a dev set', async () => {
      const root = tempDir('harvest');
      writeTree(root, {
        'pkg-a/q.js': JS,
        'pkg-a/conf.go': GO,
        'pkg-a/test/skipped.js': JS.replace('parseQuery', 'parseQueryTest'),
        'pkg-b/cache.py': PY,
        'pkg-b/copy/conf.go': GO, // the same function vendored again: one pair
        // a dev set holding the Go function without its doc comment (as the eval builders write it)
        'devset/conf.go': GO.replace(/\/\/.*\n/g, ''),
      });
      const shard = path.join(root, 'shard.tsv');
      const { pairs } = await harvestPairs(
        [
          { name: 'pkg-a', dir: path.join(root, 'pkg-a') },
          { name: 'pkg-b', dir: path.join(root, 'pkg-b') },
        ],
        shard,
      );
      assert.equal(pairs, 5, fs.readFileSync(shard, 'utf8')); // parseQuery, Unmarshal ×2, evict_oldest, clear
      const lines = fs.readFileSync(shard, 'utf8').trim().split('\n').map((l) => l.split('\t'));
      assert.deepEqual(new Set(lines.map((l) => l[0])), new Set(['javascript', 'go', 'python']));
      const js = lines.find((l) => l[3] === 'parseQuery')!;
      assert.equal(js[5], 'parses query string into an object of keys and values');
      assert.ok(js[6].split(' ').includes('fetch') === false && js[6].split(' ').includes('entries'), js[6]);

      const deny = path.join(root, 'deny.txt');
      await harvestHashes([path.join(root, 'devset')], deny);
      const merged = path.join(root, 'pairs.tsv');
      const counts = await mergePairs([shard], [deny], merged);
      assert.equal(counts.read, 5);
      assert.deepEqual(counts.denied, { 'deny.txt': 2 }, 'both copies of Unmarshal are in the dev set');
      assert.equal(counts.kept, 3);
      assert.deepEqual(counts.byLanguage, { javascript: 1, python: 2 });
      assert.ok(!fs.readFileSync(merged, 'utf8').includes('Unmarshal'));
      const capped = await mergePairs([shard], [], path.join(root, 'capped.tsv'), 1);
      assert.deepEqual(capped.capped, { 'pkg-a': 1, 'pkg-b': 1 }, 'one pair per package at most');
      assert.equal(capped.kept, 2);
    });

    it('cut a file into pairs with the words the index embeds', async () => {
      const pairs = await pairsOfFile(await chunker(), 'p', 'lib.rs', RS);
      assert.deepEqual(pairs.map((p) => p.symbol), ['common_prefix']);
      assert.ok(pairs[0].codeWords.includes('common') && pairs[0].codeWords.includes('chars'));
      assert.ok(!pairs[0].codeWords.includes('longest'), 'the doc comment is not in the code side');
    });
  });
});

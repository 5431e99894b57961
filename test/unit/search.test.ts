import * as assert from 'node:assert/strict';
import * as lancedb from '@lancedb/lancedb';
import * as arrow from 'apache-arrow';
import { storePredicate } from '../../src/indexer/filters';
import { Indexer } from '../../src/indexer/indexer';
import { IndexReader } from '../../src/indexer/reader';
import { HybridSearch, collapseCopies, fuse, nameMatch, nameQuery } from '../../src/indexer/search';
import type { Embedder } from '../../src/indexer/types';
import { type CandidateLists, type CandidateQuery, ChunkStore, type StoredHit } from '../../src/indexer/store';
import { tempDir, writeTree } from './helpers';

const hit = (path: string, over: Partial<StoredHit> = {}): StoredHit => ({
  root: '',
  path,
  language: 'javascript',
  symbol: path.replace(/\.js$/, ''),
  kind: 'function',
  startLine: 1,
  endLine: 3,
  raw: 1,
  rowId: 0n,
  textHash: path,
  fileSize: 100,
  ...over,
});

/** A reader over a fresh static-embedder index of `ws`. */
async function indexedReader(ws: string): Promise<IndexReader> {
  const store = tempDir('store');
  const ix = await Indexer.open({ storeDir: store, roots: [{ name: '', path: ws }], embedder: { kind: 'static' }, workers: 1 });
  try {
    await ix.index();
  } finally {
    await ix.close();
  }
  return IndexReader.open(store);
}

const terms = (q: string) => nameQuery(q);

describe('search: fusion, name match, copies', function () {
  this.timeout(120_000);

  it('shows identical code once, as the copy in the smallest file, where its best copy ranks', () => {
    const bundle = hit('lodash.js', { textHash: 'h1', fileSize: 500_000, startLine: 900, endLine: 905 });
    const other = hit('other.js', { textHash: 'h2' });
    const module = hit('chunk.js', { textHash: 'h1', fileSize: 700 });
    const out = collapseCopies([
      { hit: bundle, score: 0.9 },
      { hit: other, score: 0.8 },
      { hit: module, score: 0.7 },
    ]);
    assert.deepEqual(
      out.map((r) => [r.hit.path, r.score]),
      [
        ['chunk.js', 0.9],
        ['other.js', 0.8],
      ],
    );
    assert.deepEqual(out[0].copies?.map((c) => c.path), ['lodash.js']);
    // Without sizes (an index of format < 5) the better-ranked copy is the one shown.
    const old = collapseCopies([{ hit: { ...bundle, fileSize: 0 }, score: 0.9 }, { hit: { ...module, fileSize: 0 }, score: 0.7 }]);
    assert.deepEqual(old.map((r) => r.hit.path), ['lodash.js']);
  });

  it('adds the name match: the share of its name, symbol and file name words in the query', () => {
    const q = terms("The base implementation of `_.clamp` which doesn't coerce arguments.");
    const named = nameMatch(hit('_baseClamp.js', { symbol: 'baseClamp' }), q);
    const partly = nameMatch(hit('_baseRest.js', { symbol: 'baseRest' }), q);
    const unrelated = nameMatch(hit('toLength.js', { symbol: 'toLength' }), q);
    assert.ok(named > partly && partly > unrelated, `${named} > ${partly} > ${unrelated}`);
    assert.equal(unrelated, 0);
    // A method's own name counts apart from its type's.
    assert.ok(nameMatch(hit('cache.go', { symbol: 'Cache.Get' }), terms('get the value')) > nameMatch(hit('cache.go', { symbol: 'Cache.Put' }), terms('get the value')));
    // Two candidates equal in both lists: the one the query names wins.
    const a = hit('a.js', { symbol: 'removeItem', raw: 0.5 });
    const b = hit('b.js', { symbol: 'insertItem', raw: 0.5 });
    const fused = fuse([a, b], [b, a].map((h) => ({ ...h, raw: 0.5 })), 0.8, terms('remove an item'));
    assert.deepEqual(fused.map((r) => r.hit.path), ['a.js', 'b.js']);
    assert.deepEqual(fuse([a, b], [], 0.8).map((r) => r.score), [1, 1], 'no query terms, no name match');
  });

  it('name match: words BM25 drops as stop words count, and a weak word alone earns little', () => {
    // `has` is an English stop word, so BM25 never sees it; in a name it is the name.
    const q = terms('The base implementation of `_.has` without support for deep paths.');
    assert.ok(nameMatch(hit('_baseHas.js', { symbol: 'baseHas' }), q) > nameMatch(hit('_baseGet.js', { symbol: 'baseGet' }), q));
    // With the table's query weights, lodash's `without` (named by the filler word "without")
    // gets far less than `baseEvery`, named by "base" and "every" together.
    const weights: Record<string, number> = { base: 1.25, every: 0.77, without: 0.55, support: 0.8, iteratee: 2.3, shorthands: 1.2, implementation: 0.78 };
    const weighted = nameQuery('The base implementation of `_.every` without support for iteratee shorthands.', (w) => weights[w]);
    const without = nameMatch(hit('without.js', { symbol: 'without' }), weighted);
    const baseEvery = nameMatch(hit('_baseEvery.js', { symbol: 'baseEvery' }), weighted);
    assert.ok(baseEvery > 2 * without, `${baseEvery} > 2 × ${without}`);
    assert.ok(without > 0);
  });

  it('a BM25 candidate outside the vector top k gets its own vector score before fusion', async () => {
    const a = hit('a.js', { symbol: 'x', raw: 10, rowId: 1n });
    const b = hit('b.js', { symbol: 'y', raw: 9, rowId: 2n });
    const c = hit('c.js', { symbol: 'z', raw: 0.1, rowId: 3n });
    const asked: boolean[] = [];
    const store = {
      // Asked for distances, the BM25 query gives a its row's own (b's row has no vector score: moved).
      candidates: async (ask: CandidateQuery): Promise<CandidateLists> => {
        if (ask.text) asked.push(!!ask.near);
        return { bm25: ask.text ? (ask.near ? [{ ...a, distance: 0.15 }, b] : [a, b]) : [], vector: ask.vector ? [c] : [], named: [] };
      },
    };
    const source = { texts: async (hs: readonly unknown[]) => hs.map(() => ({ text: '' })) };
    const embedder = { id: 'static:test', dim: 2, embed: async () => [Float32Array.from([1, 0])] } as unknown as Embedder;
    const search = new HybridSearch(store as never, embedder, source);
    const results = await search.search('q', { k: 3 });
    assert.deepEqual(asked, [true], 'the BM25 query was asked for distances');
    assert.deepEqual(results.map((r) => r.path), ['a.js', 'c.js', 'b.js'], 'a: BM25 best and close in vectors, first');
    // Vector or BM25 alone: nothing completed.
    await search.search('q', { k: 3, mode: 'vector' });
    await search.search('q', { k: 3, mode: 'bm25' });
    assert.deepEqual(asked, [true, false]);
  });

  it('hybrid search adds the name list: code named like the query that neither list ranked', async () => {
    const body = hit('body.js', { symbol: 'hasOwn', raw: 5, rowId: 1n });
    const named = hit('_baseHas.js', { symbol: 'baseHas', raw: 3, rowId: 2n, distance: 0.5 });
    const unnamed = hit('other.js', { symbol: 'other', raw: 2, rowId: 3n, distance: 0.1 });
    const asked: string[] = [];
    const store = {
      candidates: async (ask: CandidateQuery): Promise<CandidateLists> => {
        if (ask.names) asked.push(ask.names);
        return { bm25: ask.text ? [body] : [], vector: ask.vector ? [hit('v.js', { symbol: 'v', raw: 0.4, rowId: 4n })] : [], named: ask.names ? [unnamed, named] : [] };
      },
    };
    const source = { texts: async (hs: readonly unknown[]) => hs.map(() => ({ text: '' })) };
    const embedder = { id: 'static:test', dim: 2, embed: async () => [Float32Array.from([1, 0])] } as unknown as Embedder;
    const search = new HybridSearch(store as never, embedder, source);
    const paths = (await search.search('base implementation of has', { k: 5 })).map((r) => r.path);
    assert.ok(asked[0]?.split(' ').includes('has'), `name words asked for, stop words kept: ${asked[0]}`);
    assert.ok(paths.includes('_baseHas.js'), `the named candidate joins: ${paths}`);
    assert.ok(!paths.includes('other.js'), 'a name-list hit whose name matches nothing is left out');
    assert.ok(!(await search.search('base implementation of has', { k: 5, mode: 'vector' })).some((r) => r.path === '_baseHas.js'), 'vector mode has no name list');
    assert.equal(asked.length, 1);
  });

  it('a type ranks below a function that matches as well (kind prior)', () => {
    const type = hit('t.go', { kind: 'struct', symbol: 'Server' });
    const fn = hit('f.go', { kind: 'function', symbol: 'serve' });
    const fused = fuse([type, fn], [], 0.8);
    assert.deepEqual(fused.map((r) => r.hit.path), ['f.go', 't.go']);
  });

  it('an indexed bundle and its modules: each function is one result, in its module, the bundle among its copies', async () => {
    const fns = ['chunkArray', 'flattenDeep', 'uniqueValues'].map(
      (name, i) => `function ${name}(list, size) {\n  const out = [];\n  for (let i = 0; i < list.length; i += size + ${i}) out.push(list.slice(i, i + size));\n  return out;\n}\n`,
    );
    const ws = tempDir('ws');
    writeTree(ws, {
      'chunkArray.js': fns[0],
      'flattenDeep.js': fns[1],
      'uniqueValues.js': fns[2],
      // The bundle spaces its copies out differently, as a build does.
      'lib/bundle.js': `'use strict';\n\n${fns.map((f) => f.replace(/^  /gm, '    ')).join('\n\n')}\nmodule.exports = { chunkArray, flattenDeep, uniqueValues };\n`,
    });
    const reader = await indexedReader(ws);
    try {
      for (const mode of ['bm25', 'vector', 'hybrid'] as const) {
        const results = await reader.search('split a list into chunks of a size', { k: 10, mode });
        const fnResults = results.filter((r) => r.kind === 'function');
        assert.equal(fnResults.length, 3, `${mode}: ${fnResults.map((r) => r.path).join(', ')}`);
        for (const r of fnResults) {
          assert.notEqual(r.path, 'lib/bundle.js', `${mode}: the module's copy is shown`);
          assert.equal(r.copies?.length, 1, `${mode}: ${r.path} lists the bundle's copy`);
          assert.equal(r.copies?.[0].path, 'lib/bundle.js');
        }
      }
    } finally {
      reader.close();
    }
  });

  it('reads a table of format 4 (no file sizes) without error', async () => {
    const dir = tempDir('old-store');
    const dim = 4;
    const db = await lancedb.connect(dir);
    const utf8 = (name: string) => new arrow.Field(name, new arrow.Utf8(), false);
    const schema = new arrow.Schema([
      ...['root', 'path', 'language', 'symbol', 'kind'].map(utf8),
      new arrow.Field('start_line', new arrow.Int32(), false),
      new arrow.Field('end_line', new arrow.Int32(), false),
      ...['text', 'fts', 'text_hash', 'file_hash'].map(utf8),
      new arrow.Field('vector', new arrow.FixedSizeList(dim, new arrow.Field('item', new arrow.Float32(), true)), false),
    ]);
    const row = { root: '', path: 'a.js', language: 'javascript', symbol: 'a', kind: 'function', start_line: 1, end_line: 2, text: 'function a() {}', fts: 'a', text_hash: 'x', file_hash: 'y', vector: [1, 0, 0, 0] };
    await db.createTable('chunks', [row, { ...row, path: 'b.js' }], { schema });
    db.close();
    const store = await ChunkStore.open(dir, dim);
    try {
      const { vector: hits } = await store.candidates({ vector: Float32Array.from([1, 0, 0, 0]), depth: 5 });
      assert.equal(hits.length, 2);
      assert.deepEqual(hits.map((h) => h.fileSize), [0, 0]);
      assert.equal(collapseCopies(hits.map((h) => ({ hit: h, score: 1 }))).length, 1, 'same text hash: one result');
    } finally {
      store.close();
    }
  });
});

describe('search filters as store predicates', function () {
  this.timeout(120_000);

  it('a glob becomes a LIKE that admits every path it matches; the language an equality', () => {
    assert.equal(storePredicate({}), undefined);
    assert.equal(storePredicate({ language: 'Python' }), "language = 'python'");
    const where = storePredicate({ path: '{src/http,src/http/**,**/src/http,**/src/http/**}' })!;
    assert.match(where, /path LIKE 'src\/http\/%'/);
    assert.match(where, /path LIKE '%src\/http'/);
    assert.equal(storePredicate({ path: 'lib/{a,b}/*.js' }), undefined, 'braces inside: no LIKE, filtered after fetching');
    assert.equal(storePredicate({ path: 'my_dir/*.js' }), "(path LIKE 'my\\_dir/%.js' OR concat(root, '/', path) LIKE 'my\\_dir/%.js')", 'LIKE wildcards in names are escaped');
  });

  it('a folder whose code ranks below the top candidates of the whole index is still searched', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 80; i++) files[`a/config${i}.js`] = `function parseConfig${i}(text) {\n  return parseConfigText(text, ${i});\n}\n`;
    // One weaker match, in a folder of its own, among many other words.
    files['b/setup.js'] = `function setupEverything(options) {\n  const parsed = readConfiguration(options.file);\n${Array.from({ length: 30 }, (_, i) => `  registerHandler${i}(parsed.handlers[${i}], options.timeout, options.retries);`).join('\n')}\n  return parsed;\n}\n`;
    const ws = tempDir('ws');
    writeTree(ws, files);
    const reader = await indexedReader(ws);
    try {
      for (const mode of ['bm25', 'vector', 'hybrid'] as const) {
        const all = await reader.search('parse config', { k: 50, mode });
        assert.ok(!all.some((r) => r.path === 'b/setup.js'), `${mode}: b/setup.js is not among the index's top 50 (the test's premise)`);
        const inB = await reader.search('parse config', { k: 10, mode, path: 'b/**' });
        assert.deepEqual(inB.map((r) => r.path), ['b/setup.js'], `${mode}: the folder's own match`);
        const js = await reader.search('parse config', { k: 5, mode, language: 'javascript', path: '**/config7.js' });
        assert.deepEqual(js.map((r) => r.path), ['a/config7.js']);
      }
    } finally {
      reader.close();
    }
  });
});

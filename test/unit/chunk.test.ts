import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import { Chunker, languageOf, type ChunkerOptions } from '../../src/indexer/chunk';
import { GRAMMAR_FILES } from '../../src/indexer/languages';
import { resources } from '../../src/indexer/resources';
import type { Chunk, ChunkKind } from '../../src/indexer/types';
import type { BatchResult, WorkerConfig } from '../../src/indexer/worker';
import { fixtureWorkspace } from './helpers';

/** The built runtime files when there is a build, else the ones in node_modules (tests run from the repo root). */
function runtimePaths(): Pick<ChunkerOptions, 'runtimeWasm' | 'grammarDir'> {
  try {
    const runtimeWasm = resources.runtimeWasm();
    const grammarDir = resources.grammarDir();
    if (GRAMMAR_FILES.every((f) => fs.existsSync(path.join(grammarDir, f)))) return { runtimeWasm, grammarDir };
  } catch {
    // not built: fall through
  }
  const modules = path.resolve('node_modules');
  return {
    runtimeWasm: path.join(modules, 'web-tree-sitter/tree-sitter.wasm'),
    grammarDir: path.join(modules, 'tree-sitter-wasms/out'),
  };
}

function fixtureDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'test/fixtures/langs');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.resolve('test/fixtures/langs');
  }
}

const FIXTURES = fixtureDir();
const readFixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

type Row = [start: number, end: number, kind: ChunkKind, symbol: string];
const rows = (chunks: Chunk[]): Row[] => chunks.map((c) => [c.startLine, c.endLine, c.kind, c.symbol]);

/** The invariants every result must hold, whatever the input. */
function checkInvariants(text: string, chunks: Chunk[], opts: { maxLines: number } = { maxLines: 150 }): void {
  const lines = text.split('\n');
  const isBlank = (line: number) => (lines[line - 1] ?? '').trim() === '';
  let prevEnd = 0;
  const covered = new Set<number>();
  for (const c of chunks) {
    assert.ok(c.startLine > prevEnd, `chunk ${c.startLine}-${c.endLine} overlaps or is out of order (previous ended at ${prevEnd})`);
    assert.ok(c.endLine >= c.startLine);
    const expected = lines.slice(c.startLine - 1, c.endLine).join('\n').replace(/\r$/, '');
    assert.equal(c.text, expected, `text of ${c.startLine}-${c.endLine} is not the file's lines`);
    assert.ok(!isBlank(c.startLine) && !isBlank(c.endLine), `chunk ${c.startLine}-${c.endLine} starts or ends on a blank line`);
    // Up to 3 closing lines (`}`, `end`) may join a chunk beyond the limit.
    assert.ok(c.endLine - c.startLine + 1 <= opts.maxLines + 3, `chunk ${c.startLine}-${c.endLine} is too long`);
    assert.equal(c.kind === 'window', c.symbol === '', `window ⇔ no symbol (${c.kind} "${c.symbol}")`);
    for (let l = c.startLine; l <= c.endLine; l++) covered.add(l);
    prevEnd = c.endLine;
  }
  for (let l = 1; l <= lines.length; l++) {
    if (!isBlank(l)) assert.ok(covered.has(l), `line ${l} is not covered: ${lines[l - 1]}`);
  }
}

// Expected chunks of each fixture with the default limits: a class, struct or `impl` with methods is
// cut into its header and its methods, whatever its size (each method is an answer of its own);
// interfaces and enums stay whole; doc comments and decorators go with their definition.
const WHOLE: Record<string, Row[]> = {
  'Sample.cs': [
    [1, 2, 'window', ''],
    [4, 7, 'class', 'Line'],
    [9, 14, 'class', 'OrderService'],
    [16, 16, 'method', 'OrderService.OrderService'],
    [18, 25, 'method', 'OrderService.Add'],
    [27, 36, 'method', 'OrderService.Total'],
    [38, 39, 'class', 'OrderService'],
    [41, 44, 'interface', 'IDiscount'],
    [46, 50, 'enum', 'Status'],
    [52, 57, 'struct', 'Money'],
  ],
  'Sample.java': [
    [1, 4, 'window', ''],
    [6, 10, 'class', 'Inventory'],
    [12, 14, 'method', 'Inventory.Inventory'],
    [16, 28, 'method', 'Inventory.add'],
    [30, 32, 'method', 'Inventory.total'],
    [34, 37, 'class', 'Inventory.Item'],
    [39, 42, 'method', 'Inventory.Item.Item'],
    [44, 44, 'method', 'Inventory.Item.name'],
    [46, 46, 'method', 'Inventory.Item.quantity'],
    [48, 50, 'method', 'Inventory.Item.increase'],
    [52, 54, 'interface', 'Auditor'],
    [56, 59, 'enum', 'Unit'],
  ],
  'sample.c': [
    [1, 5, 'window', ''],
    [7, 12, 'struct', 'buffer'],
    [14, 17, 'struct', 'point_t'],
    [19, 19, 'enum', 'color'],
    [21, 22, 'type', 'line_fn'],
    [23, 26, 'window', ''],
    [28, 47, 'function', 'buffer_append'],
    [49, 55, 'function', 'buffer_free'],
    [57, 62, 'function', 'dup_string'],
    [64, 72, 'function', 'main'],
  ],
  'sample.cpp': [
    [1, 3, 'window', ''],
    [5, 5, 'module', 'geo'],
    [7, 11, 'struct', 'Point'],
    [13, 17, 'class', 'Polygon'],
    [18, 18, 'method', 'Polygon.Polygon'],
    [20, 29, 'method', 'Polygon.area'],
    [31, 35, 'class', 'Polygon'],
    [37, 44, 'method', 'Polygon.perimeter'],
    [46, 51, 'function', 'clamp'],
    [53, 56, 'function', 'main'],
  ],
  'sample.go': [
    [1, 10, 'window', ''],
    [12, 16, 'struct', 'Entry'],
    [18, 22, 'interface', 'Store'],
    [24, 28, 'struct', 'Cache'],
    [30, 33, 'function', 'New'],
    [35, 44, 'method', 'Cache.Get'],
    [46, 51, 'method', 'Cache.Set'],
    [53, 62, 'method', 'Cache.purge'],
  ],
  'sample.js': [
    [1, 4, 'window', ''],
    [6, 19, 'function', 'baseChunk'],
    [21, 30, 'function', 'camelCase'],
    [32, 35, 'function', 'readJson'],
    [37, 39, 'function', 'toUpper'],
    [41, 43, 'function', 'Stack'],
    [45, 48, 'function', 'Stack.push'],
    [50, 50, 'class', 'Queue'],
    [51, 53, 'method', 'Queue.constructor'],
    [55, 59, 'method', 'Queue.enqueue'],
    [61, 61, 'window', ''],
    [62, 64, 'method', 'helpers.double'],
    [65, 68, 'method', 'helpers.triple'],
    [70, 74, 'function', 'createCompounder'],
    [76, 76, 'window', ''],
  ],
  'sample.php': [
    [1, 5, 'window', ''],
    [7, 13, 'interface', 'Gateway'],
    [15, 16, 'class', 'Logs'],
    [17, 21, 'method', 'Logs.log'],
    [23, 30, 'class', 'Invoice'],
    [32, 34, 'method', 'Invoice.__construct'],
    [36, 41, 'method', 'Invoice.add'],
    [43, 47, 'method', 'Invoice.total'],
    [49, 52, 'function', 'format_cents'],
    [54, 54, 'window', ''],
  ],
  'sample.py': [
    [1, 6, 'window', ''],
    [9, 14, 'class', 'Entry'],
    [17, 18, 'class', 'ConfigCache'],
    [20, 22, 'method', 'ConfigCache.__init__'],
    [24, 30, 'method', 'ConfigCache.load'],
    [32, 34, 'method', 'ConfigCache.normalize'],
    [37, 46, 'function', 'merge'],
    [49, 50, 'window', ''],
  ],
  'sample.rb': [
    [1, 2, 'window', ''],
    [4, 8, 'class', 'Client'],
    [10, 12, 'method', 'Client.initialize'],
    [14, 18, 'method', 'Client.get'],
    [20, 22, 'method', 'Client.default'],
    [24, 24, 'class', 'Client'],
    [26, 30, 'method', 'Client.request'],
    [32, 34, 'function', 'slugify'],
    [36, 36, 'window', ''],
  ],
  'sample.rs': [
    [1, 6, 'window', ''],
    [8, 13, 'struct', 'Bucket'],
    [15, 19, 'enum', 'Decision'],
    [21, 24, 'interface', 'Limiter'],
    [26, 28, 'struct', 'RateLimiter'],
    [30, 30, 'class', 'RateLimiter'],
    [31, 34, 'method', 'RateLimiter.new'],
    [36, 41, 'method', 'RateLimiter.refill'],
    [43, 43, 'class', 'RateLimiter'],
    [44, 56, 'method', 'RateLimiter.check'],
    [58, 65, 'function', 'parse_rule'],
    [67, 69, 'module', 'tests'],
    [71, 75, 'function', 'parses_rule'],
  ],
  'sample.ts': [
    [1, 4, 'window', ''],
    [6, 10, 'interface', 'CacheEntry'],
    [12, 12, 'type', 'Key'],
    [14, 17, 'enum', 'Mode'],
    [19, 25, 'class', 'LruCache'],
    [27, 27, 'method', 'LruCache.constructor'],
    [29, 36, 'method', 'LruCache.get'],
    [38, 46, 'method', 'LruCache.set'],
    [48, 55, 'function', 'loadConfig'],
    [57, 58, 'function', 'clamp'],
    [60, 64, 'function', 'hidden'],
    [66, 68, 'function', 'sealed'],
    [70, 72, 'function', 'logged'],
    [74, 74, 'window', ''],
  ],
  'sample.tsx': [
    [1, 1, 'window', ''],
    [3, 6, 'interface', 'ButtonProps'],
    [8, 20, 'function', 'CounterButton'],
    [22, 22, 'function', 'Title'],
    [24, 24, 'class', 'Panel'],
    [25, 32, 'method', 'Panel.render'],
  ],

};

// Expected chunks with maxChunkLines: 8 — every type is split into a header, its members and the
// rest; long functions into nested functions or consecutive parts.
const SPLIT: Record<string, Row[]> = {
  'sample.ts': [
    [1, 4, 'window', ''],
    [6, 10, 'interface', 'CacheEntry'],
    [12, 12, 'type', 'Key'],
    [14, 17, 'enum', 'Mode'],
    [19, 25, 'class', 'LruCache'],
    [27, 27, 'method', 'LruCache.constructor'],
    [29, 36, 'method', 'LruCache.get'],
    [38, 46, 'method', 'LruCache.set'], // from its decorator
    [48, 55, 'function', 'loadConfig'],
    [57, 58, 'function', 'clamp'],
    [60, 64, 'function', 'hidden'],
    [66, 68, 'function', 'sealed'],
    [70, 72, 'function', 'logged'],
    [74, 74, 'window', ''],
  ],
  'sample.tsx': [
    [1, 1, 'window', ''],
    [3, 6, 'interface', 'ButtonProps'],
    [8, 10, 'function', 'CounterButton'],
    [11, 14, 'function', 'handle'],
    [15, 20, 'function', 'CounterButton'],
    [22, 22, 'function', 'Title'],
    [24, 24, 'class', 'Panel'],
    [25, 32, 'method', 'Panel.render'],
  ],
  'sample.js': [
    [1, 4, 'window', ''],
    [6, 13, 'function', 'baseChunk'],
    [14, 19, 'function', 'baseChunk'],
    [21, 28, 'function', 'camelCase'],
    [29, 30, 'function', 'camelCase'],
    [32, 35, 'function', 'readJson'],
    [37, 39, 'function', 'toUpper'],
    [41, 43, 'function', 'Stack'],
    [45, 48, 'function', 'Stack.push'],
    [50, 50, 'class', 'Queue'],
    [51, 53, 'method', 'Queue.constructor'],
    [55, 59, 'method', 'Queue.enqueue'],
    [61, 61, 'window', ''],
    [62, 64, 'method', 'helpers.double'],
    [65, 68, 'method', 'helpers.triple'],
    [70, 74, 'function', 'createCompounder'],
    [76, 76, 'window', ''],
  ],
  'sample.py': [
    [1, 6, 'window', ''],
    [9, 14, 'class', 'Entry'],
    [17, 18, 'class', 'ConfigCache'],
    [20, 22, 'method', 'ConfigCache.__init__'],
    [24, 30, 'method', 'ConfigCache.load'], // from its comment
    [32, 34, 'method', 'ConfigCache.normalize'],
    [37, 38, 'function', 'merge'],
    [40, 44, 'function', 'walk'],
    [46, 46, 'function', 'merge'],
    [49, 50, 'window', ''],
  ],
  'sample.go': [
    [1, 10, 'window', ''],
    [12, 16, 'struct', 'Entry'],
    [18, 22, 'interface', 'Store'],
    [24, 28, 'struct', 'Cache'],
    [30, 33, 'function', 'New'],
    [35, 42, 'method', 'Cache.Get'],
    [43, 44, 'method', 'Cache.Get'],
    [46, 51, 'method', 'Cache.Set'],
    [53, 60, 'method', 'Cache.purge'],
    [61, 62, 'method', 'Cache.purge'],
  ],
  'sample.rs': [
    [1, 6, 'window', ''],
    [8, 13, 'struct', 'Bucket'],
    [15, 19, 'enum', 'Decision'],
    [21, 24, 'interface', 'Limiter'],
    [26, 28, 'struct', 'RateLimiter'],
    [30, 30, 'class', 'RateLimiter'],
    [31, 34, 'method', 'RateLimiter.new'],
    [36, 41, 'method', 'RateLimiter.refill'],
    [43, 43, 'class', 'RateLimiter'],
    [44, 51, 'method', 'RateLimiter.check'],
    [52, 56, 'method', 'RateLimiter.check'],
    [58, 65, 'function', 'parse_rule'],
    [67, 69, 'module', 'tests'],
    [71, 75, 'function', 'parses_rule'],
  ],
  'Sample.java': [
    [1, 4, 'window', ''],
    [6, 10, 'class', 'Inventory'],
    [12, 14, 'method', 'Inventory.Inventory'],
    [16, 23, 'method', 'Inventory.add'],
    [24, 28, 'method', 'Inventory.add'],
    [30, 32, 'method', 'Inventory.total'],
    [34, 37, 'class', 'Inventory.Item'],
    [39, 42, 'method', 'Inventory.Item.Item'],
    [44, 44, 'method', 'Inventory.Item.name'],
    [46, 46, 'method', 'Inventory.Item.quantity'],
    [48, 50, 'method', 'Inventory.Item.increase'],
    [52, 54, 'interface', 'Auditor'],
    [56, 59, 'enum', 'Unit'],
  ],
  'sample.c': [
    [1, 5, 'window', ''],
    [7, 12, 'struct', 'buffer'],
    [14, 17, 'struct', 'point_t'],
    [19, 19, 'enum', 'color'],
    [21, 22, 'type', 'line_fn'],
    [23, 26, 'window', ''],
    [28, 35, 'function', 'buffer_append'],
    [36, 43, 'function', 'buffer_append'],
    [44, 47, 'function', 'buffer_append'],
    [49, 55, 'function', 'buffer_free'],
    [57, 62, 'function', 'dup_string'],
    [64, 72, 'function', 'main'], // the closing brace joins the first part
  ],
  'sample.cpp': [
    [1, 3, 'window', ''],
    [5, 5, 'module', 'geo'],
    [7, 11, 'struct', 'Point'],
    [13, 17, 'class', 'Polygon'],
    [18, 18, 'method', 'Polygon.Polygon'],
    [20, 27, 'method', 'Polygon.area'],
    [28, 29, 'method', 'Polygon.area'],
    [31, 35, 'class', 'Polygon'],
    [37, 44, 'method', 'Polygon.perimeter'],
    [46, 51, 'function', 'clamp'],
    [53, 56, 'function', 'main'],
  ],
  'Sample.cs': [
    [1, 2, 'window', ''],
    [4, 7, 'class', 'Line'],
    [9, 14, 'class', 'OrderService'],
    [16, 16, 'method', 'OrderService.OrderService'],
    [18, 25, 'method', 'OrderService.Add'],
    [27, 28, 'method', 'OrderService.Total'],
    [29, 34, 'function', 'Sum'], // local function
    [35, 36, 'method', 'OrderService.Total'],
    [38, 39, 'class', 'OrderService'],
    [41, 44, 'interface', 'IDiscount'],
    [46, 50, 'enum', 'Status'],
    [52, 57, 'struct', 'Money'],
  ],
  'sample.rb': [
    [1, 2, 'window', ''],
    [4, 8, 'class', 'Client'], // its comment sits outside the class body in the tree
    [10, 12, 'method', 'Client.initialize'],
    [14, 18, 'method', 'Client.get'],
    [20, 22, 'method', 'Client.default'],
    [24, 24, 'class', 'Client'],
    [26, 30, 'method', 'Client.request'], // with the two closing `end`s
    [32, 34, 'function', 'slugify'],
    [36, 36, 'window', ''],
  ],
  'sample.php': [
    [1, 5, 'window', ''],
    [7, 13, 'interface', 'Gateway'],
    [15, 16, 'class', 'Logs'],
    [17, 21, 'method', 'Logs.log'],
    [23, 30, 'class', 'Invoice'],
    [32, 34, 'method', 'Invoice.__construct'],
    [36, 41, 'method', 'Invoice.add'],
    [43, 47, 'method', 'Invoice.total'],
    [49, 52, 'function', 'format_cents'],
    [54, 54, 'window', ''],
  ],
};

describe('chunk', function () {
  let chunker: Chunker;
  let small: Chunker;

  before(async function () {
    chunker = await Chunker.create(runtimePaths());
    small = await Chunker.create({ ...runtimePaths(), maxChunkLines: 8 });
  });

  describe('languageOf', function () {
    it('maps extensions to languages', function () {
      const cases: Record<string, string> = {
        'a.ts': 'typescript', 'a.mts': 'typescript', 'a.cts': 'typescript', 'a.tsx': 'tsx',
        'a.js': 'javascript', 'a.mjs': 'javascript', 'a.cjs': 'javascript', 'a.jsx': 'javascript',
        'a.py': 'python', 'a.go': 'go', 'a.rs': 'rust', 'A.java': 'java', 'a.c': 'c', 'a.h': 'c',
        'a.cc': 'cpp', 'a.cpp': 'cpp', 'a.cxx': 'cpp', 'a.hpp': 'cpp', 'a.hh': 'cpp', 'a.hxx': 'cpp',
        'A.cs': 'csharp', 'a.rb': 'ruby', 'a.php': 'php',
        'src/deep/path/File.TS': 'typescript', 'README.md': 'markdown',
        'Makefile': 'text', '.gitignore': 'text', 'dir.v2/file': 'text', 'a.unknownext': 'text',
      };
      for (const [file, language] of Object.entries(cases)) assert.equal(languageOf(file), language, file);
    });
  });

  describe('fixtures', function () {
    for (const [file, expected] of Object.entries(WHOLE)) {
      it(`${file}: definitions with their comments, the rest in windows`, async function () {
        const text = readFixture(file);
        const chunks = await chunker.chunk(`src/${file}`, text);
        assert.deepEqual(rows(chunks), expected);
        assert.ok(chunks.every((c) => c.path === `src/${file}` && c.language === languageOf(file)));
        checkInvariants(text, chunks);
      });
    }

    for (const [file, expected] of Object.entries(SPLIT)) {
      it(`${file}: oversized definitions split into members and parts`, async function () {
        const text = readFixture(file);
        const chunks = await small.chunk(file, text);
        assert.deepEqual(rows(chunks), expected);
        checkInvariants(text, chunks, { maxLines: 8 });
      });
    }

    it('has a fixture and expectations for every language with a grammar', function () {
      const languages = new Set(Object.keys(WHOLE).map(languageOf));
      assert.equal(languages.size, GRAMMAR_FILES.length);
      assert.deepEqual(Object.keys(SPLIT).sort(), Object.keys(WHOLE).sort());
      assert.deepEqual(fs.readdirSync(FIXTURES).sort(), Object.keys(WHOLE).sort());
    });

    it('holds the invariants with tight limits', async function () {
      const tight = await Chunker.create({ ...runtimePaths(), maxChunkLines: 3, windowLines: 2, maxChunkChars: 80 });
      for (const file of Object.keys(WHOLE)) {
        const text = readFixture(file);
        checkInvariants(text, await tight.chunk(file, text), { maxLines: 3 });
      }
    });

    it('gives the same chunks for CRLF line endings, without the \\r', async function () {
      for (const file of Object.keys(WHOLE)) {
        const lf = readFixture(file);
        const crlf = lf.replace(/\n/g, '\r\n');
        const chunks = await chunker.chunk(file, crlf);
        assert.deepEqual(rows(chunks), rows(await chunker.chunk(file, lf)), file);
        checkInvariants(crlf, chunks);
        assert.ok(chunks.every((c) => !c.text.endsWith('\r')));
      }
    });

    it('is stable when reused for many files', async function () {
      const first = await Promise.all(Object.keys(WHOLE).map((f) => chunker.chunk(f, readFixture(f))));
      for (let round = 0; round < 20; round++) {
        const again = await Promise.all(Object.keys(WHOLE).map((f) => chunker.chunk(f, readFixture(f))));
        assert.deepEqual(again, first);
      }
    });
  });

  describe('splitting', function () {
    it('splits a huge function into consecutive parts that keep its name', async function () {
      const body = Array.from({ length: 400 }, (_, i) => `  total += step(${i}, total);`);
      const text = ['/** Sums a lot. */', 'export function huge(step: (i: number, t: number) => number): number {', '  let total = 0;', ...body, '  return total;', '}', ''].join('\n');
      const chunks = await chunker.chunk('huge.ts', text);
      checkInvariants(text, chunks);
      assert.ok(chunks.length >= 3);
      assert.ok(chunks.every((c) => c.kind === 'function' && c.symbol === 'huge' && c.endLine - c.startLine < 150));
      assert.equal(chunks[0]?.startLine, 1); // the doc comment is in the first part
      for (let i = 1; i < chunks.length; i++) assert.equal(chunks[i]?.startLine, (chunks[i - 1]?.endLine ?? 0) + 1);
    });

    it('splits a big class into a header and its methods', async function () {
      const methods = Array.from({ length: 20 }, (_, i) => [
        `    /** Method ${i}. */`,
        `    public int m${i}(int x) {`,
        ...Array.from({ length: 6 }, (_, k) => `        x += ${k * i};`),
        '        return x;',
        '    }',
        '',
      ]).flat();
      const text = ['package p;', '', '/** Big. */', 'public class Big {', '    private int count;', '', ...methods, '}', ''].join('\n');
      const chunks = await chunker.chunk('Big.java', text);
      checkInvariants(text, chunks);
      assert.deepEqual(rows(chunks).slice(0, 3), [
        [1, 1, 'window', ''],
        [3, 5, 'class', 'Big'],
        [7, 16, 'method', 'Big.m0'],
      ]);
      assert.equal(chunks.filter((c) => c.kind === 'method').length, 20);
      assert.equal(chunks.at(-1)?.symbol, 'Big.m19'); // the class's closing brace joins the last method
    });

    it('splits by characters as well as lines', async function () {
      const long = `  const s = '${'x'.repeat(200)}';`;
      const text = ['def f():', ...Array.from({ length: 60 }, () => long.replace('const ', '')), ''].join('\n');
      const chunks = await chunker.chunk('long.py', text);
      checkInvariants(text, chunks);
      assert.ok(chunks.length > 1);
      assert.ok(chunks.every((c) => c.symbol === 'f' && c.text.length <= 6000));
    });

    it('looks into big wrappers: IIFEs, #ifdef blocks', async function () {
      const js = ['(function (root) {', ...Array.from({ length: 70 }, (_, i) => `  function f${i}(a) {\n    return a + ${i};\n  }`), '}(this));', ''].join('\n');
      const jsChunks = await chunker.chunk('umd.js', js);
      checkInvariants(js, jsChunks);
      assert.equal(jsChunks.filter((c) => c.kind === 'function').length, 70);

      const c = ['#ifndef X_H', '#define X_H', '', 'int add(int a, int b)', '{', '    return a + b;', '}', '', '#endif', ''].join('\n');
      const cChunks = await chunker.chunk('x.h', c);
      checkInvariants(c, cChunks);
      assert.deepEqual(rows(cChunks), [
        [1, 2, 'window', ''],
        [4, 9, 'function', 'add'], // #endif joins the function above
      ]);
    });

    it('leaves runs of one-line definitions to windows', async function () {
      const text = Array.from({ length: 200 }, (_, i) => `int get${i}(void) { return ${i}; }`).join('\n');
      const chunks = await chunker.chunk('getters.c', text);
      checkInvariants(text, chunks);
      assert.ok(chunks.every((c) => c.kind === 'window'));
      assert.ok(chunks.length <= 4, `${chunks.length} chunks`);
    });
  });

  describe('JavaScript forms', function () {
    it('names assignments, exports and object members', async function () {
      const text = [
        "import x from 'x';",
        'export default function () {',
        '  return x;',
        '}',
        'module.exports.helper = function () {',
        '  return 1;',
        '};',
        'exports.other = (a) => {',
        '  return a;',
        '};',
        'Foo.prototype = {',
        '  bar: function () {',
        '    return 2;',
        '  },',
        '};',
        'class Widget {',
        '  onClick = () => {',
        '    this.clicked = true;',
        '  };',
        '}',
        'var reApos = RegExp("[\'\\u2019]", "g");',
        '',
      ].join('\n');
      const chunks = await small.chunk('forms.js', text);
      checkInvariants(text, chunks, { maxLines: 8 });
      assert.deepEqual(
        rows(chunks).filter((r) => r[2] !== 'window'),
        [
          [2, 4, 'function', 'default'],
          [5, 7, 'function', 'helper'],
          [8, 10, 'function', 'other'],
          [12, 15, 'method', 'Foo.bar'],
          [16, 16, 'class', 'Widget'],
          [17, 20, 'method', 'Widget.onClick'],
        ],
      );
    });
  });

  describe('robustness', function () {
    it('still chunks broken syntax', async function () {
      const text = [
        'export function ok(a: number) {',
        '  return a;',
        '}',
        '',
        'function broken(a: number {',
        '  if (a > ) {',
        '    return ;;',
        '',
        'export class Later {',
        '  method(): void {}',
        '}',
        '',
      ].join('\n');
      const chunks = await chunker.chunk('broken.ts', text);
      checkInvariants(text, chunks);
      assert.deepEqual(rows(chunks)[0], [1, 3, 'function', 'ok']);
    });

    it('gives nothing for an empty or blank file', async function () {
      assert.deepEqual(await chunker.chunk('empty.ts', ''), []);
      assert.deepEqual(await chunker.chunk('blank.py', '\n  \n\t\r\n\n'), []);
      assert.deepEqual(await chunker.chunk('blank.txt', '   '), []);
    });

    it('keeps a single long (minified) line as one chunk', async function () {
      const text = `var a=${'1+'.repeat(20000)}1;function f(){return a}`;
      const chunks = await chunker.chunk('app.min.js', text);
      assert.equal(chunks.length, 1);
      assert.equal(chunks[0]?.text, text);
    });

    it('covers files without a grammar with windows', async function () {
      const paragraph = (n: number) => Array.from({ length: n }, (_, i) => `line ${i} of some prose`);
      const text = ['', '', ...paragraph(100), '', '', '', ...paragraph(10), '', ''].join('\n');
      const chunks = await chunker.chunk('docs/notes.md', text);
      checkInvariants(text, chunks, { maxLines: 60 });
      assert.ok(chunks.every((c) => c.kind === 'window' && c.symbol === '' && c.language === 'markdown'));
      // Blank lines are never a window's edge, but may sit inside one.
      assert.deepEqual(
        chunks.map((c) => [c.startLine, c.endLine]),
        [
          [3, 62],
          [63, 115],
        ],
      );
      const other = await chunker.chunk('data.unknownext', 'a\nb\n');
      assert.deepEqual(rows(other), [[1, 2, 'window', '']]);
      assert.equal(other[0]?.language, 'text');
    });

    it('falls back to windows when a grammar cannot load, saying so once', async function () {
      const warnings: unknown[] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => void warnings.push(args);
      try {
        const broken = await Chunker.create({ ...runtimePaths(), grammarDir: path.join(FIXTURES, 'no-such-dir') });
        const text = readFixture('sample.go');
        const first = await broken.chunk('a.go', text);
        const second = await broken.chunk('b.go', text);
        checkInvariants(text, first, { maxLines: 60 });
        assert.ok(first.every((c) => c.kind === 'window'));
        assert.equal(second.length, first.length);
      } finally {
        console.warn = warn;
      }
      assert.equal(warnings.length, 1);
      assert.match(String(warnings[0]), /tree-sitter-go\.wasm/);
    });

    it('loads grammars one at a time when batches in one worker want several languages at once', async function () {
      this.timeout(120_000);
      // A fresh worker thread (no grammar loaded yet) running a batch per language at once, as the
      // indexer's pool does with two tasks per worker. web-tree-sitter fails loads that overlap
      // ("bad export type for 'tree_sitter_…_external_scanner_create'"), which left whole languages
      // to line windows and made a resumed index differ from a clean one.
      const dir = fixtureWorkspace('langs');
      const files = fs.readdirSync(dir).sort();
      const pool = new Piscina({ filename: resources.workerScript(), minThreads: 1, maxThreads: 1, concurrentTasksPerWorker: files.length });
      try {
        const config: WorkerConfig = { embedder: { kind: 'static' }, maxLineLength: 4000 };
        const results: BatchResult[] = await Promise.all(files.map((f) => pool.run({ config, files: [{ root: '', path: f, abs: path.join(dir, f) }] })));
        results.forEach((r, i) => {
          const kinds = new Set(r.rows.map((row) => row.kind));
          assert.ok([...kinds].some((k) => k !== 'window'), `${files[i]}: ${[...kinds].join(', ')}`);
        });
      } finally {
        await pool.destroy();
      }
    });
  });
});

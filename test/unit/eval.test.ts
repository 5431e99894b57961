// `semindex eval` (src/indexer/evalset.ts and the CLI command): the test set built from a tree's
// own documented functions, its scoring, and one run of the built CLI on a small fixture tree.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chunker } from '../../src/indexer/chunk';
import { type EvalQuery, type ResultSpan, findCandidates, isHit, pickCandidates, scoreRuns, writeEvalSet } from '../../src/indexer/evalset';
import { resources } from '../../src/indexer/resources';
import { cliPath, tempDir, writeTree } from './helpers';

// The fixture: each documented function as [its doc comment, its code]; the code is what the
// target's lines in the stripped copy must hold, exactly.
const JS_FNS: [symbol: string, summary: string, doc: string, code: string][] = [
  [
    'parseQuery',
    'Parses a query string into an object of keys and values.',
    '/**\n * Parses a query string into an object of keys and values.\n *\n * @param {string} text The query string.\n */',
    "function parseQuery(text) {\n  return Object.fromEntries(text.split('&').map((kv) => kv.split('=')));\n}",
  ],
  [
    'slugify',
    'Joins the words of a sentence with dashes to make a slug.',
    '/**\n * Joins the words of a sentence with dashes to make a slug.\n */',
    "function slugify(sentence) {\n  return sentence.toLowerCase().split(/\\s+/).join('-');\n}",
  ],
  [
    'Counter.increment',
    'Adds one to the counter and returns the new count.',
    '  /**\n   * Adds one to the counter and returns the new count.\n   */',
    '  increment() {\n    this.count = (this.count || 0) + 1;\n    return this.count;\n  }',
  ],
  [
    'Counter.reset',
    'Resets the counter back to zero for a fresh start.',
    '  /** Resets the counter back to zero for a fresh start. */',
    '  reset() {\n    this.count = 0;\n  }',
  ],
];
const [parseQuery, slugify, increment, reset] = JS_FNS.map(([, , doc, code]) => `${doc}\n${code}`);
// The target is the function's chunk, and the chunker gives a class's closing line to its last
// method (chunk.ts, CLOSING_LINES): that is what the index returns for it.
JS_FNS[3][3] += '\n}';
const JS = `'use strict';

${parseQuery}

${slugify}

function undocumented(a) {
  return a + 1;
}

/** Reverses the characters of a string, keeping none of its spaces. */ function reverseInline(s) {
  return s.split('').reverse().join('');
}

class Counter {
${increment}

${reset}
}

module.exports = { parseQuery, slugify, undocumented, reverseInline, Counter };
`;

const GO_FNS: typeof JS_FNS = [
  [
    'Unmarshal',
    'decodes the configuration file at path into a Config value.',
    '// Unmarshal decodes the configuration file at path into a Config value.\n// It returns an error when the file is missing.',
    'func Unmarshal(path string) (*Config, error) {\n\tdata, err := os.ReadFile(path)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\treturn decode(data)\n}',
  ],
  [
    'Config.Address',
    'returns the host and port the service listens on.',
    '// Address returns the host and port the service listens on.',
    'func (c *Config) Address() string {\n\treturn c.Name + ":" + strconv.Itoa(c.Port)\n}',
  ],
  [
    'decode',
    'turns the raw bytes of a file into a Config value.',
    '// decode turns the raw bytes of a file into a Config value.',
    'func decode(data []byte) (*Config, error) {\n\treturn &Config{Name: string(data)}, nil\n}',
  ],
  [
    'Config.Validate',
    'checks that the port of the configuration is in range.',
    '// Validate checks that the port of the configuration is in range.',
    'func (c *Config) Validate() error {\n\tif c.Port <= 0 || c.Port > 65535 {\n\t\treturn errors.New("port out of range")\n\t}\n\treturn nil\n}',
  ],
];
const goFn = (i: number) => `${GO_FNS[i][2]}\n${GO_FNS[i][3]}`;
const GO = `package conf

import "os"

${goFn(0)}

// Config holds the settings of one service.
type Config struct {
\tName string
\tPort int
}

${goFn(1)}

${goFn(2)}

${goFn(3)}
`;

const PY = `import functools


class Cache:
    """A small cache of the most recent entries."""

    def evict_oldest(self, count):
        """Remove the oldest entries from the cache until it holds count items.

        Args:
            count: how many remain.
        """
        while len(self.items) > count:
            self.items.popitem(last=False)

    def clear(self):
        """Drop every entry of the cache at once."""

    @functools.lru_cache(maxsize=None)
    def lookup(self, key):
        """Find the cached value stored under the given key."""
        return self.items.get(key)


def load_settings(path):
    """Read the settings file at path and return its values as a dict.
    """
    with open(path) as f:
        return dict(line.split("=", 1) for line in f)


def format_price(amount, currency="EUR"):
    '''Format an amount of money with two decimals and its currency.'''
    return f"{amount:.2f} {currency}"
`;
/** symbol → [summary, the function in the copy]: the docstring gone, \`pass\` where it was the whole body. */
const PY_FNS: Record<string, [string, string]> = {
  'Cache.evict_oldest': [
    'Remove the oldest entries from the cache until it holds count items.',
    '    def evict_oldest(self, count):\n        while len(self.items) > count:\n            self.items.popitem(last=False)',
  ],
  'Cache.clear': ['Drop every entry of the cache at once.', '    def clear(self):\n        pass'],
  'Cache.lookup': [
    'Find the cached value stored under the given key.',
    '    @functools.lru_cache(maxsize=None)\n    def lookup(self, key):\n        return self.items.get(key)',
  ],
  load_settings: [
    'Read the settings file at path and return its values as a dict.',
    'def load_settings(path):\n    with open(path) as f:\n        return dict(line.split("=", 1) for line in f)',
  ],
  format_price: ['Format an amount of money with two decimals and its currency.', 'def format_price(amount, currency="EUR"):\n    return f"{amount:.2f} {currency}"'],
};

/** Two documented functions in a file with Windows line endings: the copy keeps them. */
const CRLF_FNS: typeof JS_FNS = [
  ['clamp', 'Limits a number to the range between low and high.', '/**\n * Limits a number to the range between low and high.\n */', 'function clamp(n, low, high) {\n  return Math.min(high, Math.max(low, n));\n}'],
  ['lerp', 'Interpolates linearly between two numbers by a factor.', '// Interpolates linearly between two numbers by a factor.', 'function lerp(a, b, t) {\n  return a + (b - a) * t;\n}'],
];
const CRLF = CRLF_FNS.map(([, , doc, code]) => `${doc}\n${code}\n`).join('\n').replace(/\n/g, '\r\n');
/** And a Python body that is only its docstring: the `pass` that replaces it gets a `\r\n` too. */
const CRLF_PY = 'def noop(reason):\n    """Do nothing at all, whatever the reason given."""\n\n\nVERSION = 2\n'.replace(/\n/g, '\r\n');

const EXPECTED: Record<string, [summary: string, code: string]> = {
  ...Object.fromEntries([...JS_FNS, ...GO_FNS, ...CRLF_FNS].map(([symbol, summary, , code]) => [symbol, [summary, code]])),
  ...PY_FNS,
  noop: ['Do nothing at all, whatever the reason given.', 'def noop(reason):\n    pass'],
};

const IGNORED_DOC = '/**\n * Computes a value that nobody should ever search for here.\n */\nfunction hidden() {\n  return 42;\n}\n';

function fixtureTree(): string {
  const dir = tempDir('eval-src');
  writeTree(dir, {
    'lib/strings.js': JS,
    'lib/crlf.js': CRLF,
    'pkg/win.py': CRLF_PY,
    'conf/conf.go': GO,
    'pkg/cache.py': PY,
    'README.md': '# Fixture\n\nA few documented functions in three languages.\n',
    // Left out by the indexer's scan, so neither candidates nor copied:
    'node_modules/dep/index.js': IGNORED_DOC,
    'generated/out.js': IGNORED_DOC,
    '.gitignore': 'generated/\n',
  });
  return dir;
}

/** Every file under dir (relative path → bytes and mtime), to show a tree was not touched. */
function treeState(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.set(path.relative(dir, abs), `${fs.statSync(abs).mtimeMs}:${fs.readFileSync(abs).toString('base64')}`);
    }
  };
  walk(dir);
  return out;
}

/**
 * What a CLI run left in its temp folder. LanceDB's query engine makes one empty `.tmpXXXXXX`
 * folder in $TMPDIR per process and never removes it (`semindex search` leaves the same): not
 * ours to remove, so empty ones are not counted; anything with content is.
 */
function leftIn(tmp: string): string[] {
  return fs.readdirSync(tmp).filter((name) => !(/^\.tmp\w{6}$/.test(name) && fs.statSync(path.join(tmp, name)).isDirectory() && !fs.readdirSync(path.join(tmp, name)).length));
}

const chunker = () => Chunker.create({ runtimeWasm: resources.runtimeWasm(), grammarDir: resources.grammarDir() });

describe('semindex eval', function () {
  this.timeout(120_000);

  describe('set building', () => {
    it('takes the doc summaries of functions and methods in every language the scan keeps', async () => {
      const found = await findCandidates(fixtureTree(), { chunker: await chunker() });
      assert.deepEqual(
        found.files.map((f) => f.path),
        ['.gitignore', 'README.md', 'conf/conf.go', 'lib/crlf.js', 'lib/strings.js', 'pkg/cache.py', 'pkg/win.py'],
      );
      const got = Object.fromEntries(found.candidates.map((c) => [c.symbol, c.summary]));
      assert.deepEqual(got, Object.fromEntries(Object.entries(EXPECTED).map(([s, [summary]]) => [s, summary])));
      assert.ok(found.candidates.length >= 12);
      // `/** … */ function reverseInline(s) {`: removing the doc row would remove the signature.
      assert.ok(!('reverseInline' in got));
    });

    it('writes a copy with the sampled doc comments removed and each target at exactly its function', async () => {
      const src = fixtureTree();
      const before = treeState(src);
      const found = await findCandidates(src, { chunker: await chunker() });
      const out = tempDir('eval-set');
      const set = writeEvalSet(found, pickCandidates(found.candidates, 1000), out);

      assert.equal(set.queries.length, Object.keys(EXPECTED).length);
      const lines = (rel: string) => fs.readFileSync(path.join(set.corpusDir, rel), 'utf8').split('\n');
      for (const q of set.queries) {
        const [summary, code] = EXPECTED[q.symbol];
        assert.equal(q.query, summary);
        const copy = lines(q.path).slice(q.start - 1, q.end).map((l) => l.replace(/\r$/, ''));
        assert.equal(copy.join('\n'), code, `${q.symbol} at ${q.path}:${q.start}-${q.end}`);
      }
      // The documentation of the targets is gone from the copy; the rest of every file is as it was.
      const copied = fs.readFileSync(path.join(set.corpusDir, 'lib/strings.js'), 'utf8');
      for (const [symbol, summary] of JS_FNS) assert.ok(!copied.includes(summary), `${symbol}: its doc is gone`);
      assert.ok(!copied.includes('@param'));
      assert.ok(copied.includes('/** Reverses the characters'), 'a doc that was not sampled stays');
      assert.ok(!fs.readFileSync(path.join(set.corpusDir, 'pkg/cache.py'), 'utf8').includes('Remove the oldest'));
      assert.ok(fs.readFileSync(path.join(set.corpusDir, 'pkg/cache.py'), 'utf8').includes('A small cache'), "the class's docstring was no target");
      for (const rel of ['lib/crlf.js', 'pkg/win.py']) {
        const crlf = fs.readFileSync(path.join(set.corpusDir, rel), 'utf8');
        assert.ok(crlf.includes('\r\n') && !/[^\r]\n/.test(crlf), `${rel}: Windows line endings are kept`);
      }
      assert.equal(fs.readFileSync(path.join(set.corpusDir, 'README.md'), 'utf8'), fs.readFileSync(path.join(src, 'README.md'), 'utf8'));
      assert.ok(!fs.existsSync(path.join(set.corpusDir, 'node_modules')) && !fs.existsSync(path.join(set.corpusDir, 'generated')));

      // queries.jsonl in the eval kit's format.
      const written = fs.readFileSync(set.queriesFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EvalQuery);
      assert.deepEqual(written, set.queries);
      assert.deepEqual(Object.keys(written[0]).sort(), ['end', 'id', 'path', 'query', 'start', 'symbol']);
      assert.equal(new Set(written.map((q) => q.id)).size, written.length);

      assert.deepEqual(treeState(src), before, 'the original tree is untouched');
    });

    it('samples deterministically and removes only the sampled docs, shifting the targets below them', async () => {
      const src = fixtureTree();
      const found = await findCandidates(src, { chunker: await chunker() });
      const picked = pickCandidates(found.candidates, 5);
      assert.equal(picked.length, 5);
      assert.deepEqual(pickCandidates([...found.candidates].reverse(), 5), picked, 'the order of the walk does not matter');
      const set = writeEvalSet(found, picked, tempDir('eval-sample'));
      assert.deepEqual(set.queries.map((q) => q.symbol).sort(), picked.map((c) => c.symbol).sort());
      const sampled = new Set(picked.map((c) => c.symbol));
      for (const [symbol, [summary, code]] of Object.entries(EXPECTED)) {
        const rel = found.candidates.find((c) => c.symbol === symbol)!.path;
        const text = fs.readFileSync(path.join(set.corpusDir, rel), 'utf8').replace(/\r\n/g, '\n');
        // A Go summary drops the leading name; the comment still has the rest verbatim.
        assert.equal(text.includes(summary), !sampled.has(symbol), `${symbol}: its doc is gone exactly when it was sampled`);
        if (sampled.has(symbol)) {
          const q = set.queries.find((x) => x.symbol === symbol)!;
          assert.equal(text.split('\n').slice(q.start - 1, q.end).join('\n'), code);
        }
      }
    });
  });

  describe('scoring (as the eval kit scores)', () => {
    const q = (id: string, start: number, end: number, file = 'src/a.js'): EvalQuery => ({ id, query: id, path: file, start, end, symbol: id });
    const r = (startLine: number, endLine: number, file = 'src/a.js'): ResultSpan => ({ path: file, startLine, endLine });
    const other = r(200, 210);

    it('counts a result that is mostly inside the target, in its file, as a hit', () => {
      assert.ok(isHit(r(10, 20), q('x', 10, 20)));
      assert.ok(isHit(r(15, 26), q('x', 10, 20)), 'half of its lines inside: a part of a long function');
      assert.ok(!isHit(r(16, 26), q('x', 10, 20)), 'less than half inside');
      assert.ok(!isHit(r(1, 60), q('x', 10, 20)), 'a window around a small function');
      assert.ok(!isHit(r(10, 20, 'src/b.js'), q('x', 10, 20)), 'another file');
      assert.ok(isHit(r(10, 20, 'root/src/a.js'), q('x', 10, 20)), "a root's label before the path");
    });

    it('gives MRR@10, R@1 and R@10 over all queries, first hit within the top 10 only', () => {
      const queries = [q('first', 10, 20), q('third', 10, 20), q('eleventh', 10, 20), q('second', 10, 20), q('unanswered', 10, 20)];
      const runs = new Map<string, ResultSpan[]>([
        ['first', [r(10, 20), other]],
        ['third', [other, r(1, 60), r(12, 18), r(10, 20)]],
        ['eleventh', [...Array<ResultSpan>(10).fill(other), r(10, 20)]],
        ['second', [r(16, 26), r(15, 24)]],
      ]);
      const s = scoreRuns(queries, runs);
      assert.deepEqual(s, { queries: 5, answered: 4, mrr10: Number(((1 + 1 / 3 + 1 / 2) / 5).toFixed(4)), recall1: 0.2, recall10: 0.6 });
      assert.deepEqual(scoreRuns(queries, new Map()), { queries: 5, answered: 0, mrr10: 0, recall1: 0, recall10: 0 });
    });
  });

  describe('the CLI', () => {
    /** Runs the built CLI with its temp folder in tmp; resolves with its exit code and output. */
    function cli(args: string[], tmp: string, onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => {
          stderr += d;
          onStderr?.(stderr, child);
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    }

    it('measures search quality on a tree, prints one JSON line, and leaves no temp files behind', async () => {
      const src = fixtureTree();
      const before = treeState(src);
      const tmp = tempDir('eval-tmp');
      const { code, stdout, stderr } = await cli(['eval', src, '--json'], tmp);
      assert.equal(code, 0, stderr);
      const lines = stdout.trim().split('\n');
      assert.equal(lines.length, 1, 'progress goes to stderr');
      const out = JSON.parse(lines[0]);
      assert.deepEqual(Object.keys(out).sort(), ['candidates', 'embedder', 'files', 'modes', 'queries', 'root', 'seconds']);
      assert.equal(out.root, src);
      assert.equal(out.files, 7);
      assert.equal(out.candidates, Object.keys(EXPECTED).length);
      assert.ok(out.queries > 0 && out.queries <= out.candidates);
      assert.match(out.embedder, /^static:/);
      assert.deepEqual(Object.keys(out.modes).sort(), ['bm25', 'hybrid', 'vector']);
      for (const mode of Object.values(out.modes) as Record<string, number>[]) {
        assert.deepEqual(Object.keys(mode).sort(), ['mrr10', 'recall1', 'recall10']);
        for (const v of Object.values(mode)) assert.ok(v >= 0 && v <= 1);
      }
      assert.ok(out.modes.bm25.mrr10 > 0, 'the summaries share words with their functions');
      assert.deepEqual(leftIn(tmp), [], 'the copy and the store are removed');
      assert.deepEqual(treeState(src), before);
    });

    it('keeps the copy, queries and store with --keep, and prints a table', async () => {
      const src = fixtureTree();
      const keep = path.join(tempDir('eval-keep'), 'kept');
      const { code, stdout, stderr } = await cli(['eval', src, '--keep', keep, '--max-queries', '6'], tempDir('eval-tmp'));
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^mode\s+MRR@10\s+R@1\s+R@10\s+queries\s+files$/m);
      for (const mode of ['hybrid', 'vector', 'bm25']) assert.match(stdout, new RegExp(`^${mode}\\s+[01]\\.\\d{4}\\s+[01]\\.\\d{4}\\s+[01]\\.\\d{4}\\s+6\\s+7$`, 'm'));
      assert.ok(fs.existsSync(path.join(keep, 'corpus', 'pkg', 'cache.py')) && fs.existsSync(path.join(keep, 'store')));
      assert.equal(fs.readFileSync(path.join(keep, 'queries.jsonl'), 'utf8').trim().split('\n').length, 6);
      const run = fs.readFileSync(path.join(keep, 'bm25.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(run.length, 6);
      assert.ok(run.every((x) => typeof x.id === 'string' && Array.isArray(x.results)));
    });

    it('refuses a tree with fewer than 10 documented functions, and a --keep inside the root', async () => {
      const src = tempDir('eval-few');
      writeTree(src, { 'a.js': `${parseQuery}\n\n${slugify}\n` });
      const tmp = tempDir('eval-tmp');
      const few = await cli(['eval', src], tmp);
      assert.equal(few.code, 1);
      assert.match(few.stderr, /only 2 documented function\(s\).*at least 10/);
      assert.deepEqual(leftIn(tmp), []);
      const inside = await cli(['eval', src, '--keep', path.join(src, 'out')], tmp);
      assert.equal(inside.code, 2);
      assert.match(inside.stderr, /--keep must be outside the root/);
      assert.ok(!fs.existsSync(path.join(src, 'out')));
    });

    it('cleans up on Ctrl-C', async () => {
      const tmp = tempDir('eval-tmp');
      let sent = false;
      let during: string[] = [];
      const { code, stderr } = await cli(['eval', fixtureTree()], tmp, (text, child) => {
        // Once the copy is written and indexing starts: the temp folder holds files by then.
        if (!sent && text.includes('indexing the copy')) {
          sent = true;
          during = fs.readdirSync(tmp);
          child.kill('SIGINT');
        }
      });
      assert.ok(sent, stderr);
      assert.equal(during.length, 1, 'the temp folder existed when Ctrl-C came');
      assert.equal(code, 130, stderr);
      assert.deepEqual(leftIn(tmp), [], 'the copy and the store are removed');
    });
  });
});

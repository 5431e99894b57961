// `semindex mcp` (src/cli/mcp.ts) driven by the MCP SDK's own client over stdio, against the built
// CLI, and `semindex similar`. The fixture tree is written here at run time: a few languages, and a
// near-copy of one function in another file (renamed, reordered lines) for find_similar.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { IndexReader } from '../../src/indexer/reader';
import { cliPath, repoRoot, tempDir, writeTree } from './helpers';

const LEVENSHTEIN = `def compute_levenshtein_distance(source: str, target: str) -> int:
    """Edit distance: single-character insertions, deletions and substitutions."""
    if len(source) < len(target):
        source, target = target, source
    previous = list(range(len(target) + 1))
    for i, a in enumerate(source, start=1):
        current = [i]
        for j, b in enumerate(target, start=1):
            insert_cost = current[j - 1] + 1
            delete_cost = previous[j] + 1
            substitute_cost = previous[j - 1] + (a != b)
            current.append(min(insert_cost, delete_cost, substitute_cost))
        previous = current
    return previous[-1]
`;

// The same algorithm under other names, as a copy-paste that drifted would look (shared with the UI test).
const EDIT_DISTANCE = fs.readFileSync(path.join(repoRoot, 'test/fixtures/near-copy/edit_distance.py'), 'utf8');

const TREE: Record<string, string> = {
  'src/text/levenshtein.py': `"""String helpers."""\n\n\n${LEVENSHTEIN}\n\ndef shout(text: str) -> str:\n    return text.upper() + "!"\n`,
  'src/http/headers.go': `package http

import "strings"

// ParseHTTPHeader splits one raw header line into its name and value.
func ParseHTTPHeader(line string) (string, string, bool) {
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return "", "", false
	}
	return strings.TrimSpace(name), strings.TrimSpace(value), true
}
`,
  'src/retry/backoff.ts': `/** Retries an async operation with exponential backoff and jitter between attempts. */
export async function retryWithBackoff<T>(op: () => Promise<T>, attempts = 5, baseMs = 100): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt + 1 >= attempts) throw err;
      const delay = baseMs * 2 ** attempt * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
`,
  'src/billing/Invoice.java': `package billing;

public class Invoice {
    /** Sums the line items and adds the tax rate on top. */
    public double totalWithTax(double[] items, double taxRate) {
        double sum = 0;
        for (double item : items) sum += item;
        return sum * (1 + taxRate);
    }
}
`,
  'lib/distance.py': `"""Copied helpers."""\n\n\n${EDIT_DISTANCE}`,
};

function cli(args: string[]): string {
  return execFileSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

interface Hit {
  path: string;
  startLine: number;
  endLine: number;
  symbol: string;
  kind: string;
  language: string;
  score: number;
  snippet: string;
}
interface Results {
  results: Hit[];
  coverage: { share: number | null; files: number; complete: boolean; writing: boolean };
}

/** The server as an agent starts it: `node dist/cli.js mcp --store <dir>`, stdio. */
async function connect(store: string, stderr: string[]): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cliPath, 'mcp', '--store', store], stderr: 'pipe' });
  transport.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const client = new Client({ name: 'semindex-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>) {
  return (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: { type: string; text: string }[]; structuredContent?: unknown };
}

describe('mcp server (semindex mcp, over stdio)', function () {
  this.timeout(120_000);
  let tree: string;
  let store: string;
  let client: Client;
  const stderr: string[] = [];

  before(async () => {
    tree = tempDir('mcp-tree');
    store = path.join(tempDir('mcp-store'), 'store');
    writeTree(tree, TREE);
    JSON.parse(cli(['index', tree, '--store', store, '--json']).trim().split('\n').pop()!);
    client = await connect(store, stderr);
  });

  after(async () => {
    await client?.close();
  });

  it('lists the three tools, read-only, with input and output schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['find_similar', 'index_status', 'search']);
    for (const t of tools) {
      assert.equal(t.annotations?.readOnlyHint, true, t.name);
      assert.equal(t.inputSchema.type, 'object', t.name);
      assert.equal(t.outputSchema?.type, 'object', t.name);
    }
    const search = tools.find((t) => t.name === 'search')!;
    assert.deepEqual(Object.keys(search.inputSchema.properties ?? {}).sort(), ['exclude', 'k', 'language', 'mode', 'path', 'query']);
    assert.deepEqual(search.inputSchema.required, ['query']);
    const similar = tools.find((t) => t.name === 'find_similar')!;
    assert.deepEqual(Object.keys(similar.inputSchema.properties ?? {}).sort(), ['code', 'endLine', 'k', 'path', 'startLine']);
  });

  it('search finds the function, as text and as structured content', async () => {
    const res = await call(client, 'search', { query: 'retry an operation with exponential backoff', k: 5 });
    assert.ok(!res.isError, res.content[0]?.text);
    const out = res.structuredContent as Results;
    assert.equal(out.results[0].path, 'src/retry/backoff.ts');
    assert.equal(out.results[0].symbol, 'retryWithBackoff');
    assert.equal(out.results[0].language, 'typescript');
    assert.match(out.results[0].snippet, /export async function retryWithBackoff/);
    assert.deepEqual(out.coverage, { share: 1, files: 5, complete: true, writing: false });
    assert.match(res.content[0].text, /src\/retry\/backoff\.ts:\d+-\d+ {2}retryWithBackoff/);
  });

  it('search filters by path glob and by language', async () => {
    const byLang = (await call(client, 'search', { query: 'parse header line name value', language: 'go' })).structuredContent as Results;
    assert.ok(byLang.results.length > 0);
    assert.ok(byLang.results.every((r) => r.language === 'go'), JSON.stringify(byLang.results));
    assert.equal(byLang.results[0].symbol, 'ParseHTTPHeader');
    const byPath = (await call(client, 'search', { query: 'edit distance insertions deletions', path: 'lib/**' })).structuredContent as Results;
    assert.ok(byPath.results.length > 0);
    assert.ok(byPath.results.every((r) => r.path.startsWith('lib/')), JSON.stringify(byPath.results));
    const notLib = (await call(client, 'search', { query: 'edit distance insertions deletions', exclude: 'lib/**' })).structuredContent as Results;
    assert.ok(notLib.results.length > 0 && notLib.results.every((r) => !r.path.startsWith('lib/')), JSON.stringify(notLib.results));
    const none = (await call(client, 'search', { query: 'edit distance', language: 'rust' })).structuredContent as Results;
    assert.deepEqual(none.results, []);
  });

  it('find_similar on a function finds its near-copy in another file, not itself', async () => {
    const start = TREE['src/text/levenshtein.py'].split('\n').findIndex((l) => l.startsWith('def compute_levenshtein_distance')) + 1;
    const end = start + LEVENSHTEIN.trimEnd().split('\n').length - 1;
    const res = await call(client, 'find_similar', { path: 'src/text/levenshtein.py', startLine: start, endLine: end, k: 5 });
    assert.ok(!res.isError, res.content[0]?.text);
    const out = res.structuredContent as Results;
    assert.equal(out.results[0].path, 'lib/distance.py');
    assert.equal(out.results[0].symbol, 'edit_distance');
    assert.ok(
      !out.results.some((r) => r.path === 'src/text/levenshtein.py' && r.startLine <= end && r.endLine >= start),
      `the source itself is left out: ${JSON.stringify(out.results)}`,
    );
    // The same by code: the copy and the original both rank above everything else.
    const byCode = (await call(client, 'find_similar', { code: EDIT_DISTANCE, k: 3 })).structuredContent as Results;
    assert.deepEqual(byCode.results.slice(0, 2).map((r) => r.path).sort(), ['lib/distance.py', 'src/text/levenshtein.py']);
  });

  it('find_similar on a span that holds no indexed code, or with both or neither input, is a tool error', async () => {
    const missing = await call(client, 'find_similar', { path: 'src/nope.py', startLine: 1, endLine: 3 });
    assert.equal(missing.isError, true);
    assert.match(missing.content[0].text, /no indexed code at src\/nope\.py:1-3/);
    const neither = await call(client, 'find_similar', { k: 3 });
    assert.equal(neither.isError, true);
    assert.match(neither.content[0].text, /either path/);
  });

  it('index_status reports files, chunks, embedder, coverage and the last run', async () => {
    const res = await call(client, 'index_status', {});
    assert.ok(!res.isError, res.content[0]?.text);
    const s = res.structuredContent as { files: number; chunks: number; failed: number; embedder: string; coverage: Results['coverage']; lastFullRun: { at: string; files: number } | null };
    const cliStatus = JSON.parse(cli(['status', '--store', store, '--json']));
    assert.equal(s.files, 5);
    assert.equal(s.chunks, cliStatus.chunks);
    assert.equal(s.failed, 0);
    assert.equal(s.embedder, cliStatus.embedder);
    assert.equal(s.lastFullRun?.files, 5);
    assert.ok(!Number.isNaN(Date.parse(s.lastFullRun!.at)));
    assert.deepEqual(s.coverage, cliStatus.coverage);
  });

  it('rows a later `semindex index` commits are served without a restart', async () => {
    const query = 'haversine great circle distance between coordinates';
    const before = (await call(client, 'search', { query, k: 3 })).structuredContent as Results;
    assert.ok(!before.results.some((r) => r.symbol === 'haversineKilometres'));
    writeTree(tree, {
      'src/geo/haversine.rs': `/// Great-circle distance between two coordinates on the earth, by the haversine formula.
pub fn haversineKilometres(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (dlat, dlon) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dlat / 2.0).sin().powi(2) + lat1.to_radians().cos() * lat2.to_radians().cos() * (dlon / 2.0).sin().powi(2);
    6371.0 * 2.0 * a.sqrt().asin()
}
`,
    });
    cli(['index', tree, '--store', store, '--json']);
    const after = (await call(client, 'search', { query, k: 3 })).structuredContent as Results;
    assert.equal(after.results[0]?.symbol, 'haversineKilometres', JSON.stringify(after.results));
    assert.equal(after.coverage.files, 6);
    const status = (await call(client, 'index_status', {})).structuredContent as { files: number };
    assert.equal(status.files, 6);
  });

  it('logs to stderr only: every stdout line was protocol (the client parsed them all)', () => {
    assert.match(stderr.join(''), /semindex mcp: serving/);
  });

  it('a missing store answers with tool errors, not a crash', async () => {
    const gone = path.join(tempDir('mcp-none'), 'no-store');
    const errs: string[] = [];
    const c = await connect(gone, errs);
    try {
      for (const [name, args] of [
        ['search', { query: 'anything' }],
        ['find_similar', { code: 'def f(): pass' }],
        ['index_status', {}],
      ] as const) {
        const res = await call(c, name, args);
        assert.equal(res.isError, true, name);
        assert.match(res.content[0].text, /No Semindex index in .*no-store.*semindex index/, name);
      }
      // Still serving after the errors.
      assert.equal((await c.listTools()).tools.length, 3);
    } finally {
      await c.close();
    }
  });

  it('an empty store (indexed, no chunks) answers search with a tool error', async () => {
    const empty = tempDir('mcp-empty-tree');
    const emptyStore = path.join(tempDir('mcp-empty'), 'store');
    cli(['index', empty, '--store', emptyStore, '--json']);
    const c = await connect(emptyStore, []);
    try {
      const res = await call(c, 'search', { query: 'anything' });
      assert.equal(res.isError, true);
      assert.match(res.content[0].text, /has no chunks yet/);
      const status = await call(c, 'index_status', {});
      assert.ok(!status.isError);
      assert.equal((status.structuredContent as { chunks: number }).chunks, 0);
    } finally {
      await c.close();
    }
  });
});

describe('semindex similar (CLI)', function () {
  this.timeout(120_000);
  let tree: string;
  let store: string;

  before(() => {
    tree = tempDir('similar-tree');
    store = path.join(tempDir('similar-store'), 'store');
    writeTree(tree, TREE);
    cli(['index', tree, '--store', store, '--json']);
  });

  it('prints what search prints: the near-copy first, the source left out', () => {
    const start = TREE['lib/distance.py'].split('\n').findIndex((l) => l.startsWith('def edit_distance')) + 1;
    const end = start + EDIT_DISTANCE.trimEnd().split('\n').length - 1;
    const out = JSON.parse(cli(['similar', '--store', store, `lib/distance.py:${start}-${end}`, '-k', '4', '--json']));
    assert.deepEqual(Object.keys(out).sort(), ['id', 'ms', 'results']);
    assert.deepEqual(Object.keys(out.results[0]).sort(), ['endLine', 'kind', 'language', 'path', 'score', 'startLine', 'symbol']);
    assert.equal(out.results[0].path, 'src/text/levenshtein.py');
    assert.equal(out.results[0].symbol, 'compute_levenshtein_distance');
    const overlapsSource = (r: Hit) => r.path === 'lib/distance.py' && r.startLine <= end && r.endLine >= start;
    assert.ok(!out.results.some(overlapsSource), JSON.stringify(out.results));
    const text = cli(['similar', '--store', store, `lib/distance.py:${start}-${end}`, '-k', '2']);
    assert.match(text, /^# similar to lib\/distance\.py:\d+-\d+ {2}\(2 results/);
    assert.match(text, /src\/text\/levenshtein\.py:\d+-\d+ {2}compute_levenshtein_distance/);
  });

  it('search --path, --exclude and --language narrow the results; the engine applies exclude like path', async () => {
    const paths = (args: string[]) => (JSON.parse(cli(['search', '--store', store, '-k', '10', '--json', ...args])).results as Hit[]).map((r) => r.path);
    const all = paths(['edit distance between strings']);
    assert.ok(all.includes('lib/distance.py') && all.includes('src/text/levenshtein.py'), JSON.stringify(all));
    const inLib = paths(['--path', 'lib/**', 'edit distance between strings']);
    assert.ok(inLib.length > 0 && inLib.every((p) => p.startsWith('lib/')), JSON.stringify(inLib));
    const notLib = paths(['--exclude', 'lib/**', 'edit distance between strings']);
    assert.ok(notLib.includes('src/text/levenshtein.py') && !notLib.some((p) => p.startsWith('lib/')), JSON.stringify(notLib));
    const both = paths(['--path', 'src/**', '--exclude', '**/*.py', 'edit distance between strings']);
    assert.ok(both.every((p) => p.startsWith('src/') && !p.endsWith('.py')), JSON.stringify(both));
    const go = paths(['--language', 'go', 'parse header']);
    assert.deepEqual([...new Set(go)], ['src/http/headers.go']);
    const reader = await IndexReader.open(store);
    try {
      const hits = await reader.search('edit distance between strings', { k: 10, exclude: 'src/**', language: 'PYTHON' });
      assert.ok(hits.length > 0 && hits.every((r) => r.path === 'lib/distance.py'), JSON.stringify(hits.map((r) => r.path)));
      assert.deepEqual(await reader.search('edit distance', { exclude: '**' }), []);
    } finally {
      reader.close();
    }
  });

  it('chunkAt gives the innermost chunk around a line (find similar at the cursor), or nothing where no code is indexed', async () => {
    const reader = await IndexReader.open(store);
    try {
      const lines = TREE['src/text/levenshtein.py'].split('\n');
      const start = lines.findIndex((l) => l.startsWith('def compute_levenshtein_distance')) + 1;
      const end = start + LEVENSHTEIN.trimEnd().split('\n').length - 1;
      const inner = lines.findIndex((l) => l.includes('substitute_cost =')) + 1;
      assert.deepEqual(await reader.chunkAt('src/text/levenshtein.py', inner), { path: 'src/text/levenshtein.py', startLine: start, endLine: end, symbol: 'compute_levenshtein_distance' });
      // The same span is what similar() takes, and leaves out.
      const span = (await reader.chunkAt('./src/text/levenshtein.py', start))!;
      const similar = await reader.similar(span, { k: 3 });
      assert.equal(similar[0].path, 'lib/distance.py');
      assert.ok(!similar.some((r) => r.path === span.path && r.startLine <= span.endLine && r.endLine >= span.startLine));
      const shout = lines.findIndex((l) => l.startsWith('def shout')) + 2;
      assert.equal((await reader.chunkAt('src/text/levenshtein.py', shout))?.symbol, 'shout');
      assert.equal(await reader.chunkAt('src/nope.py', 1), undefined);
      assert.equal(await reader.chunkAt('src/text/levenshtein.py', lines.length + 50), undefined);
    } finally {
      reader.close();
    }
  });

  it('a span with no indexed code exits 1 with a message; a malformed span is a usage error', () => {
    const run = (args: string[]) => {
      try {
        cli(args);
        return { status: 0, stderr: '' };
      } catch (err) {
        const e = err as { status: number; stderr: string };
        return { status: e.status, stderr: e.stderr };
      }
    };
    const missing = run(['similar', '--store', store, 'nope.py:1-2']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no indexed code at nope\.py:1-2/);
    assert.equal(run(['similar', '--store', store, 'lib/distance.py']).status, 2);
    assert.equal(run(['similar', '--store', store, 'lib/distance.py:9-3']).status, 2);
    assert.ok(fs.existsSync(store));
  });
});

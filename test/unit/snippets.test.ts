// Snippets read from the files at display time (issue 15, index format 8): the store keeps no chunk
// text, so a result's code is its lines of the file as it is now, shown only while they hash as
// indexed. A file edited or deleted since must say so — in the CLI, the MCP tools, the language-model
// tools, Quick Search and the search panel's model — and offer to re-index, never show other lines.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import * as lancedb from '@lancedb/lancedb';
import { createMcpServer } from '../../src/cli/mcp';
import { quickPickItem, resultItems, toolHitText } from '../../src/extension/searchModel';
import { SemindexError } from '../../src/indexer/errors';
import { Indexer } from '../../src/indexer/indexer';
import { FollowingReader, IndexReader } from '../../src/indexer/reader';
import { chunkTexts, type SearchResult } from '../../src/indexer/search';
import { redactSecrets } from '../../src/indexer/secrets';
import { SourceFiles, decodeSource, sourceLines } from '../../src/indexer/source';
import { ChunkStore } from '../../src/indexer/store';
import { cliPath, tempDir, writeTree } from './helpers';

const GEOMETRY = `"""Shapes."""


def polygon_area(points):
    """Area of a simple polygon by the shoelace formula."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def circle_circumference(radius):
    return 2 * 3.14159 * radius
`;

/** polygon_area as the file holds it (lines 4–9). */
const POLYGON_AREA = GEOMETRY.split('\n').slice(3, 9).join('\n');

const GONE = `package gone

// DeleteScratchDirectory removes the scratch directory and everything in it.
func DeleteScratchDirectory(dir string) error {
	return os.RemoveAll(dir)
}
`;

// Latin-1 with CRLF line ends: decoded and cut exactly as the worker does (a \r inside a chunk is kept).
const LEGACY = Buffer.from('/* Compte les voyelles (é compris). */\r\nint count_vowels(const char *s) {\r\n  int n = 0;\r\n  for (; *s; s++) n += is_vowel(*s);\r\n  return n;\r\n}\r\n', 'latin1');

function cli(args: string[]): string {
  return execFileSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

/** The lines startLine..endLine of a file as it is now. */
function fileLines(abs: string, r: { startLine: number; endLine: number }): string[] {
  return fs.readFileSync(abs, 'utf8').split('\n').slice(r.startLine - 1, r.endLine).filter((l) => l.trim());
}

async function searchOne(store: string, query: string, symbol: string): Promise<SearchResult> {
  const reader = await IndexReader.open(store);
  try {
    const hit = (await reader.search(query, { k: 5, mode: 'bm25' })).find((r) => r.symbol === symbol);
    assert.ok(hit, `${symbol} found for "${query}"`);
    return hit;
  } finally {
    reader.close();
  }
}

async function mcpSearch(store: string, query: string): Promise<{ text: string; results: { symbol: string; snippet: string; stale?: string }[] }> {
  const reader = new FollowingReader(store);
  const server = createMcpServer(reader);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'semindex-test', version: '1.0.0' });
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    // The client checks structuredContent against the tool's output schema (`stale` is in it).
    const res = (await client.callTool({ name: 'search', arguments: { query, k: 5, mode: 'bm25' } })) as unknown as { isError?: boolean; content: { text: string }[]; structuredContent: { results: { symbol: string; snippet: string; stale?: string }[] } };
    assert.ok(!res.isError, res.content[0]?.text);
    return { text: res.content[0].text, results: res.structuredContent.results };
  } finally {
    await client.close();
    await server.close();
    reader.close();
  }
}

describe('snippets from the files, and files changed since they were indexed (issue 15)', function () {
  this.timeout(120_000);
  let ws: string;
  let store: string;

  before(async () => {
    ws = tempDir('snippets');
    store = tempDir('snippets-store');
    writeTree(ws, { 'src/geometry.py': GEOMETRY, 'src/gone.go': GONE, 'src/legacy.c': LEGACY });
    const ix = await Indexer.open({ storeDir: store, roots: [{ name: '', path: ws }], embedder: { kind: 'static' }, workers: 1 });
    try {
      await ix.index();
    } finally {
      await ix.close();
    }
  });

  it('an unchanged file shows the chunk exactly as the file holds it, Latin-1 and CRLF too', async () => {
    const hit = await searchOne(store, 'polygon area shoelace', 'polygon_area');
    assert.equal(hit.stale, undefined);
    assert.equal(hit.snippet, POLYGON_AREA);
    const legacy = await searchOne(store, 'count vowels', 'count_vowels');
    assert.equal(legacy.stale, undefined);
    assert.equal(legacy.snippet, LEGACY.toString('latin1').replace(/\r\n$/, ''));
    const item = resultItems([hit], 'polygon area', false)[0];
    assert.equal(item.staleText, '');
    assert.equal(item.snippet, POLYGON_AREA);
    assert.match(toolHitText(hit, false, 12), /^src\/geometry\.py:4-9 polygon_area \(function, python\)\ndef polygon_area\(points\):/);
    assert.equal(quickPickItem(hit, false).detail, 'def polygon_area(points):');
    const mcp = await mcpSearch(store, 'polygon area shoelace');
    assert.equal(mcp.results.find((r) => r.symbol === 'polygon_area')?.snippet, POLYGON_AREA);
  });

  it('sourceLines cuts rows as the chunker does: \\n splits, the last row loses its \\r, too few rows is undefined; decoded and redacted as the worker does', () => {
    const rows = (text: string | Buffer, a: number, b: number) => sourceLines(Buffer.isBuffer(text) ? text : Buffer.from(text))(a, b);
    assert.equal(rows('a\r\nb\r\nc', 2, 3), 'b\r\nc');
    assert.equal(rows('a\r\nb\r\n', 1, 2), 'a\r\nb');
    assert.equal(rows('a\nb', 2, 2), 'b');
    assert.equal(rows('a\nb\n', 3, 3), '', 'the empty row after a last newline is a row');
    assert.equal(rows('a\nb', 2, 3), undefined);
    assert.equal(rows('a', 0, 1), undefined);
    // A UTF-8 byte-order mark is no text; bytes that are not UTF-8 are Windows-1252, as the worker reads them.
    assert.equal(rows(Buffer.from('\ufeffint x;\nint y;'), 1, 1), 'int x;');
    const notUtf8 = Buffer.from([0x80, 0x20, 0xe9, 0x0a, 0x41]);
    assert.equal(rows(notUtf8, 1, 2), new TextDecoder('latin1').decode(notUtf8));
    assert.match(rows(notUtf8, 1, 1)!, / é$/);
    // Every chunk the worker cuts, of a file with both, read back from the bytes alone.
    const file = Buffer.concat([Buffer.from('\ufeff'), Buffer.from('// caf\xe9\r\nint a;\r\n\r\nint b;\r\n', 'latin1')]);
    const whole = decodeSource(file).split('\n').map((l) => l.replace(/\r$/, ''));
    for (let a = 1; a <= whole.length; a++) for (let b = a; b <= whole.length; b++) assert.equal(rows(file, a, b)?.replace(/\r/g, ''), whole.slice(a - 1, b).join('\n'), `${a}-${b}`);
    // Tokens are redacted, one whose name stands rows above it too (as over the whole file).
    const key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'Q3kT9vR2pL';
    const conf = Buffer.from(`x = 1\naws_secret_access_key =\n\n  "${key}"\ny = 2\n`);
    assert.equal(rows(conf, 4, 5), '  "«redacted:aws-secret-key»"\ny = 2');
    assert.equal(redactSecrets(decodeSource(conf)).text.split('\n').slice(3, 5).join('\n'), rows(conf, 4, 5));
  });

  it('a file edited after indexing: the result says it changed and offers to re-index, with none of its new lines', async () => {
    const abs = path.join(ws, 'src/geometry.py');
    // Lines above the function move it down: the indexed lines 4–9 now hold other code.
    fs.writeFileSync(abs, `import math\nimport sys\n\n\n${GEOMETRY.replace('"""Shapes."""\n\n\n', '')}`.replace('return abs(total) / 2', 'return math.fabs(total) / 2'));
    const hit = await searchOne(store, 'polygon area shoelace', 'polygon_area');
    const wrong = fileLines(abs, hit);
    assert.ok(wrong.length > 2 && wrong.join('\n') !== POLYGON_AREA, 'the indexed lines hold other code now');
    const shows = (text: string, where: string) => {
      for (const line of wrong) assert.ok(!text.includes(line.trim()), `${where} shows the file's new line ${JSON.stringify(line)}`);
    };
    assert.equal(hit.stale, 'changed');
    assert.equal(hit.snippet, '');

    // The search panel's model: the notice in place of the snippet (the page adds the Re-index button).
    const item = resultItems([hit], 'polygon area', false)[0];
    assert.equal(item.staleText, 'File changed since it was indexed');
    assert.equal(item.snippet, '');
    assert.deepEqual([item.highlights, item.tokens, item.moreLines], [[], [], 0]);
    // Quick Search and the language-model tools say it, and what re-indexes it.
    const pick = quickPickItem(hit, false);
    assert.match(pick.detail, /^File changed since it was indexed — re-index it/);
    const tool = toolHitText(hit, false, 12);
    assert.match(tool, /^src\/geometry\.py:4-9 polygon_area \(function, python\)\n\(File changed since it was indexed; its code is not shown\. Saving the file in VS Code, or "Semindex: Index Workspace", re-indexes it\.\)$/);
    shows(tool, 'the LM tool');

    // The CLI: a line under the result, and `stale` in --json.
    const text = cli(['search', '--store', store, '-k', '5', '--mode', 'bm25', 'polygon area shoelace']);
    assert.match(text, /src\/geometry\.py:4-9 {2}polygon_area\n {8}\(file changed since it was indexed — run `semindex index` again\)/);
    const json = JSON.parse(cli(['search', '--store', store, '-k', '5', '--mode', 'bm25', '--json', 'polygon area shoelace']).trim());
    assert.equal(json.results.find((r: { symbol: string }) => r.symbol === 'polygon_area').stale, 'changed');
    assert.equal(json.results.find((r: { symbol: string }) => r.symbol === 'count_vowels')?.stale, undefined);

    // The MCP tool: in its text and its structured content.
    const mcp = await mcpSearch(store, 'polygon area shoelace');
    const structured = mcp.results.find((r) => r.symbol === 'polygon_area')!;
    assert.deepEqual([structured.stale, structured.snippet], ['changed', '']);
    assert.match(mcp.text, /src\/geometry\.py:4-9 {2}polygon_area .*\n\(file changed since it was indexed: its code is not shown; run `semindex index` again to update the index\)/);
    shows(mcp.text, 'the MCP tool');

    // Find similar cannot take the code of those lines from the file: a typed error that says why.
    const reader = await IndexReader.open(store);
    try {
      await assert.rejects(reader.similar({ path: 'src/geometry.py', startLine: 4, endLine: 9 }), (err) => SemindexError.is(err, 'STALE') && /changed since it was indexed; index it again/.test(err.message));
    } finally {
      reader.close();
    }
  });

  it('a deleted file: the result says the file is gone, in every display', async () => {
    fs.rmSync(path.join(ws, 'src/gone.go'));
    const hit = await searchOne(store, 'delete scratch directory', 'DeleteScratchDirectory');
    assert.equal(hit.stale, 'missing');
    assert.equal(hit.snippet, '');
    assert.equal(resultItems([hit], '', false)[0].staleText, 'File not found — deleted or moved since it was indexed');
    assert.match(toolHitText(hit, false, 12), /\(File not found — deleted or moved since it was indexed; its code is not shown\./);
    const text = cli(['search', '--store', store, '-k', '5', '--mode', 'bm25', 'delete scratch directory']);
    assert.match(text, /src\/gone\.go:\d+-\d+ {2}DeleteScratchDirectory\n {8}\(file not found or unreadable \(deleted or moved since it was indexed\) — run `semindex index` again\)/);
    const mcp = await mcpSearch(store, 'delete scratch directory');
    assert.equal(mcp.results.find((r) => r.symbol === 'DeleteScratchDirectory')?.stale, 'missing');
  });

  it('indexing the files again mends them: the new lines are shown, the deleted file is gone', async () => {
    const ix = await Indexer.open({ storeDir: store, roots: [{ name: '', path: ws }], embedder: { kind: 'static' }, workers: 1 });
    try {
      await ix.update([path.join(ws, 'src/geometry.py'), path.join(ws, 'src/gone.go')]);
    } finally {
      await ix.close();
    }
    const hit = await searchOne(store, 'polygon area shoelace', 'polygon_area');
    assert.equal(hit.stale, undefined);
    assert.equal(hit.snippet, fs.readFileSync(path.join(ws, 'src/geometry.py'), 'utf8').split('\n').slice(hit.startLine - 1, hit.endLine).join('\n'));
    assert.match(hit.snippet, /math\.fabs/);
    const reader = await IndexReader.open(store);
    try {
      assert.ok(!(await reader.search('delete scratch directory', { k: 5, mode: 'bm25' })).some((r) => r.path === 'src/gone.go'));
    } finally {
      reader.close();
    }
  });

  it('a white-space-only edit is the same code: shown as the file has it now', async () => {
    const abs = path.join(ws, 'src/legacy.c');
    fs.writeFileSync(abs, Buffer.from(LEGACY.toString('latin1').replace('  int n = 0;', '\tint n = 0;'), 'latin1'));
    const hit = await searchOne(store, 'count vowels', 'count_vowels');
    assert.equal(hit.stale, undefined);
    assert.match(hit.snippet, /\n\tint n = 0;/);
  });

  it('a file outside the roots, or a path that leaves its root, is never read', async () => {
    const outside = path.join(path.dirname(ws), `${path.basename(ws)}-secret.txt`);
    fs.writeFileSync(outside, 'x');
    const source = new SourceFiles([{ name: '', path: ws }]);
    const texts = await source.texts([
      { root: '', path: `../${path.basename(outside)}`, startLine: 1, endLine: 1, textHash: '' },
      { root: 'other', path: 'src/geometry.py', startLine: 1, endLine: 1, textHash: '' },
    ]);
    assert.deepEqual(texts, [{ stale: 'missing' }, { stale: 'missing' }]);
  });

  it('an index of format ≤ 7 (its chunk text in the table) serves the code from its own text', async () => {
    const dir = tempDir('format6');
    const db = await lancedb.connect(dir);
    const row = { root: '', path: 'a.c', language: 'c', symbol: 'f', kind: 'function', start_line: 1, end_line: 1, text: 'int f(void) { return 1; }', fts: 'f return', text_hash: 'h', file_hash: 'x', file_size: 25, vector: [1, 0] };
    (await db.createTable('chunks', [row])).close();
    db.close();
    const store = await ChunkStore.open(dir, 2);
    try {
      assert.equal(store.holdsText, true);
      const source = chunkTexts(store, []);
      assert.equal(source, store, 'an old index reads its own text column, no file');
      assert.deepEqual(await source.texts([{ root: '', path: 'a.c', startLine: 1, endLine: 1, textHash: 'h' }]), [{ text: row.text }]);
      assert.deepEqual(await source.texts([{ root: '', path: 'a.c', startLine: 2, endLine: 2, textHash: 'h' }]), [{ stale: 'changed' }]);
    } finally {
      store.close();
    }
  });
});

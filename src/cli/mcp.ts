// `semindex mcp`: the index as a Model Context Protocol server over stdio, for coding agents
// (Claude Code, Codex, VS Code's agent mode). Three read-only tools — search, find_similar,
// index_status — over a FollowingReader, so rows that `semindex index` or the extension commit
// later are served without a restart, and the writer's lock is never taken.
// stdout is the protocol channel: everything else goes to stderr.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { SemindexError } from '../indexer/errors';
import { type Coverage, FollowingReader, type IndexReader, type StoreStatus } from '../indexer/reader';
import { STALE_TEXT, type SearchResult, resultRecord } from '../indexer/search';
import { version } from '../../package.json';

const MAX_K = 200;

const resultSchema = z.object({
  path: z.string().describe('file path as indexed (prefixed with the folder name when several folders are indexed)'),
  startLine: z.number().int().describe('first line, 1-based'),
  endLine: z.number().int().describe('last line, inclusive'),
  symbol: z.string().describe('function, method or class name ("" for a line window)'),
  kind: z.string().describe('function, method, class, interface, struct, enum, type, module or window'),
  language: z.string(),
  score: z.number(),
  snippet: z.string().describe('the chunk text, at most 20 lines, read from the file; "" when stale'),
  stale: z
    .enum(['changed', 'missing'])
    .optional()
    .describe('the file changed since it was indexed (its lines no longer hold this code), or is gone: no snippet; `semindex index` again mends it'),
  copies: z
    .array(z.object({ path: z.string(), startLine: z.number().int(), endLine: z.number().int() }))
    .optional()
    .describe('identical copies of this code elsewhere (a bundle, a vendored copy), shown once as this result'),
});

const coverageSchema = z.object({
  share: z.number().nullable().describe('share 0..1 of the files searches cover; null while a first index run is under way'),
  files: z.number().int().describe('files indexed now'),
  complete: z.boolean().describe('a full index run has completed'),
  writing: z.boolean().describe('an indexer holds the store now, so more rows may arrive'),
});

const resultsShape = { results: z.array(resultSchema), coverage: coverageSchema };

const runSchema = z.object({ at: z.string().describe('ISO time'), seconds: z.number(), files: z.number().int(), chunks: z.number().int() });
const statusShape = {
  store: z.string(),
  files: z.number().int(),
  chunks: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  embedder: z.string(),
  embedderDescription: z.string(),
  dim: z.number().int(),
  bytes: z.number().int(),
  coverage: coverageSchema,
  lastFullRun: runSchema.nullable(),
  lastIncrementalRun: z.string().nullable().describe('ISO time of the last single-file update'),
  building: z.object({ embedder: z.string(), files: z.number().int() }).nullable().describe('a new index for another embedder being built beside this one'),
};

type Hit = z.infer<typeof resultSchema>;

/** The result shape of the tools (and of `search --json`, plus the snippet). */
export function hitOf(r: SearchResult): Hit {
  return { ...resultRecord(r), snippet: r.snippet };
}

function coverageLine(c: Coverage): string {
  const share = c.share === null ? 'a first index run is under way, total not known yet' : `${Math.round(c.share * 100)}% of files`;
  return `index: ${c.files} files (${share})${c.writing ? '; an indexer is writing, results may change' : ''}`;
}

function hitsText(hits: Hit[], coverage: Coverage, heading: string): string {
  const parts = [`${heading}: ${hits.length} result${hits.length === 1 ? '' : 's'}; ${coverageLine(coverage)}`];
  hits.forEach((h, i) => {
    const copies = h.copies?.length ? `\n(the same code also at ${h.copies.map((c) => `${c.path}:${c.startLine}-${c.endLine}`).join(', ')})` : '';
    // A stale hit's lines are as indexed; its code is not shown, and what would mend it is said.
    const body = h.stale ? `(${STALE_TEXT[h.stale]}: its code is not shown; run \`semindex index\` again to update the index)` : h.snippet;
    parts.push(`${i + 1}. ${h.path}:${h.startLine}-${h.endLine}  ${h.symbol || '(lines)'}  [${h.kind}, ${h.language}, score ${h.score.toFixed(3)}]${copies}\n${body}`);
  });
  return parts.join('\n\n');
}

function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message.replace(/^semindex: /, '') }] };
}

/** What a tool tells the model when there is nothing to search (typed errors → plain words). */
function errorResult(err: unknown, storeDir: string): CallToolResult {
  if (SemindexError.is(err, 'NO_INDEX')) return toolError(`No Semindex index in ${storeDir}. Index the code first: semindex index <folder> --store ${storeDir}`);
  if (SemindexError.is(err, 'NOT_FOUND', 'STALE')) return toolError(err.message);
  console.error(err);
  return toolError(err instanceof Error ? err.message : String(err));
}

async function emptyIndex(reader: IndexReader, storeDir: string): Promise<CallToolResult | undefined> {
  if ((await reader.chunks()) > 0) return undefined;
  return toolError(`The Semindex index in ${storeDir} has no chunks yet: indexing has not written any (still scanning, or no indexable files). Try again later, or run: semindex index <folder> --store ${storeDir}`);
}

function statusOf(s: StoreStatus, storeDir: string) {
  return {
    store: storeDir,
    files: s.files,
    chunks: s.chunks,
    failed: s.failed,
    skipped: s.skipped,
    embedder: s.embedder,
    embedderDescription: s.embedderDescription,
    dim: s.dim,
    bytes: s.bytes,
    coverage: s.coverage,
    lastFullRun: s.lastFullRun ? { at: new Date(s.lastFullRun.at).toISOString(), seconds: s.lastFullRun.seconds, files: s.lastFullRun.files, chunks: s.lastFullRun.chunks } : null,
    lastIncrementalRun: s.lastIncrementalRun ? new Date(s.lastIncrementalRun).toISOString() : null,
    building: s.building ?? null,
  };
}

/** The server, not yet connected (tests connect it to an in-memory transport; `semindex mcp` to stdio). */
export function createMcpServer(reader: FollowingReader): McpServer {
  const storeDir = reader.storeDir;
  const server = new McpServer({ name: 'semindex', version }, { instructions: 'Semantic code search over a local index of this codebase (hybrid BM25 + vectors, functions and classes as chunks). Use search for "where is the code that …" questions before grepping, find_similar to find duplicates or code like a given function, index_status to see how much is indexed.' });
  const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

  server.registerTool(
    'search',
    {
      title: 'Semantic code search',
      description:
        'Search the indexed codebase by meaning or by identifiers: a natural-language description ("parse the http header", "retry with backoff") or code words. ' +
        'Returns ranked chunks (functions, methods, classes, or line windows) with path, lines, symbol and a snippet. Filter with path (a glob such as "src/**/*.ts") and language ("typescript", "python", "go", "rust", "java", "c", "cpp", "csharp", "ruby", "php", "markdown", …).',
      inputSchema: {
        query: z.string().min(1).describe('what to look for'),
        k: z.number().int().min(1).max(MAX_K).optional().describe('results to return (default 10)'),
        mode: z.enum(['hybrid', 'vector', 'bm25']).optional().describe('hybrid (default): keywords and meaning; vector: meaning only; bm25: keywords only'),
        path: z.string().optional().describe('glob the file path must match, e.g. "src/**" or "**/*.py"'),
        exclude: z.string().optional().describe('glob the file path must not match, e.g. "**/test/**"'),
        language: z.string().optional().describe('language id the chunk must have, e.g. "typescript"'),
      },
      outputSchema: resultsShape,
      annotations: readOnly,
    },
    async ({ query, k, mode, path, exclude, language }) => {
      try {
        return await reader.use(async (r) => {
          const hits = (await r.search(query, { k: k ?? 10, mode, path, exclude, language })).map(hitOf);
          if (!hits.length) {
            const empty = await emptyIndex(r, storeDir);
            if (empty) return empty;
          }
          const coverage = r.coverage();
          return { content: [{ type: 'text', text: hitsText(hits, coverage, `search "${query}"`) }], structuredContent: { results: hits, coverage } };
        });
      } catch (err) {
        return errorResult(err, storeDir);
      }
    },
  );

  server.registerTool(
    'find_similar',
    {
      title: 'Find similar code',
      description:
        'Find code like a given function or snippet: near-copies, duplicated logic, other implementations of the same thing. ' +
        'Give either path + startLine + endLine of indexed code (the path as search results show it; that code itself is left out of the results) or code (a snippet). ' +
        'Returns the same result shape as search.',
      inputSchema: {
        path: z.string().optional().describe('file path as search results show it'),
        startLine: z.number().int().min(1).optional(),
        endLine: z.number().int().min(1).optional(),
        code: z.string().optional().describe('a piece of code, instead of path and lines'),
        k: z.number().int().min(1).max(MAX_K).optional().describe('results to return (default 10)'),
      },
      outputSchema: resultsShape,
      annotations: readOnly,
    },
    async ({ path, startLine, endLine, code, k }) => {
      const span = path !== undefined && startLine !== undefined;
      if (span === (code !== undefined)) return toolError('Give either path with startLine and endLine, or code.');
      if (span && endLine !== undefined && endLine < startLine) return toolError(`endLine ${endLine} is before startLine ${startLine}.`);
      try {
        return await reader.use(async (r) => {
          const target = span ? { path: path!, startLine: startLine!, endLine: endLine ?? startLine! } : { code: code! };
          const hits = (await r.similar(target, { k: k ?? 10 })).map(hitOf);
          if (!hits.length) {
            const empty = await emptyIndex(r, storeDir);
            if (empty) return empty;
          }
          const coverage = r.coverage();
          const heading = 'code' in target ? 'similar to the given code' : `similar to ${target.path}:${target.startLine}-${target.endLine}`;
          return { content: [{ type: 'text', text: hitsText(hits, coverage, heading) }], structuredContent: { results: hits, coverage } };
        });
      } catch (err) {
        return errorResult(err, storeDir);
      }
    },
  );

  server.registerTool(
    'index_status',
    {
      title: 'Index status',
      description: 'How much of the codebase is indexed: files, chunks, failed files, the embedder, coverage and the last run.',
      inputSchema: {},
      outputSchema: statusShape,
      annotations: readOnly,
    },
    async () => {
      try {
        return await reader.use(async (r) => {
          const s = statusOf(await r.status(), storeDir);
          const lines = [
            `${s.files} files, ${s.chunks} chunks, ${s.failed} failed, ${s.skipped} skipped; ${(s.bytes / 1048576).toFixed(1)} MiB on disk (${storeDir})`,
            coverageLine(s.coverage),
            `embedder: ${s.embedderDescription}`,
            s.lastFullRun ? `last full run: ${s.lastFullRun.at} (${s.lastFullRun.seconds}s, ${s.lastFullRun.files} files)` : 'no full run has completed yet',
            ...(s.building ? [`building a new index for ${s.building.embedder}: ${s.building.files} files so far`] : []),
          ];
          return { content: [{ type: 'text', text: lines.join('\n') }], structuredContent: s };
        });
      } catch (err) {
        return errorResult(err, storeDir);
      }
    },
  );
  return server;
}

/** Serves until the client closes stdin (or the process is told to stop). */
export async function serveMcp(storeDir: string): Promise<void> {
  // Anything a library prints with console.log would corrupt the protocol on stdout.
  console.log = console.error;
  console.info = console.error;
  const reader = new FollowingReader(storeDir);
  const server = createMcpServer(reader);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.connect(transport);
  console.error(`semindex mcp: serving ${storeDir} on stdio`);
  await closed;
  await server.close().catch(() => undefined);
  reader.close();
}

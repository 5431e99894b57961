// semindex — the engine headless: index, search and status from a shell, for benchmarks, CI and
// power users. The contract of --json output is fixed (README, "CLI").
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { Chunker } from '../indexer/chunk';
import { type EvalQuery, type ResultSpan, type Score, findCandidates, pickCandidates, scoreRuns, writeEvalSet } from '../indexer/evalset';
import { SemindexError } from '../indexer/errors';
import { Indexer, type Progress } from '../indexer/indexer';
import { IndexReader } from '../indexer/reader';
import { resources } from '../indexer/resources';
import type { ExcludedCounts } from '../indexer/scan';
import { STALE_TEXT, type SearchMode, type SearchResult, resultRecord } from '../indexer/search';
import type { EmbedderConfig } from '../indexer/types';
import { rerunWithAllocatorSettings } from './allocator';

const USAGE = `usage:
  semindex index <root> [<root>…] --store <dir> [--workers N] [--embedder static|transformers] [--model <dir>]
                 [--include <glob>]… [--exclude <glob>]… [--allow-secret-files <glob>]… [--max-file-size <bytes>] [--json]
  semindex search --store <dir> [-k 10] [--mode hybrid|vector|bm25] [--path <glob>] [--exclude <glob>] [--language <id>] [--json] "<query>"
  semindex search --store <dir> --queries <file.jsonl> [-k 10] [--mode …] [--path …] [--exclude …] [--language …] [--json]
  semindex similar --store <dir> <path>:<start>-<end> [-k 10] [--json]
  semindex status --store <dir> [--json]
  semindex mcp --store <dir>
  semindex eval <root> [--json] [-k 10] [--max-queries 500] [--keep <dir>] [--embedder static|transformers] [--model <dir>]`;

const usage = (message: string) => new SemindexError('USAGE', message);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'index':
      return runIndex(rest);
    case 'search':
      return runSearch(rest);
    case 'similar':
      return runSimilar(rest);
    case 'status':
      return runStatus(rest);
    case 'mcp':
      return runMcp(rest);
    case 'eval':
      return runEval(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command ? 0 : 2;
    default:
      throw usage(`unknown command "${command}"`);
  }
}

function requireStore(store: string | undefined): string {
  if (!store) throw usage('--store <dir> is required');
  return path.resolve(store);
}

function intOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw usage(`${name} takes a whole number ≥ ${min}, not "${value}"`);
  return n;
}

async function runIndex(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      store: { type: 'string' },
      workers: { type: 'string' },
      embedder: { type: 'string', default: 'static' },
      model: { type: 'string' },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      'allow-secret-files': { type: 'string', multiple: true },
      'max-file-size': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!positionals.length) throw usage('index needs a root folder');
  const storeDir = requireStore(values.store);
  const roots = positionals.map((p) => {
    const abs = path.resolve(p);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw usage(`root is not a folder: ${p}`);
    // One root: paths are plain relative paths; several: each labelled by its folder name.
    return { name: positionals.length > 1 ? path.basename(abs) : '', path: abs };
  });
  const embedder = embedderConfig(values.embedder!, values.model);
  const indexer = await Indexer.open({
    storeDir,
    roots,
    embedder,
    workers: intOption(values.workers, '--workers', 1),
    include: values.include,
    exclude: values.exclude,
    allowSecretFiles: values['allow-secret-files'],
    maxFileSize: intOption(values['max-file-size'], '--max-file-size', 1),
    owner: 'cli',
  });
  indexer.on('warning', (msg: string) => console.error(msg));
  if (!values.json || process.stderr.isTTY) indexer.on('progress', progressPrinter());
  let interrupted = 0;
  const onSigint = () => {
    if (++interrupted > 1) process.exit(130);
    console.error('semindex: stopping after the files in flight are written (Ctrl-C again to abort)');
    indexer.cancel();
  };
  process.on('SIGINT', onSigint);
  try {
    if (indexer.isBuilding) console.error(`semindex: building a new index for ${indexer.embedder.id}; the previous one serves searches until it is complete`);
    const summary = await indexer.index();
    if (values.json) console.log(JSON.stringify(summary));
    else {
      console.log(`${summary.files} files: ${summary.indexed} indexed, ${summary.unchanged} unchanged, ${summary.skipped} skipped, ${summary.failed} failed, ${summary.deleted} deleted; ${summary.chunks} chunks in ${summary.seconds}s`);
      console.log(leftOut(summary.excluded));
      console.log(`embedder: ${indexer.embedder.description}`);
      if (summary.failed) console.log(`run "semindex status --store ${values.store}" to list the failed files`);
    }
    return summary.cancelled ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await indexer.close();
  }
}

/** Indexing progress on stderr: every phase change, and at most a line a second while indexing. */
function progressPrinter(): (p: Progress) => void {
  let lastLine = 0;
  return (p) => {
    const now = Date.now();
    if (now - lastLine < 1000 && p.phase === 'indexing') return;
    lastLine = now;
    const eta = p.etaSeconds !== undefined ? ` ETA ${Math.ceil(p.etaSeconds)}s` : '';
    console.error(`[${p.phase}] ${p.filesDone}/${p.filesTotal} files, ${p.chunks} chunks, ${p.filesPerSec.toFixed(1)} files/s${eta}${p.failed ? `, ${p.failed} failed` : ''}`);
  };
}

/** One line: what the scan left out and why (counts only, never file contents). */
function leftOut(e: ExcludedCounts): string {
  return `left out: ${e.gitignore} by .gitignore, ${e.setting} by settings, ${e.builtin} by built-in rules; ${e.secret} skipped as likely secrets`;
}

function embedderConfig(kind: string, model: string | undefined): EmbedderConfig {
  if (kind === 'static') return { kind: 'static' };
  if (kind === 'transformers') {
    if (!model) throw usage('--embedder transformers needs --model <folder with config.json, tokenizer.json and onnx/model.onnx>');
    return { kind: 'transformers', modelDir: path.resolve(model) };
  }
  throw usage(`--embedder is static or transformers, not "${kind}"`);
}

async function runSearch(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      store: { type: 'string' },
      k: { type: 'string', short: 'k', default: '10' },
      mode: { type: 'string', default: 'hybrid' },
      queries: { type: 'string' },
      path: { type: 'string' },
      exclude: { type: 'string' },
      language: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const storeDir = requireStore(values.store);
  const k = intOption(values.k, '-k', 1)!;
  const mode = values.mode as SearchMode;
  if (!['hybrid', 'vector', 'bm25'].includes(mode)) throw usage(`--mode is hybrid, vector or bm25, not "${values.mode}"`);
  if (!values.queries && !positionals.length) throw usage('search needs a query or --queries <file.jsonl>');
  const reader = await IndexReader.open(storeDir);
  try {
    const one = async (id: string, query: string) => {
      const t0 = performance.now();
      const results = await reader.search(query, { k, mode, path: values.path, exclude: values.exclude, language: values.language });
      printResults(id, query, results, Number((performance.now() - t0).toFixed(2)), values.json!);
    };
    if (values.queries) {
      const lines = readline.createInterface({ input: fs.createReadStream(values.queries), crlfDelay: Infinity });
      let n = 0;
      for await (const line of lines) {
        n++;
        if (!line.trim()) continue;
        let q: { id?: unknown; query?: unknown };
        try {
          q = JSON.parse(line);
        } catch {
          throw usage(`${values.queries}:${n}: not a JSON line`);
        }
        if (typeof q.query !== 'string') throw usage(`${values.queries}:${n}: no "query" string`);
        await one(String(q.id ?? n), q.query);
      }
    } else await one('q', positionals.join(' '));
    return 0;
  } finally {
    reader.close();
  }
}

/** One search's results, as `search` prints them (the --json line's shape is fixed: README, "CLI"). */
function printResults(id: string, heading: string, results: SearchResult[], ms: number, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ id, results: results.map(resultRecord), ms }));
  } else {
    console.log(`# ${heading}  (${results.length} results, ${ms} ms)`);
    for (const r of results) {
      console.log(`${r.score.toFixed(4)}  ${r.root ? `${r.root}/` : ''}${r.path}:${r.startLine}-${r.endLine}  ${r.symbol}${r.copies ? `  (+${r.copies.length} identical cop${r.copies.length === 1 ? 'y' : 'ies'})` : ''}`);
      // The lines above are as indexed: say when the file no longer holds that code.
      if (r.stale) console.log(`        (${STALE_TEXT[r.stale]} — run \`semindex index\` again)`);
    }
  }
}

/** `semindex similar`: code like a span of an indexed file (that span left out), printed like `search`. */
async function runSimilar(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      store: { type: 'string' },
      k: { type: 'string', short: 'k', default: '10' },
      json: { type: 'boolean', default: false },
    },
  });
  const storeDir = requireStore(values.store);
  const k = intOption(values.k, '-k', 1)!;
  if (positionals.length !== 1) throw usage('similar needs one <path>:<start>-<end>');
  const span = /^(.+):(\d+)(?:-(\d+))?$/.exec(positionals[0]);
  if (!span) throw usage(`similar takes <path>:<start>-<end> (lines as search shows them), not "${positionals[0]}"`);
  const [startLine, endLine] = [Number(span[2]), Number(span[3] ?? span[2])];
  if (startLine < 1 || endLine < startLine) throw usage(`lines ${startLine}-${endLine}: the start is 1 or more, and the end not before it`);
  const reader = await IndexReader.open(storeDir);
  try {
    const t0 = performance.now();
    const results = await reader.similar({ path: span[1], startLine, endLine }, { k });
    printResults('similar', `similar to ${positionals[0]}`, results, Number((performance.now() - t0).toFixed(2)), values.json!);
    return 0;
  } finally {
    reader.close();
  }
}

/**
 * `semindex mcp`: an MCP server over stdio (mcp.ts). Only --store: the CLI has no default store
 * that `index <root>` would pick, so roots alone could not name one.
 */
async function runMcp(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { store: { type: 'string' } } });
  if (positionals.length) throw usage('mcp takes --store <dir> (the store `semindex index` wrote), not root folders: the CLI has no default store');
  const { serveMcp } = await import('./mcp');
  await serveMcp(requireStore(values.store));
  return 0;
}

async function runStatus(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { store: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const reader = await IndexReader.open(requireStore(values.store));
  try {
    const s = await reader.status();
    if (values.json) console.log(JSON.stringify(s));
    else {
      console.log(`${s.files} files, ${s.chunks} chunks, ${s.failed} failed, ${s.skipped} skipped; ${(s.bytes / 1048576).toFixed(1)} MiB on disk`);
      const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
      const d = s.disk;
      console.log(`table: rows ${mib(d.rows)}, vector index ${mib(d.vectorIndex)}, BM25 index ${mib(d.ftsIndex)}, version log ${mib(d.log)}${d.olderVersions ? `; ${mib(d.olderVersions)} of it only older versions use (removed at the next fold)` : ''}`);
      if (s.excluded) console.log(leftOut(s.excluded));
      console.log(`embedder: ${s.embedderDescription}`);
      if (s.lastFullRun) console.log(`last full run: ${new Date(s.lastFullRun.at).toISOString()} (${s.lastFullRun.seconds}s)`);
      if (s.building) console.log(`building a new index for ${s.building.embedder}: ${s.building.files} files so far`);
    }
    return 0;
  } finally {
    reader.close();
  }
}

const EVAL_MODES: readonly SearchMode[] = ['hybrid', 'vector', 'bm25'];
/** Fewer documented functions than this and the figures would be noise: nothing to measure. */
const EVAL_MIN_CANDIDATES = 10;

const isFolder = (p: string) => fs.existsSync(p) && fs.statSync(p).isDirectory();
const isInside = (parent: string, child: string) => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * Search quality on the user's own code (src/indexer/evalset.ts): documented functions become
 * queries (their doc summary) and targets (the function in a copy with that doc removed); the copy
 * is indexed with the real engine and searched in every mode the way `search` does. The original
 * tree is only read; everything is written to a temp folder (or --keep), removed at the end and on
 * Ctrl-C.
 */
async function runEval(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      k: { type: 'string', short: 'k', default: '10' },
      'max-queries': { type: 'string', default: '500' },
      keep: { type: 'string' },
      embedder: { type: 'string', default: 'static' },
      model: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw usage('eval needs one root folder');
  const root = path.resolve(positionals[0]);
  if (!isFolder(root)) throw usage(`root is not a folder: ${positionals[0]}`);
  const k = intOption(values.k, '-k', 1)!;
  const maxQueries = intOption(values['max-queries'], '--max-queries', 1)!;
  const embedder = embedderConfig(values.embedder!, values.model);
  const keep = values.keep ? path.resolve(values.keep) : undefined;
  if (keep) {
    // The copy must not land in the tree it measures: that tree is never written.
    if (isInside(root, keep)) throw usage(`--keep must be outside the root: ${values.keep}`);
    if (fs.existsSync(keep) && (!isFolder(keep) || fs.readdirSync(keep).length)) throw usage(`--keep needs a new or empty folder: ${values.keep}`);
  }
  const log = (msg: string) => console.error(`semindex eval: ${msg}`);
  const t0 = performance.now();
  const work = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-eval-'));
  fs.mkdirSync(work, { recursive: true });
  const cleanup = () => {
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  };
  const abort = new AbortController();
  let indexer: Indexer | undefined;
  let reader: IndexReader | undefined;
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) {
      cleanup();
      process.exit(130);
    }
    console.error(`semindex: stopping the evaluation${keep ? '' : ' and removing its temporary files'} (Ctrl-C again to abort at once)`);
    abort.abort();
    indexer?.cancel();
  };
  process.on('SIGINT', onSigint);
  try {
    const chunker = await Chunker.create({ runtimeWasm: resources.runtimeWasm(), grammarDir: resources.grammarDir() });
    const found = await findCandidates(root, {
      chunker,
      signal: abort.signal,
      onProgress: (done, total, n) => log(`reading ${done}/${total} files, ${n} documented functions`),
    });
    if (found.candidates.length < EVAL_MIN_CANDIDATES) {
      throw new SemindexError(
        'NOT_FOUND',
        `only ${found.candidates.length} documented function(s) under ${root} (functions and methods whose doc comment or docstring ` +
          `opens with a sentence of 3 to 40 words); eval needs at least ${EVAL_MIN_CANDIDATES} to measure anything`,
      );
    }
    const picked = pickCandidates(found.candidates, maxQueries);
    const set = writeEvalSet(found, picked, work, abort.signal);
    if (set.dropped) log(`${set.dropped} function(s) left out: their files changed while the copy was made`);
    if (!set.queries.length) throw new SemindexError('NOT_FOUND', `no queries left under ${root}: every sampled file changed while the copy was made`);
    log(`${found.files.length} files, ${found.candidates.length} documented functions, ${set.queries.length} queries; indexing the copy in ${set.corpusDir}`);

    const storeDir = path.join(work, 'store');
    indexer = await Indexer.open({ storeDir, roots: [{ name: '', path: set.corpusDir }], embedder, owner: 'cli' });
    indexer.on('warning', (msg: string) => console.error(msg));
    if (!values.json || process.stderr.isTTY) indexer.on('progress', progressPrinter());
    // Ctrl-C while the store was opening: index() would start afresh (a run clears a cancel made before it).
    abort.signal.throwIfAborted();
    const summary = await indexer.index();
    await indexer.close();
    indexer = undefined;
    abort.signal.throwIfAborted();
    if (summary.cancelled) return 130;

    reader = await IndexReader.open(storeDir);
    const modes = {} as Record<SearchMode, Score>;
    for (const mode of EVAL_MODES) {
      log(`searching ${set.queries.length} queries, ${mode}`);
      const runs = new Map<string, ResultSpan[]>();
      const lines: string[] = [];
      for (const q of set.queries) {
        abort.signal.throwIfAborted();
        // As `search --json` reports them, so a kept run can be scored by the eval kit as well.
        const results = (await reader.search(q.query, { k, mode })).map((r) => ({
          path: r.root ? `${r.root}/${r.path}` : r.path,
          startLine: r.startLine,
          endLine: r.endLine,
          symbol: r.symbol,
          score: r.score,
        }));
        runs.set(q.id, results);
        if (keep) lines.push(JSON.stringify({ id: q.id, results }) + '\n');
      }
      if (keep) fs.writeFileSync(path.join(keep, `${mode}.jsonl`), lines.join(''));
      modes[mode] = scoreRuns(set.queries, runs);
    }
    const seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
    if (values.json) {
      const slim = (s: Score) => ({ mrr10: s.mrr10, recall1: s.recall1, recall10: s.recall10 });
      console.log(
        JSON.stringify({
          root,
          files: found.files.length,
          candidates: found.candidates.length,
          queries: set.queries.length,
          seconds,
          embedder: reader.info.embedderId,
          modes: Object.fromEntries(EVAL_MODES.map((m) => [m, slim(modes[m])])),
        }),
      );
    } else {
      console.log(evalTable(modes, set.queries, found.files.length));
      console.log(`embedder: ${reader.info.description}`);
      console.log(`${found.candidates.length} documented functions, ${set.queries.length} sampled as queries; ${seconds}s`);
      if (keep) console.log(`kept in ${keep}: corpus/ (the copy), queries.jsonl, store/, and one results file per mode`);
    }
    return 0;
  } catch (err) {
    if (abort.signal.aborted) return 130;
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    reader?.close();
    await indexer?.close();
    cleanup();
  }
}

function evalTable(modes: Record<SearchMode, Score>, queries: readonly EvalQuery[], files: number): string {
  const rows = [['mode', 'MRR@10', 'R@1', 'R@10', 'queries', 'files']];
  for (const mode of EVAL_MODES) {
    const s = modes[mode];
    rows.push([mode, s.mrr10.toFixed(4), s.recall1.toFixed(4), s.recall10.toFixed(4), String(queries.length), String(files)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ')).join('\n');
}

// The commands that index run under the allocator settings of allocator.ts.
const LONG_RUNNING = new Set(['index', 'eval']);
const argv = process.argv.slice(2);
(LONG_RUNNING.has(argv[0]) ? rerunWithAllocatorSettings() : Promise.resolve(undefined)).then(
  (code) => (code === undefined ? main(argv) : code),
).then(
  (code) => process.exit(code),
  (err) => {
    if (SemindexError.is(err, 'USAGE') || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`semindex: ${(err as Error).message}\n${USAGE}`);
      process.exit(2);
    }
    // Our own errors are for people (one line); anything else is a bug, shown with its stack.
    console.error(SemindexError.is(err) ? `semindex: ${err.message}` : err);
    process.exit(1);
  },
);

// semindex — the engine headless: index, search and status from a shell, for benchmarks, CI and
// power users. The contract of --json output is fixed (README, "CLI").
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { Indexer, type Progress } from '../indexer/indexer';
import { IndexReader } from '../indexer/reader';
import type { ExcludedCounts } from '../indexer/scan';
import type { SearchMode } from '../indexer/search';
import type { EmbedderConfig } from '../indexer/types';

const USAGE = `usage:
  semindex index <root> [<root>…] --store <dir> [--workers N] [--embedder static|transformers] [--model <dir>]
                 [--include <glob>]… [--exclude <glob>]… [--allow-secret-files <glob>]… [--max-file-size <bytes>] [--json]
  semindex search --store <dir> [-k 10] [--mode hybrid|vector|bm25] [--json] "<query>"
  semindex search --store <dir> --queries <file.jsonl> [-k 10] [--mode …] [--json]
  semindex status --store <dir> [--json]`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'index':
      return runIndex(rest);
    case 'search':
      return runSearch(rest);
    case 'status':
      return runStatus(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command ? 0 : 2;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function requireStore(store: string | undefined): string {
  if (!store) throw new UsageError('--store <dir> is required');
  return path.resolve(store);
}

function intOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} takes a whole number ≥ ${min}, not "${value}"`);
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
  if (!positionals.length) throw new UsageError('index needs a root folder');
  const storeDir = requireStore(values.store);
  const roots = positionals.map((p) => {
    const abs = path.resolve(p);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new UsageError(`root is not a folder: ${p}`);
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
  let lastLine = 0;
  if (!values.json || process.stderr.isTTY) {
    indexer.on('progress', (p: Progress) => {
      const now = Date.now();
      if (now - lastLine < 1000 && p.phase === 'indexing') return;
      lastLine = now;
      const eta = p.etaSeconds !== undefined ? ` ETA ${Math.ceil(p.etaSeconds)}s` : '';
      console.error(`[${p.phase}] ${p.filesDone}/${p.filesTotal} files, ${p.chunks} chunks, ${p.filesPerSec.toFixed(1)} files/s${eta}${p.failed ? `, ${p.failed} failed` : ''}`);
    });
  }
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

/** One line: what the scan left out and why (counts only, never file contents). */
function leftOut(e: ExcludedCounts): string {
  return `left out: ${e.gitignore} by .gitignore, ${e.setting} by settings, ${e.builtin} by built-in rules; ${e.secret} skipped as likely secrets`;
}

function embedderConfig(kind: string, model: string | undefined): EmbedderConfig {
  if (kind === 'static') return { kind: 'static' };
  if (kind === 'transformers') {
    if (!model) throw new UsageError('--embedder transformers needs --model <folder with config.json, tokenizer.json and onnx/model.onnx>');
    return { kind: 'transformers', modelDir: path.resolve(model) };
  }
  throw new UsageError(`--embedder is static or transformers, not "${kind}"`);
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
      json: { type: 'boolean', default: false },
    },
  });
  const storeDir = requireStore(values.store);
  const k = intOption(values.k, '-k', 1)!;
  const mode = values.mode as SearchMode;
  if (!['hybrid', 'vector', 'bm25'].includes(mode)) throw new UsageError(`--mode is hybrid, vector or bm25, not "${values.mode}"`);
  if (!values.queries && !positionals.length) throw new UsageError('search needs a query or --queries <file.jsonl>');
  const reader = await IndexReader.open(storeDir);
  try {
    const one = async (id: string, query: string) => {
      const t0 = performance.now();
      const results = await reader.search(query, { k, mode });
      const ms = Number((performance.now() - t0).toFixed(2));
      if (values.json) {
        const slim = results.map((r) => ({ path: r.root ? `${r.root}/${r.path}` : r.path, startLine: r.startLine, endLine: r.endLine, symbol: r.symbol, score: r.score }));
        console.log(JSON.stringify({ id, results: slim, ms }));
      } else {
        console.log(`# ${query}  (${results.length} results, ${ms} ms)`);
        for (const r of results) {
          console.log(`${r.score.toFixed(4)}  ${r.root ? `${r.root}/` : ''}${r.path}:${r.startLine}-${r.endLine}  ${r.symbol}`);
        }
      }
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
          throw new UsageError(`${values.queries}:${n}: not a JSON line`);
        }
        if (typeof q.query !== 'string') throw new UsageError(`${values.queries}:${n}: no "query" string`);
        await one(String(q.id ?? n), q.query);
      }
    } else await one('q', positionals.join(' '));
    return 0;
  } finally {
    reader.close();
  }
}

async function runStatus(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { store: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const reader = await IndexReader.open(requireStore(values.store));
  try {
    const s = await reader.status();
    if (values.json) console.log(JSON.stringify(s));
    else {
      console.log(`${s.files} files, ${s.chunks} chunks, ${s.failed} failed, ${s.skipped} skipped; ${(s.bytes / 1048576).toFixed(1)} MiB on disk`);
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`semindex: ${(err as Error).message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(err instanceof Error && err.message.startsWith('semindex:') ? err.message : err);
    process.exit(1);
  },
);

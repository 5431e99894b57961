// npm run bench -- --corpus <dir> [--workers N] [--embedder static|transformers] [--model <dir>]
//                  [--scaling 1,2,4] [--update-samples 50] [--queries 400] [--no-parse-only] [--json] [--stages]
// Measures, in one run, the figures of the speed and scale issues: parse-only rate (the physical
// limit of this pipeline), the cold index rate and its ratio to it, warm re-run, save→searchable
// latency, search latency of each mode over natural-language queries, the store's size on disk,
// peak RSS, and cold runs at several worker counts. Prints a table and one JSON object (last line).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { Indexer, type RunSummary } from '../indexer/indexer';
import { resources } from '../indexer/resources';
import { scan } from '../indexer/scan';
import type { EmbedderConfig } from '../indexer/types';
import { createEmbedder, defaultWorkers, embeddingText, modelThreadsPerWorker } from '../indexer/embed';
import { Chunker } from '../indexer/chunk';
import { analyze } from '../indexer/tokens';
import { StoreLayout } from '../indexer/layout';
import { ChunkStore } from '../indexer/store';
import { SourceFiles } from '../indexer/source';
import type { SearchMode } from '../indexer/search';
import { type FileTask, type WorkerConfig, sha1 } from '../indexer/worker';
import { ALLOCATOR_ENV, rerunWithAllocatorSettings } from './allocator';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    workers: { type: 'string' },
    embedder: { type: 'string', default: 'static' },
    model: { type: 'string' },
    scaling: { type: 'string', default: '1,2,4' },
    'update-samples': { type: 'string', default: '50' },
    queries: { type: 'string', default: '400' },
    json: { type: 'boolean', default: false },
    stages: { type: 'boolean', default: false },
    // The whole kernel parses for ~4 min per run; its figures (the scale issue's) need no ratio.
    'no-parse-only': { type: 'boolean', default: false },
  },
});

if (!values.corpus) {
  console.error('usage: npm run bench -- --corpus <dir> [--workers N] [--embedder static|transformers] [--model <dir>] [--scaling 1,2,4]');
  process.exit(2);
}
const corpus = path.resolve(values.corpus);
const embedder: EmbedderConfig = values.embedder === 'transformers' ? { kind: 'transformers', modelDir: path.resolve(values.model ?? '') } : { kind: 'static' };
const workers = values.workers ? Number(values.workers) : defaultWorkers(embedder);
const roots = [{ name: '', path: corpus }];
const log = (s: string) => process.stderr.write(s + '\n');

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (x: number, d = 1) => Number(x.toFixed(d));

let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);

/** The glibc malloc settings this process runs with (allocator.ts), as the JSON and the log give them. */
function allocatorText(): string {
  const set = Object.keys(ALLOCATOR_ENV).filter((k) => process.env[k] !== undefined);
  return set.length ? set.map((k) => `${k}=${process.env[k]}`).join(' ') : 'glibc defaults';
}

function tempStore(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-bench-'));
}

/** Reading + tree-sitter parsing of the same files, same threads and batches, nothing else. */
async function parseOnly(files: FileTask[], threads: number): Promise<number> {
  const pool = new Piscina({ filename: resources.workerScript(), name: 'parseOnly', minThreads: threads, maxThreads: threads });
  // Warm the threads (grammar loading) outside the timed part, as the indexer's pool is warm too.
  await Promise.all(Array.from({ length: threads }, () => pool.run({ files: files.slice(0, 1) })));
  const t0 = performance.now();
  const batches: FileTask[][] = [];
  for (let i = 0; i < files.length; i += 24) batches.push(files.slice(i, i + 24));
  await Promise.all(batches.map((b) => pool.run({ files: b })));
  const seconds = (performance.now() - t0) / 1000;
  await pool.destroy();
  return files.length / seconds;
}

async function coldRun(threads: number): Promise<{ summary: RunSummary; store: string }> {
  const store = tempStore();
  const ix = await Indexer.open({ storeDir: store, roots, embedder, workers: threads, owner: 'bench' });
  try {
    const summary = await ix.index();
    return { summary, store };
  } finally {
    await ix.close();
  }
}

/** The model alone on the texts the cold run embedded: same threads, same batch size, no pipeline. */
async function modelOnly(storeDir: string, threads: number): Promise<number> {
  const layout = new StoreLayout(storeDir);
  const info = layout.read().active!;
  const store = await ChunkStore.open(layout.lanceDir(info), info.dim);
  // The index keeps no chunk text: the texts are read from the corpus files, as search reads them.
  const spans = await store.chunkSpans();
  store.close();
  const read = await new SourceFiles(roots).texts(spans);
  const texts = spans.flatMap((s, i) => (read[i].text === undefined ? [] : [embeddingText({ ...s, text: read[i].text })]));
  const config: WorkerConfig = { embedder, maxLineLength: 4000, modelThreads: modelThreadsPerWorker(threads) };
  const pool = new Piscina({ filename: resources.workerScript(), name: 'embedOnly', minThreads: threads, maxThreads: threads });
  await Promise.all(Array.from({ length: threads }, () => pool.run({ config, texts: texts.slice(0, 1) })));
  const t0 = performance.now();
  const tasks: Promise<unknown>[] = [];
  for (let i = 0; i < texts.length; i += 256) tasks.push(pool.run({ config, texts: texts.slice(i, i + 256) }));
  await Promise.all(tasks);
  const seconds = (performance.now() - t0) / 1000;
  await pool.destroy();
  return texts.length / seconds;
}

/**
 * `--stages`: what each step of a worker's job costs, on this thread, one file after the other
 * as a worker does them — ms per file for reading, parsing alone, the syntax walk (chunking minus
 * parsing), tokenizing, embedding and hashing. Tells which stage bounds the cold rate.
 */
async function stageCosts(files: FileTask[]): Promise<Record<string, number>> {
  const chunker = await Chunker.create({ runtimeWasm: resources.runtimeWasm(), grammarDir: resources.grammarDir() });
  const emb = await createEmbedder(embedder);
  const ms = { read: 0, parse: 0, chunk: 0, tokenize: 0, embed: 0, hash: 0 };
  for (const f of files.slice(0, 20)) await chunker.chunk(f.path, fs.readFileSync(f.abs, 'utf8')); // grammars loaded
  for (const f of files) {
    let t = performance.now();
    const lap = (k: keyof typeof ms) => {
      const now = performance.now();
      ms[k] += now - t;
      t = now;
    };
    const text = fs.readFileSync(f.abs, 'utf8');
    lap('read');
    await chunker.parseOnly(f.path, text);
    lap('parse');
    const chunks = await chunker.chunk(f.path, text);
    lap('chunk');
    const tokens = chunks.map((c) => analyze(embeddingText(c)));
    lap('tokenize');
    if (emb.embedWords) for (const tk of tokens) emb.embedWords(tk.words);
    else await emb.embed(chunks.map(embeddingText), 'document');
    lap('embed');
    for (const c of chunks) sha1(c.text);
    lap('hash');
  }
  await emb.dispose?.();
  const per = (x: number) => round(x / files.length, 3);
  return { readMs: per(ms.read), parseMs: per(ms.parse), walkMs: per(ms.chunk - ms.parse), tokenizeMs: per(ms.tokenize), embedMs: per(ms.embed), hashMs: per(ms.hash) };
}

const stageLine = (stages: Record<string, number>) => Object.entries(stages).map(([k, v]) => `${k.replace(/Ms$/, '')} ${v}`).join(' · ');

/**
 * Natural-language queries from the corpus's own comments, spread over it: the summary line of a
 * kernel-doc comment (` * name() - what it does`), else comment lines of 4–12 plain words. A user
 * describes what code does; a pair of identifiers (the earlier sample) is a cheaper query for BM25
 * than a sentence of common words, and hid how the candidate queries grow with the table.
 */
function naturalQueries(files: { abs: string }[], count: number): string[] {
  const kernelDoc = /^\s*\*\s+(?:struct\s+|enum\s+|union\s+)?[A-Za-z_][\w.]*(?:\(\))?\s+-\s+(.+)$/;
  const comment = /^\s*(?:\/\/|#|\*)\s*(.+)$/;
  const summaries = new Set<string>();
  const comments = new Set<string>();
  const step = Math.max(1, Math.floor(files.length / (count * 4)));
  for (let i = 0; i < files.length && summaries.size < count * 8; i += step) {
    let text: string;
    try {
      text = fs.readFileSync(files[i].abs, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const doc = kernelDoc.exec(line);
      const m = doc ?? comment.exec(line);
      if (!m) continue;
      const q = m[1].replace(/[.:;,]+$/, '').trim();
      const words = q.split(/\s+/);
      if (words.length < 4 || words.length > 12 || !words.every((w) => /^[A-Za-z][A-Za-z'-]*,?$/.test(w))) continue;
      (doc ? summaries : comments).add(q.toLowerCase());
    }
  }
  // Doc summaries say what code does; other comment lines are often a sentence's middle.
  const all = summaries.size >= count ? [...summaries] : [...summaries, ...comments];
  const picked: string[] = [];
  for (let i = 0; i < count && all.length; i++) picked.push(all[Math.floor((i * all.length) / count)]);
  return picked;
}

interface Latency {
  p50: number;
  p95: number;
  max: number;
}
const latency = (ms: number[]): Latency => ({ p50: round(percentile(ms, 50), 2), p95: round(percentile(ms, 95), 2), max: round(Math.max(...ms), 1) });
const latencyText = (l: Latency) => `p50 ${l.p50}, p95 ${l.p95}, max ${l.max} ms`;

/**
 * Search latency as the processes that search measure it: \`semindex search --queries\` (each
 * line's own \`ms\`), a fresh process per mode, with glibc's malloc defaults — the extension host,
 * the MCP server and the CLI's search run with them, while this benchmark runs under the indexing
 * commands' settings (allocator.ts). Over the kernel, in-process searches alternated with and
 * without them measured hybrid p50 26.5 / 24.1 against 18.2 / 20.4 ms; in run U (README) this
 * figure was 28.6 ms against the benchmark's own 31.5. The first query warms up.
 */
function searchInFreshProcess(store: string, queries: string[]): Record<SearchMode, Latency> {
  const file = path.join(tempStore(), 'queries.jsonl');
  fs.writeFileSync(file, ['warm up the index', ...queries].map((query, i) => JSON.stringify({ id: String(i), query })).join('\n') + '\n');
  const env: NodeJS.ProcessEnv = { ...process.env, SEMINDEX_ALLOCATOR: 'default' };
  for (const k of Object.keys(ALLOCATOR_ENV)) delete env[k];
  const out = {} as Record<SearchMode, Latency>;
  try {
    for (const mode of ['hybrid', 'bm25', 'vector'] as const) {
      const lines = execFileSync(process.execPath, [path.join(__dirname, 'cli.js'), 'search', '--store', store, '--queries', file, '-k', '10', '--mode', mode, '--json'], { env, maxBuffer: 1 << 28, encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.trim());
      out[mode] = latency(lines.slice(1).map((l) => Number(JSON.parse(l).ms)));
    }
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  return out;
}

/** A file of 1–2k lines (the "typical file" of the update figure), else the largest one. */
function pickUpdateFile(files: { abs: string; size: number }[]): string {
  let best: string | undefined;
  for (const f of files) {
    const lines = fs.readFileSync(f.abs, 'utf8').split('\n').length;
    if (lines >= 1000 && lines <= 2000) return f.abs;
    best ??= f.abs;
  }
  return best!;
}

async function main() {
  log(`corpus ${corpus}, ${workers} worker(s), embedder ${embedder.kind}; malloc ${allocatorText()}`);
  const scanned = await scan(roots);
  const tasks: FileTask[] = scanned.files.map((f) => ({ root: '', path: f.path, abs: f.abs }));
  log(`${tasks.length} files (${scanned.skipped.length} skipped by the scan)`);

  // Parse-only runs before and after the cold run: the machine's speed drifts by ±10–20% here,
  // and bracketing the cold run takes the drift out of the ratio better than one run before it.
  const withParseOnly = !values['no-parse-only'];
  const parseBefore = withParseOnly ? await parseOnly(tasks, workers) : NaN;
  if (withParseOnly) log(`parse-only: ${round(parseBefore)} files/s`);
  let stages: Record<string, number> | undefined;
  if (values.stages) {
    stages = await stageCosts(tasks);
    log(`stages (ms per file, one thread): ${stageLine(stages)}`);
  }

  const cold = await coldRun(workers);
  // Sampled through parse-only and the cold run only: later phases (scaling to 4 workers) add their
  // own threads and would mask the figure the target is about.
  const coldPeakRss = Math.max(peakRss, process.memoryUsage.rss());
  const coldRate = cold.summary.indexed / cold.summary.seconds;
  log(`cold: ${cold.summary.indexed} files, ${cold.summary.chunks} chunks in ${cold.summary.seconds}s`);
  const parseAfter = withParseOnly ? await parseOnly(tasks, workers) : NaN;
  // Harmonic mean: the rate over both runs' time together.
  const parseRate = 2 / (1 / parseBefore + 1 / parseAfter);
  if (withParseOnly) log(`parse-only again: ${round(parseAfter)} files/s; ${round(parseRate)} files/s over both`);

  let modelRate: number | undefined;
  if (embedder.kind !== 'static') {
    modelRate = await modelOnly(cold.store, workers);
    log(`model only: ${round(modelRate)} chunks/s; pipeline ${round(cold.summary.chunks / cold.summary.seconds)} chunks/s`);
  }

  const ix = await Indexer.open({ storeDir: cold.store, roots, embedder, workers, owner: 'bench' });
  const warm = await ix.index();
  log(`warm: ${warm.seconds}s`);

  // Save → searchable: append a unique word to a typical file, re-index it, search for it.
  const updateFile = pickUpdateFile(scanned.files);
  const updateRel = path.relative(corpus, updateFile).split(path.sep).join('/');
  const original = fs.readFileSync(updateFile);
  const updateMs: number[] = [];
  const samples = Number(values['update-samples']);
  try {
    for (let i = 0; i < samples; i++) {
      // Letters only: a digit would be its own BM25 term and match other files.
      const word = `zqxbench${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}marker`;
      const t0 = performance.now();
      fs.writeFileSync(updateFile, Buffer.concat([original, Buffer.from(`\n// ${word}\n`)]));
      await ix.update([updateFile]);
      // Keyword search: the figure is about when the index has the change, not about ranking.
      const hits = await ix.search(word, { k: 10, mode: 'bm25' });
      updateMs.push(performance.now() - t0);
      if (!hits.some((h) => h.path === updateRel)) throw new Error(`update ${i}: the change was not searchable`);
    }
  } finally {
    fs.writeFileSync(updateFile, original);
    await ix.update([updateFile]);
  }
  log(`update p50 ${round(percentile(updateMs, 50))} ms, p95 ${round(percentile(updateMs, 95))} ms`);
  // What the indexer does once saves go quiet: fold the incremental writes into the indices. Search
  // is measured after it, as a user meets it (Indexer#maintain).
  const foldStart = performance.now();
  await ix.maintain();
  const maintainSeconds = round((performance.now() - foldStart) / 1000, 2);
  log(`fold of the updates into the indices: ${maintainSeconds}s`);

  // Search: each mode over the same natural-language queries, after a warm-up of each.
  const queries = naturalQueries(scanned.files, Number(values.queries));
  const searchMs: Record<SearchMode, number[]> = { hybrid: [], bm25: [], vector: [] };
  for (const mode of ['hybrid', 'bm25', 'vector'] as const) {
    await ix.search('warm up the index', { k: 10, mode });
    for (const q of queries) {
      const t0 = performance.now();
      await ix.search(q, { k: 10, mode });
      searchMs[mode].push(performance.now() - t0);
    }
  }
  const search = { hybrid: latency(searchMs.hybrid), bm25: latency(searchMs.bm25), vector: latency(searchMs.vector) };
  const chunks = (await ix.stats()).chunks;
  await ix.close();
  log(`search over ${chunks} chunks, ${queries.length} queries (e.g. "${queries[0]}"): hybrid ${latencyText(search.hybrid)}; bm25 ${latencyText(search.bm25)}; vector ${latencyText(search.vector)}`);
  const fresh = searchInFreshProcess(cold.store, queries);
  log(`the same in a fresh \`semindex search\` process, glibc's malloc defaults: hybrid ${latencyText(fresh.hybrid)}; bm25 ${latencyText(fresh.bm25)}; vector ${latencyText(fresh.vector)}`);
  // What the index costs on disk once its writer is done (old versions pruned as they would be).
  const layout = new StoreLayout(cold.store);
  const storeBytes = await layout.sizeOnDisk();
  const table = await ChunkStore.open(layout.lanceDir(layout.read().active!), layout.read().active!.dim);
  const disk = Object.fromEntries(Object.entries(await table.diskUsage()).map(([k, v]) => [k, round(v / 1048576)]));
  table.close();
  log(`store on disk: ${round(storeBytes / 1048576)} MB (${JSON.stringify(disk)} MB)`);

  const scaling: Record<string, number> = {};
  for (const n of values.scaling!.split(',').map(Number).filter((n) => n > 0)) {
    const run = n === workers ? cold : await coldRun(n);
    scaling[String(n)] = round(run.summary.indexed / run.summary.seconds);
    if (run !== cold) fs.rmSync(run.store, { recursive: true, force: true });
    log(`cold at ${n} worker(s): ${scaling[String(n)]} files/s`);
  }
  fs.rmSync(cold.store, { recursive: true, force: true });

  clearInterval(rssTimer);
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
  const result = {
    corpus,
    files: cold.summary.indexed,
    workers,
    malloc: allocatorText(),
    embedder: cold.summary.embedder,
    parseOnlyFilesPerSec: round(parseRate),
    parseOnlyRuns: [round(parseBefore), round(parseAfter)],
    coldFilesPerSec: round(coldRate),
    ratio: round(coldRate / parseRate, 3),
    coldSeconds: cold.summary.seconds,
    chunks: cold.summary.chunks,
    chunksPerSec: round(cold.summary.chunks / cold.summary.seconds),
    warmSeconds: warm.seconds,
    updateMs: { p50: round(percentile(updateMs, 50)), p95: round(percentile(updateMs, 95)), samples: updateMs.length },
    maintainSeconds,
    searchMs: { ...search.hybrid, queries: queries.length, chunks },
    bm25Ms: search.bm25,
    vectorMs: search.vector,
    freshProcessSearchMs: fresh,
    storeMb: round(storeBytes / 1048576),
    storeDiskMb: disk,
    peakRssMb: round(coldPeakRss / 1048576),
    peakRssMbWholeBench: round(peakRss / 1048576),
    scaling,
    ...(stages ? { stagesMsPerFile: stages } : {}),
    ...(modelRate !== undefined
      ? { modelOnlyChunksPerSec: round(modelRate), modelRatio: round(cold.summary.chunks / cold.summary.seconds / modelRate, 3) }
      : {}),
  };
  if (!values.json) {
    console.log('| figure | value |\n|---|---|');
    const parsed = Number.isFinite(result.parseOnlyFilesPerSec);
    console.log(`| parse-only (read + tree-sitter), before and after the cold run | ${parsed ? `${result.parseOnlyFilesPerSec} files/s (${result.parseOnlyRuns.join(' and ')})` : 'not measured (--no-parse-only)'} |`);
    console.log(`| cold index | ${result.coldFilesPerSec} files/s${parsed ? ` (${result.ratio} × parse-only)` : ''}, ${result.chunksPerSec} chunks/s |`);
    console.log(`| warm re-index, nothing changed | ${result.warmSeconds} s |`);
    console.log(`| save → searchable | p50 ${result.updateMs.p50} ms, p95 ${result.updateMs.p95} ms |`);
    console.log(`| fold of those updates into the indices (once saves go quiet) | ${result.maintainSeconds} s |`);
    console.log(`| hybrid search top-10 (${chunks} chunks, ${queries.length} natural-language queries) | ${latencyText(search.hybrid)} |`);
    console.log(`| bm25 / vector alone | ${latencyText(search.bm25)} / ${latencyText(search.vector)} |`);
    console.log(`| the same in a fresh \`semindex search\` process (malloc defaults): hybrid / bm25 / vector | ${latencyText(fresh.hybrid)} / ${latencyText(fresh.bm25)} / ${latencyText(fresh.vector)} |`);
    console.log(`| store on disk | ${result.storeMb} MB (rows ${disk.rows}, vector index ${disk.vectorIndex}, BM25 index ${disk.ftsIndex}, log ${disk.log}; older versions ${disk.olderVersions}) |`);
    console.log(`| peak RSS (cold run, whole process) | ${result.peakRssMb} MB (whole benchmark incl. scaling runs: ${result.peakRssMbWholeBench} MB) |`);
    if (modelRate !== undefined) console.log(`| model only (same texts, threads, batches) | ${result.modelOnlyChunksPerSec} chunks/s; pipeline ${result.modelRatio} × that |`);
    console.log(`| cold at ${Object.keys(scaling).join('/')} workers | ${Object.values(scaling).join(' / ')} files/s |`);
    if (stages) console.log(`| stages, ms per file on one thread | ${stageLine(stages)} |`);
  }
  console.log(JSON.stringify(result));
}

// Measured under the allocator settings the CLI's indexing runs with (allocator.ts).
rerunWithAllocatorSettings()
  .then((code) => (code === undefined ? main() : process.exit(code)))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });

#!/usr/bin/env node
// Tunes hybrid fusion on the three dev sets together (never one alone): indexes each set once with
// the CLI, takes each query's candidate lists from the engine itself (search.ts HybridSearch
// #hybridLists: BM25 with its rows' own cosine, vectors, the name list), 100 deep, then replays
// variants of the engine's own fusion over them (search.ts fuse, completeVectorScores, bestNamed,
// collapseCopies, with HYBRID's figures changed per variant). Prints MRR@10 / R@10 per set and
// the geometric mean of the MRR ratios to the plain BM25 baselines. The winner is written into
// search.ts by hand and checked with scripts/dev-eval.sh (the real CLI), which the README quotes;
// the shipped variant's replay gives the CLI's figures.
//   node scripts/tune-fusion.mjs        (ALL=1 prints every variant, not the best 25)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const cache = process.env.SEMINDEX_EVAL_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'semindex-eval');
const cli = join(here, 'dist/cli.js');
const BASE = { lodash: 0.342, moby: 0.262, django: 0.197 };
// The engine, bundled on the fly next to the build (packages stay in node_modules).
const lib = join(here, 'dist', 'tune-fusion-lib.cjs');
await esbuild.build({
  stdin: {
    contents: [
      "export { HYBRID, HybridSearch, bestNamed, chunkTexts, collapseCopies, completeVectorScores, fuse } from './src/indexer/search';",
      "export { ChunkStore } from './src/indexer/store';",
      "export { StoreLayout } from './src/indexer/layout';",
      "export { StaticEmbedder } from './src/indexer/embed/staticEmbedder';",
    ].join('\n'),
    resolveDir: here,
    loader: 'ts',
  },
  bundle: true, format: 'cjs', platform: 'node', packages: 'external', outfile: lib, logLevel: 'error',
});
const E = createRequire(import.meta.url)(lib);
const SHIPPED = structuredClone(E.HYBRID);
const embedder = E.StaticEmbedder.load(join(here, 'assets', 'static-table.bin'));
const jsonl = (f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

async function lists(set) {
  const storeDir = mkdtempSync(join(tmpdir(), `tune-${set}-`));
  execFileSync('node', [cli, 'index', join(cache, set, 'corpus'), '--store', storeDir, '--json'], { stdio: 'ignore' });
  const layout = new E.StoreLayout(storeDir);
  const info = layout.read().active;
  const store = await E.ChunkStore.open(layout.lanceDir(info), info.dim);
  const search = new E.HybridSearch(store, embedder, E.chunkTexts(store, info.roots ?? []), info.format);
  const queries = [];
  for (const q of jsonl(join(cache, set, 'queries.jsonl'))) queries.push({ ...q, lists: await search.hybridLists(q.query, 100) });
  store.close();
  return queries;
}

const hit = (q, h) => h.path.endsWith(q.path) && (() => {
  const inside = Math.min(h.endLine, q.end) - Math.max(h.startLine, q.start) + 1;
  return inside > 0 && inside >= 0.5 * (h.endLine - h.startLine + 1);
})();

/** The engine's hybrid ranking of one query's lists with HYBRID set to `p`. */
function rank({ bm25, vector, named, nameTerms }, p) {
  Object.assign(E.HYBRID, structuredClone(SHIPPED), p.hybrid);
  const b = bm25.slice(0, p.depth);
  const v = vector.slice(0, p.depth);
  const terms = p.name ? nameTerms : undefined;
  v.push(...E.completeVectorScores(b, v, p.name ? E.bestNamed(named, terms) : []));
  return E.collapseCopies(E.fuse(b, v, p.alpha, terms)).slice(0, 10);
}

function score(queries, p) {
  let rr = 0, r10 = 0;
  for (const q of queries) {
    const i = rank(q.lists, p).findIndex((r) => hit(q, r.hit) || (r.copies ?? []).some((c) => hit(q, c)));
    if (i >= 0) { rr += 1 / (i + 1); r10++; }
  }
  return { mrr: rr / queries.length, r10: r10 / queries.length };
}

const sets = (process.env.SETS ?? 'lodash,moby,django').split(',');
const data = {};
for (const s of sets) data[s] = await lists(s);
const variants = [];
const named = (scale, evidence, candidates) => ({
  name: { own: SHIPPED.name.own * scale, symbol: SHIPPED.name.symbol * scale, file: SHIPPED.name.file * scale },
  nameEvidence: evidence,
  nameCandidates: candidates,
});
for (const alpha of [0.7, 0.8, 0.85]) {
  for (const depth of [50, 100]) variants.push({ label: `a=${alpha} d=${depth} no name match`, alpha, depth, name: false });
  for (const scale of [0.5, 1, 1.5]) {
    for (const evidence of [2, 3, 4, 5]) {
      for (const candidates of [0, 10, 20]) {
        variants.push({ label: `a=${alpha} d=50 name×${scale} evidence ${evidence} name list ${candidates}`, alpha, depth: 50, name: true, hybrid: named(scale, evidence, candidates) });
      }
    }
  }
}
const rows = variants.map((p) => {
  const per = Object.fromEntries(sets.map((s) => [s, score(data[s], p)]));
  const gm = Math.exp(sets.reduce((a, s) => a + Math.log(per[s].mrr / BASE[s]), 0) / sets.length);
  return { label: p.label, per, gm };
});
rows.sort((a, b) => b.gm - a.gm);
const shipped = `a=${SHIPPED.vector} d=${SHIPPED.depth} name×1 evidence ${SHIPPED.nameEvidence} name list ${SHIPPED.nameCandidates}`;
for (const r of process.env.ALL ? rows : rows.slice(0, 25).concat(rows.filter((r) => r.label === shipped))) {
  console.log(`${(r.label === shipped ? '* ' : '  ') + r.label.padEnd(52)} gm ${r.gm.toFixed(3)}×  ` + sets.map((s) => `${s} ${r.per[s].mrr.toFixed(3)}/${r.per[s].r10.toFixed(3)}`).join('  '));
}
console.log('* = shipped (search.ts HYBRID)');

#!/usr/bin/env node
// Tunes hybrid fusion on the three dev sets together (never one alone): indexes each set once,
// takes each query's top-100 BM25 and vector lists from the CLI, then replays fusion variants over
// them offline and prints MRR@10 / R@10 per set and the geometric mean of the ratios to the plain
// BM25 baselines. The winning variant is then written into src/indexer/search.ts by hand and
// checked with scripts/dev-eval.sh (the real CLI), which is what the README quotes. The lists come
// from the CLI with identical copies already collapsed in each (search.ts#collapseCopies); the
// replay does not collapse across the two lists, so its figures are within ~0.003 of the CLI's.
//   node scripts/tune-fusion.mjs        (ALL=1 prints every variant, not the best 25)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const cache = process.env.SEMINDEX_EVAL_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'semindex-eval');
const cli = join(here, 'dist/cli.js');
const BASE = { lodash: 0.342, moby: 0.262, django: 0.197 };
// search.ts#KIND_PRIOR: the CLI's single-mode scores carry it; replays divide it out (raw) and apply their own.
const PRIOR = { window: 0.5, class: 0.8, struct: 0.8, interface: 0.8, enum: 0.8, type: 0.8 };
const TYPES = new Set(['class', 'struct', 'interface', 'enum', 'type']);
// The index's own tokenizer and the engine's own name match (src/indexer/search.ts#nameMatch,
// weighted by HYBRID.name), bundled on the fly next to the build (packages stay in node_modules).
const lib = join(here, 'dist', 'tune-fusion-lib.cjs');
await esbuild.build({
  stdin: { contents: "export { HYBRID, nameMatch, nameQuery } from './src/indexer/search'; export { StaticEmbedder } from './src/indexer/embed/staticEmbedder';", resolveDir: here, loader: 'ts' },
  bundle: true, format: 'cjs', platform: 'node', packages: 'external', outfile: lib, logLevel: 'error',
});
const { HYBRID, nameMatch: engineNameMatch, nameQuery, StaticEmbedder } = createRequire(import.meta.url)(lib);
// The shipped table's query weights, as the engine's search() passes them to nameQuery.
const table = StaticEmbedder.load(join(here, 'assets', 'static-table.bin'));
const NAME = { ...HYBRID.name };

const jsonl = (f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
function lists(set) {
  const store = mkdtempSync(join(tmpdir(), `tune-${set}-`));
  execFileSync('node', [cli, 'index', join(cache, set, 'corpus'), '--store', store, '--json'], { stdio: 'ignore' });
  const out = {};
  for (const mode of ['bm25', 'vector']) {
    const f = join(store, `${mode}.jsonl`);
    writeFileSync(f, execFileSync('node', [cli, 'search', '--store', store, '--queries', join(cache, set, 'queries.jsonl'), '-k', '100', '--mode', mode, '--json'], { maxBuffer: 1 << 30 }));
    out[mode] = new Map(jsonl(f).map((r) => [r.id, r.results.map((h) => ({ ...h, raw: h.score / (PRIOR[h.kind] ?? 1) }))]));
  }
  const queries = jsonl(join(cache, set, 'queries.jsonl')).map((q) => ({ ...q, terms: nameQuery(q.query, (w) => table.queryWeight(w)) }));
  return { queries, ...out };
}

const hit = (q, r) => r.path.endsWith(q.path) && (() => {
  const inside = Math.min(r.endLine, q.end) - Math.max(r.startLine, q.start) + 1;
  return inside > 0 && inside >= 0.5 * (r.endLine - r.startLine + 1);
})();

function score(data, fuse) {
  let rr = 0, r10 = 0;
  for (const q of data.queries) {
    const ranked = fuse(data.bm25.get(q.id) ?? [], data.vector.get(q.id) ?? [], q).slice(0, 10);
    const rank = ranked.findIndex((r) => hit(q, r));
    if (rank >= 0) { rr += 1 / (rank + 1); r10++; }
  }
  return { mrr: rr / data.queries.length, r10: r10 / data.queries.length };
}

const key = (h) => `${h.path}:${h.startLine}`;
const kindPrior = (h, typePrior) => (h.kind === 'window' ? 0.5 : TYPES.has(h.kind) ? typePrior : 1);

/** search.ts#nameMatch with its three weights scaled by `name` (0: off). */
const nameMatch = (h, terms, name) => {
  if (!name) return 0;
  HYBRID.name = { own: NAME.own * name, symbol: NAME.symbol * name, file: NAME.file * name };
  return engineNameMatch(h, terms);
};

/**
 * Weighted fusion of the two lists' top `depth`: each hit adds weight × norm(list)(hit, rank) ×
 * kind prior to its chunk (BM25 1 − alpha, vectors alpha), then the name match once per chunk;
 * `norm` turns a list into a scorer.
 */
const fusion = (norm) => ({ alpha, depth, name = 0, typePrior = 1, ...p }) => (b, v, q) => {
  const m = new Map();
  const add = (list, w) => {
    const top = list.slice(0, depth);
    if (!top.length) return;
    const score = norm(top, p);
    top.forEach((h, i) => {
      const e = m.get(key(h)) ?? m.set(key(h), { ...h, s: 0 }).get(key(h));
      e.s += w * score(h, i) * kindPrior(h, typePrior);
    });
  };
  add(b, 1 - alpha);
  add(v, alpha);
  if (name) for (const e of m.values()) e.s += nameMatch(e, q.terms, name);
  return [...m.values()].sort((x, y) => y.s - x.s);
};

/** Reciprocal-rank fusion: 1 / (k0 + rank). */
const rrf = fusion((_top, { k0 }) => (_h, i) => 1 / (k0 + i + 1));

/** Normalised-score fusion: raw scores min-max scaled over the list's top `depth`. */
const minmax = fusion((top) => {
  const hi = Math.max(...top.map((h) => h.raw)), lo = Math.min(...top.map((h) => h.raw));
  return (h) => (hi > lo ? (h.raw - lo) / (hi - lo) : 1);
});

/** Like minmax, but divided by the list's best (no shift): a weak list stays weak. */
const maxnorm = fusion((top) => {
  const hi = Math.max(...top.map((h) => h.raw));
  return (h) => (hi > 0 ? h.raw / hi : 0);
});

const sets = (process.env.SETS ?? 'lodash,moby,django').split(',');
const data = Object.fromEntries(sets.map((s) => [s, lists(s)]));
const variants = [];
for (const depth of [20, 50, 100]) {
  for (const alpha of [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]) {
    for (const k0 of [10, 30, 60]) variants.push({ name: `rrf k0=${k0} a=${alpha} d=${depth}`, fuse: rrf({ k0, alpha, depth }) });
    variants.push({ name: `minmax a=${alpha} d=${depth}`, fuse: minmax({ alpha, depth }) });
    variants.push({ name: `maxnorm a=${alpha} d=${depth}`, fuse: maxnorm({ alpha, depth }) });
  }
}
// The shipped shape (search.ts): maxnorm at depth 50 with the name match and the type prior.
for (const alpha of [0.7, 0.8, 0.85]) {
  for (const name of [0, 0.5, 1, 1.5, 2]) {
    for (const typePrior of [1, 0.9, 0.8, 0.6]) variants.push({ name: `maxnorm a=${alpha} d=50 name×${name} type=${typePrior}`, fuse: maxnorm({ alpha, depth: 50, name, typePrior }) });
  }
}
variants.push({ name: 'bm25 only', fuse: (b) => b }, { name: 'vector only', fuse: (_b, v) => v });
const rows = variants.map(({ name, fuse }) => {
  const per = Object.fromEntries(sets.map((s) => [s, score(data[s], fuse)]));
  const gm = Math.exp(sets.reduce((a, s) => a + Math.log(per[s].mrr / BASE[s]), 0) / sets.length);
  const worst = Math.min(...sets.map((s) => per[s].mrr / BASE[s]));
  return { name, per, gm, worst };
});
rows.sort((a, b) => b.gm - a.gm);
for (const r of (process.env.ALL ? rows : rows.slice(0, 25).concat(rows.filter((r) => r.name.endsWith("only"))))) {
  console.log(`${r.name.padEnd(44)} gm ${r.gm.toFixed(3)}× worst ${r.worst.toFixed(3)}×  ` + sets.map((s) => `${s} ${r.per[s].mrr.toFixed(3)}/${r.per[s].r10.toFixed(3)}`).join('  '));
}

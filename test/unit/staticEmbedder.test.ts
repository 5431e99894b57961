// The default static embedder and its table loader, against the real shipped table
// (dist/assets/static-table.bin, found through resources.staticTable()).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { StaticEmbedder, stems } from '../../src/indexer/embed/staticEmbedder';
import { parseStaticTable } from '../../src/indexer/embed/staticTable';
import { resources } from '../../src/indexer/resources';
import { analyze } from '../../src/indexer/tokens';

// What scripts/build-static-table.mjs produced for the committed table; a rebuild that changes them
// must update these on purpose.
const DIM = 100;
const COUNT = 42000;

function cos(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(v: Float32Array): number {
  return Math.sqrt(cos(v, v));
}

describe('static embedder', () => {
  let emb: StaticEmbedder;
  let sim: (a: string, b: string) => number;

  before(() => {
    emb = StaticEmbedder.load();
    sim = (a, b) => cos(emb.embedOne(a), emb.embedOne(b));
  });

  describe('table', () => {
    it('loads with the documented dim and count, and an id derived from its content', () => {
      const t = emb.table;
      assert.equal(t.dim, DIM);
      assert.equal(t.count, COUNT);
      assert.equal(emb.dim, DIM);
      assert.equal(t.rows.length, COUNT * DIM);
      assert.equal(t.scales.length, COUNT);
      assert.equal(t.weights.length, COUNT);
      // The content id is the first 8 bytes of SHA-256 over everything after the 64-byte header.
      const bytes = fs.readFileSync(resources.staticTable());
      const hash = createHash('sha256').update(bytes.subarray(64)).digest('hex').slice(0, 16);
      assert.equal(t.contentId, hash);
      assert.equal(emb.id, `static:${hash}@2`);
      assert.match(emb.description, /GloVe/);
      assert.match(emb.description, /no model download/);
    });

    it('loads fast', () => {
      const t0 = performance.now();
      StaticEmbedder.load();
      const ms = performance.now() - t0;
      // Target 150 ms; generous here so a loaded CI machine does not flake.
      assert.ok(ms < 600, `load took ${ms.toFixed(0)} ms`);
    });

    it('finds known words and not unknown ones; row and word are inverse over the whole table', () => {
      const t = emb.table;
      for (const w of ['the', 'file', 'parse', 'header', 'delete', 'context', 'ctx', 'dst', 'json']) {
        assert.ok(t.row(w) >= 0, `${w} should be in the table`);
        assert.equal(t.word(t.row(w)), w);
      }
      for (const w of ['xqzvbw', '', 'Parse', 'parse ', 'nodelist', 'ünïcødé']) assert.equal(t.row(w), -1, `${w} should not be in the table`);
      for (let r = 0; r < t.count; r += 97) assert.equal(t.row(t.word(r)), r);
      assert.equal(t.row(t.word(t.count - 1)), t.count - 1);
    });

    it('weighs frequent words less than rare content words', () => {
      const w = (x: string) => emb.table.weights[emb.table.row(x)];
      assert.ok(w('the') < w('delete'));
      assert.ok(w('return') < w('graph'));
      assert.ok(w('self') < w('bucket'));
      // Rows are ordered by frequency: `the` comes early.
      assert.ok(emb.table.row('the') < 10);
    });

    it('rejects malformed files', () => {
      const bytes = fs.readFileSync(resources.staticTable());
      assert.doesNotThrow(() => parseStaticTable(bytes));
      const bad = Buffer.from(bytes);
      bad.write('XXXX', 0, 'latin1');
      assert.throws(() => parseStaticTable(bad), /bad magic/);
      const v2 = Buffer.from(bytes);
      v2.writeUInt16LE(3, 4);
      assert.throws(() => parseStaticTable(v2), /unsupported version/);
      assert.throws(() => parseStaticTable(bytes.subarray(0, bytes.length - 1)), /size/);
      assert.throws(() => parseStaticTable(bytes.subarray(0, 10)), /too short/);
    });

    it('parses a copy at an unaligned offset the same way', () => {
      const bytes = fs.readFileSync(resources.staticTable());
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      const t = parseStaticTable(shifted.subarray(1));
      assert.equal(t.contentId, emb.table.contentId);
      const r = t.row('file');
      assert.equal(r, emb.table.row('file'));
      assert.equal(t.scales[r], emb.table.scales[r]);
      assert.equal(t.weights[r], emb.table.weights[r]);
    });
  });

  describe('vectors', () => {
    it('are unit length, finite, of the table dim', async () => {
      const texts = ['parseHeader', 'function removeFile(path) { fs.unlinkSync(path); }', 'delete a file', 'x = 1; // the end'];
      const vs = await emb.embed(texts, 'document');
      assert.equal(vs.length, texts.length);
      for (const v of vs) {
        assert.ok(v instanceof Float32Array);
        assert.equal(v.length, DIM);
        assert.ok(v.every(Number.isFinite));
        assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
      }
    });

    it('are identical for identical texts, across calls, batches and roles', async () => {
      const a = 'export function readConfig(file: string): Config { return JSON.parse(fs.readFileSync(file, "utf8")); }';
      const b = 'class RenderButton extends Component {}';
      const [a1, b1, a2] = await emb.embed([a, b, a], 'document');
      assert.deepEqual(a1, a2);
      assert.deepEqual(emb.embedOne(a), a1);
      assert.deepEqual((await emb.embed([a], 'query'))[0], a1);
      assert.notDeepEqual(a1, b1);
    });

    it('from words (the workers\' path) equal those from text, repeated words counted', () => {
      const text = 'function parseHeader(header) { const header2 = parseHeader(header); return header + header2; }';
      assert.deepEqual(emb.embedWords(analyze(text).words), emb.embedOne(text));
      // A word used three times weighs three times: not the same vector as using it once.
      assert.notDeepEqual(emb.embedWords(['parse', 'header', 'header', 'header']), emb.embedWords(['parse', 'header']));
      const v = emb.embedWords(['parse', 'header', 'header', 'header']);
      assert.ok(Math.abs(norm(v) - 1) < 1e-5);
      // Nothing left over between calls (the per-row counts are reset).
      assert.deepEqual(emb.embedWords(['parse', 'header']), emb.embedWords(['parse', 'header']));
      assert.ok(emb.embedWords([]).every((x) => x === 0));
    });

    it('are the zero vector when no word is known (search treats it as no vector signal)', async () => {
      for (const t of ['', '   ', '123 + 456;', '{}()[]', 'xqzvbw qqqzzx']) {
        const [v] = await emb.embed([t], 'query');
        assert.equal(v.length, DIM);
        assert.ok(v.every((x) => x === 0), `"${t}" should embed to zeros`);
      }
    });

    it('see through identifier styles: parseHeader ≈ parse_header ≈ "parse header"', () => {
      assert.ok(sim('parseHeader', 'parse header') > 0.999);
      assert.ok(sim('PARSE_HEADER', 'parse header') > 0.999);
      assert.ok(sim('parse_header', 'parseHeader') > 0.999);
      assert.ok(sim('parseHeader', 'renderButton') < 0.5);
    });

    it('let frequent words move a vector less than a rare content word', () => {
      // Unweighted, three `the` would pull harder than one `bucket`; weighted, they barely count.
      assert.ok(sim('removeFile', 'removeFile the the the') > 0.9);
      assert.ok(sim('removeFile', 'removeFile if return this') > 0.9);
      assert.ok(sim('removeFile', 'removeFile bucket') < 0.8);
    });

    it('put related code words closer than unrelated ones', () => {
      const closer = (q: string, near: string, far: string) => {
        const a = sim(q, near);
        const b = sim(q, far);
        assert.ok(a > b + 0.1, `"${q}": ${near} ${a.toFixed(3)} should beat ${far} ${b.toFixed(3)}`);
      };
      closer('delete file', 'removeFile', 'renderButton');
      closer('read configuration', 'loadConfig', 'drawCircle');
      closer('compute average', 'calcMean', 'openSocket');
      closer('open a network connection', 'connectToServer', 'computeAverage');
      closer('resize image', 'scaleImg', 'parseArgs');
      closer('parse json', 'JSON.parse(text)', 'button.click()');
    });

    it('read programming abbreviations in their code sense', () => {
      // GloVe alone reads `dst` as daylight saving time and `msg` as monosodium glutamate.
      assert.ok(sim('dst', 'destination') > sim('dst', 'daylight saving time') + 0.3);
      assert.ok(sim('msg', 'message') > sim('msg', 'glutamate') + 0.3);
      assert.ok(sim('ctx', 'context') > 0.9);
    });
  });

  describe('words outside the table', () => {
    it('fall back to a stem', () => {
      assert.deepEqual(stems('queries').slice(0, 1), ['query']);
      assert.ok(stems('mapped').includes('map'));
      assert.ok(stems('parsing').includes('parse'));
      assert.equal(emb.table.row('unmarshaled'), -1);
      assert.deepEqual(emb.rowsOf('unmarshaled'), [emb.table.row('unmarshal')]);
    });

    it('split lower-case compounds into table words', () => {
      const t = emb.table;
      assert.deepEqual(emb.rowsOf('nodelist'), [t.row('node'), t.row('list')]);
      assert.deepEqual(emb.rowsOf('readline'), [t.row('read'), t.row('line')]);
      assert.ok(sim('readline', 'read line') > 0.999);
      assert.ok(sim('removefile', 'delete file') > sim('removefile', 'render button') + 0.1);
    });

    it('contribute nothing when unresolvable', () => {
      assert.deepEqual(emb.rowsOf('xqzvbw'), []);
      assert.deepEqual(emb.embedOne('removeFile xqzvbw'), emb.embedOne('removeFile'));
    });
  });
});

// The default static embedder and its table loader, against the real shipped table
// (dist/assets/static-table.bin, found through resources.staticTable()).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { StaticEmbedder, stems } from '../../src/indexer/embed/staticEmbedder';
import { parseStaticTable, sharedTableBytes } from '../../src/indexer/embed/staticTable';
import { resources } from '../../src/indexer/resources';
import { analyze } from '../../src/indexer/tokens';

// What scripts/train-model.py produced for the committed table; a retrain that changes them must
// update these on purpose.
const DIM = 256;
const COUNT = 48958;

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
  /** Document-side similarity. */
  let sim: (a: string, b: string) => number;
  /** A query against a piece of code: the query side against the code side, as search does. */
  let qsim: (query: string, code: string) => Promise<number>;

  before(() => {
    emb = StaticEmbedder.load();
    sim = (a, b) => cos(emb.embedOne(a), emb.embedOne(b));
    qsim = async (q, code) => cos((await emb.embed([q], 'query'))[0], emb.embedOne(code));
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
      assert.equal(t.sides.length, 2, 'a code side and a query side');
      assert.equal(t.sides[1].rows.length, COUNT * DIM);
      assert.deepEqual(t.meta.sides, ['code', 'query']);
      // The content id is the first 8 bytes of SHA-256 over everything after the 64-byte header.
      const bytes = fs.readFileSync(resources.staticTable());
      const hash = createHash('sha256').update(bytes.subarray(64)).digest('hex').slice(0, 16);
      assert.equal(t.contentId, hash);
      assert.equal(emb.id, `static:${hash}@2`);
      assert.match(emb.description, /code-search model/);
      assert.match(emb.description, /doc-comment\/function pairs from npm and Debian packages/);
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
      for (const w of ['xqzvbw', '', 'Parse', 'parse ', 'xqzvbwq', 'ünïcødé']) assert.equal(t.row(w), -1, `${w} should not be in the table`);
      for (let r = 0; r < t.count; r += 97) assert.equal(t.row(t.word(r)), r);
      assert.equal(t.row(t.word(t.count - 1)), t.count - 1);
    });

    it('weighs frequent words less than rare content words (weights baked into the rows)', () => {
      const t = emb.table;
      const weight = (side: number, x: string) => {
        const r = t.row(x);
        let sq = 0;
        for (let d = 0; d < DIM; d++) sq += (t.sides[side].rows[r * DIM + d] * t.sides[side].scales[r]) ** 2;
        return Math.sqrt(sq) * t.sides[side].weights[r];
      };
      for (const side of [0, 1]) {
        assert.ok(weight(side, 'the') < weight(side, 'delete'), `side ${side}: the < delete`);
        assert.ok(weight(side, 'return') < weight(side, 'graph'), `side ${side}: return < graph`);
      }
      // Rows are ordered by frequency: `the` comes early.
      assert.ok(t.row('the') < 50);
    });

    it('rejects malformed files', () => {
      const bytes = fs.readFileSync(resources.staticTable());
      assert.doesNotThrow(() => parseStaticTable(bytes));
      const bad = Buffer.from(bytes);
      bad.write('XXXX', 0, 'latin1');
      assert.throws(() => parseStaticTable(bad), /bad magic/);
      const v3 = Buffer.from(bytes);
      v3.writeUInt16LE(3, 4);
      assert.throws(() => parseStaticTable(v3), /unsupported version/);
      const sides = Buffer.from(bytes);
      sides.writeUInt32LE(3, 32);
      assert.throws(() => parseStaticTable(sides), /side count/);
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

    it('are identical for identical texts across calls and batches; queries use the query side', async () => {
      const a = 'export function readConfig(file: string): Config { return JSON.parse(fs.readFileSync(file, "utf8")); }';
      const b = 'class RenderButton extends Component {}';
      const [a1, b1, a2] = await emb.embed([a, b, a], 'document');
      assert.deepEqual(a1, a2);
      assert.deepEqual(emb.embedOne(a), a1);
      assert.notDeepEqual(a1, b1);
      const [q1] = await emb.embed([a], 'query');
      assert.notDeepEqual(q1, a1, 'the query table is not the code table');
      assert.deepEqual(emb.embedWords(analyze(a).words, 1), q1);
    });

    it('are the same from the bytes the pool shares as from a private copy', () => {
      const bytes = sharedTableBytes(resources.staticTable());
      assert.ok(bytes.buffer instanceof SharedArrayBuffer);
      assert.equal(sharedTableBytes(resources.staticTable()), bytes, 'read once per process');
      const shared = StaticEmbedder.load(resources.staticTable(), bytes);
      assert.ok(shared.table.rows.buffer === bytes.buffer, 'the rows are views on the shared bytes, not a copy');
      assert.equal(shared.id, emb.id);
      assert.deepEqual(shared.embedOne('parse the header of a request'), emb.embedOne('parse the header of a request'));
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
      // A frequent word (`the`, `if`, `return`) moves a chunk's vector less than one rare content word.
      const rare = sim('removeFile', 'removeFile bucket');
      assert.ok(sim('removeFile', 'removeFile the') > rare + 0.1);
      assert.ok(sim('removeFile', 'removeFile if return this') > rare + 0.05);
    });

    it('match a query to the code that does it, not to unrelated code', async () => {
      const closer = async (q: string, near: string, far: string) => {
        const a = await qsim(q, near);
        const b = await qsim(q, far);
        assert.ok(a > b + 0.05, `"${q}": ${near} ${a.toFixed(3)} should beat ${far} ${b.toFixed(3)}`);
      };
      await closer('delete a file', 'func removeFile(path string) error { return os.Remove(path) }', 'func renderButton(label string) { draw(label) }');
      await closer('read the configuration file', 'def load_config(path):\n    with open(path) as f:\n        return yaml.safe_load(f)', 'def draw_circle(r): canvas.arc(0, 0, r)');
      await closer('compute the average of the values', 'function mean(xs) { return xs.reduce((a, b) => a + b, 0) / xs.length; }', 'function openSocket(host) { return net.connect(host); }');
      await closer('parse json', 'JSON.parse(text)', 'button.click()');
      await closer('decode the body into a struct', 'func Unmarshal(data []byte, v interface{}) error', 'func Render(w io.Writer)');
    });
  });

  describe('words outside the table', () => {
    it('fall back to a stem', () => {
      assert.deepEqual(stems('queries').slice(0, 1), ['query']);
      assert.ok(stems('mapped').includes('map'));
      assert.ok(stems('parsing').includes('parse'));
      const t = emb.table;
      const unknown = ['unmarshaled', 'unmarshalled', 'marshalings'].find((w) => t.row(w) === -1 && emb.rowsOf(w).length === 1);
      assert.ok(unknown, 'an inflected form outside the table resolves to one row');
      assert.ok(emb.rowsOf(unknown!).every((r) => t.word(r).startsWith('marshal') || t.word(r).startsWith('unmarshal')));
    });

    it('split lower-case compounds into table words', () => {
      const t = emb.table;
      const word = 'removefileentry';
      assert.equal(t.row(word), -1);
      assert.deepEqual(emb.rowsOf(word), [t.row('remove'), t.row('file'), t.row('entry')]);
      assert.ok(sim(word, 'remove file entry') > 0.999);
    });

    it('contribute nothing when unresolvable', () => {
      assert.deepEqual(emb.rowsOf('xqzvbw'), []);
      assert.deepEqual(emb.embedOne('removeFile xqzvbw'), emb.embedOne('removeFile'));
    });
  });
});

// The transformers embedder end to end on the committed tiny random-weight BERT
// (test/fixtures/tiny-model, made by scripts/make-tiny-model.py): tokenizer.json → onnxruntime-node
// → mean pooling. The vectors mean nothing semantically; these tests check the plumbing.
//
// The file also serves as its own worker script: when started as a worker thread with
// `workerData.embedInWorker`, it embeds and posts the vectors back instead of defining tests.
// That runs the very bundle mocha runs (dist/test/unit/*.test.js) inside worker_threads, the way
// Piscina runs the indexer, without a separate worker entry to build.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { env } from '@huggingface/transformers';
import { defaultWorkers, modelThreadsPerWorker } from '../../src/indexer/embed';
import { REQUIRED_MODEL_FILES, TransformersEmbedder } from '../../src/indexer/embed/transformersEmbedder';

interface EmbedJob {
  embedInWorker: true;
  modelDir: string;
  texts: string[];
}

/** test/fixtures/tiny-model of the repo: walk up to semindex's package.json (from the bundle, then the cwd). */
function fixtureDir(): string {
  const override = process.env['SEMINDEX_TINY_MODEL'];
  if (override) return path.resolve(override);
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const pkg = path.join(dir, 'package.json');
      if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'semindex') {
        return path.join(dir, 'test', 'fixtures', 'tiny-model');
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error('cannot find the semindex repo above the test bundle or the cwd; set SEMINDEX_TINY_MODEL');
}

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s / (norm(a) * norm(b));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Copies the fixture into a fresh temp folder a test may damage. */
function copyFixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-tiny-'));
  fs.cpSync(fixtureDir(), dir, { recursive: true });
  return dir;
}

const SNIPPETS = [
  'def main():\n    print("hello")',
  'function getUserById(id) {\n  return users.find((u) => u.id === id);\n}',
  'SELECT name, email FROM users WHERE id = ?',
  'impl Display for Point { fn fmt(&self, f: &mut Formatter) -> Result { write!(f, "({}, {})", self.x, self.y) } }',
  'class LruCache<K, V> { private map = new Map<K, V>(); constructor(private max: number) {} }',
  'func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }',
  '',
  '日本語のコメント 😀 ünïcödé',
];

async function workerMain(job: EmbedJob): Promise<void> {
  const e = await TransformersEmbedder.create({ kind: 'transformers', modelDir: job.modelDir });
  const vecs = await e.embed(job.texts, 'document');
  await e.dispose();
  parentPort?.postMessage(vecs);
}

function embedInWorker(job: EmbedJob): Promise<Float32Array[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(__filename, { workerData: job });
    w.once('message', (m: Float32Array[]) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}`));
    });
  });
}

if (!isMainThread && (workerData as Partial<EmbedJob> | null)?.embedInWorker) {
  // A rejection here is unhandled, which ends the worker with an 'error' event the parent reports.
  void workerMain(workerData as EmbedJob);
} else {
  describe('worker threads and model threads', () => {
    it('default to cores − 1 workers, at most 2 with a model, whose sessions share the cores', () => {
      const cores = os.availableParallelism();
      assert.equal(defaultWorkers({ kind: 'static' }), Math.max(1, cores - 1));
      const workers = defaultWorkers({ kind: 'transformers', modelDir: '/m' });
      assert.equal(workers, Math.min(2, Math.max(1, cores - 1)));
      assert.equal(modelThreadsPerWorker(workers), Math.max(1, Math.floor(cores / workers)));
      for (const n of [1, 2, 3, 8, 64]) {
        const t = modelThreadsPerWorker(n);
        assert.ok(t >= 1 && (t === 1 || t * n <= cores), `${n} workers × ${t} threads on ${cores} cores`);
      }
    });
  });

  describe('TransformersEmbedder (tiny fixture model)', function () {
    this.timeout(20_000);
    let embedder: TransformersEmbedder;
    let modelDir: string;

    before(async () => {
      modelDir = fixtureDir();
      embedder = await TransformersEmbedder.create({ kind: 'transformers', modelDir });
    });

    after(async () => {
      await embedder?.dispose();
    });

    it('takes dim from the model config and names the model and folder', () => {
      const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as { hidden_size: number };
      assert.equal(embedder.dim, config.hidden_size);
      assert.match(embedder.id, /^transformers:tiny-model@[0-9a-f]{8}$/);
      assert.ok(embedder.description.includes(modelDir), embedder.description);
      assert.equal(embedder.maxTokens, 256);
    });

    it('returns one unit-length vector of dim floats per text, in order', async () => {
      const vecs = await embedder.embed(SNIPPETS, 'document');
      assert.equal(vecs.length, SNIPPETS.length);
      for (const v of vecs) {
        assert.ok(v instanceof Float32Array);
        assert.equal(v.length, embedder.dim);
        assert.ok(v.every(Number.isFinite));
        assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
      }
    });

    it('is deterministic: the same text gives the same vector', async () => {
      const [a] = await embedder.embed([SNIPPETS[1]], 'document');
      const [b] = await embedder.embed([SNIPPETS[1]], 'query');
      assert.deepEqual(Array.from(a), Array.from(b));
    });

    it('gives different texts different vectors', async () => {
      const vecs = await embedder.embed(SNIPPETS.slice(0, 6), 'document');
      for (let i = 0; i < vecs.length; i++) {
        for (let j = i + 1; j < vecs.length; j++) {
          assert.ok(cosine(vecs[i], vecs[j]) < 0.999, `texts ${i} and ${j} embed alike`);
        }
      }
    });

    it('gives the same vectors batched (across batch boundaries) as one by one', async () => {
      // 20 texts of mixed length: two batches of 16, reordered by length and padded.
      const texts = Array.from({ length: 20 }, (_, i) => SNIPPETS[i % SNIPPETS.length].repeat(1 + (i % 3)) + ` x${i}`);
      const batched = await embedder.embed(texts, 'document');
      for (let i = 0; i < texts.length; i++) {
        const [single] = await embedder.embed([texts[i]], 'document');
        assert.ok(maxAbsDiff(batched[i], single) < 1e-5, `text ${i} differs by ${maxAbsDiff(batched[i], single)}`);
      }
    });

    it('cuts runs of long texts short (rows × length² budget), short texts still share a run', async () => {
      const wide = await TransformersEmbedder.create({ kind: 'transformers', modelDir }, { batchSize: 64 });
      const runs: { rows: number; width: number }[] = [];
      const inner = wide as unknown as { runBatch(rows: number[][]): Promise<Float32Array[]> };
      const run = inner.runBatch.bind(wide);
      inner.runBatch = (rows) => {
        runs.push({ rows: rows.length, width: Math.max(...rows.map((r) => r.length)) });
        return run(rows);
      };
      try {
        const long = Array.from({ length: 40 }, (_, i) => `${'const value = compute(index, key);\n'.repeat(60)} v${i}`);
        const short = Array.from({ length: 40 }, (_, i) => `return x${i};`);
        const vecs = await wide.embed([...short, ...long], 'document');
        // 40 short texts in one run of 40; 40 texts of 256 tokens in runs of 4 × 512² / 256² = 16.
        assert.deepEqual(runs.map((r) => r.rows), [40, 16, 16, 8]);
        assert.deepEqual(runs.slice(1).map((r) => r.width), [256, 256, 256]);
        for (const i of [0, 39, 40, 79]) {
          const [single] = await embedder.embed([[...short, ...long][i]], 'document');
          assert.ok(maxAbsDiff(vecs[i], single) < 1e-5, `text ${i} differs`);
        }
      } finally {
        await wide.dispose();
      }
    });

    it('returns [] for no texts', async () => {
      assert.deepEqual(await embedder.embed([], 'document'), []);
    });

    it('truncates long texts to the model limit instead of failing', async () => {
      const long = 'const value = compute(index, key);\n'.repeat(2_000); // ~70k chars, far over 256 tokens
      const [a] = await embedder.embed([long], 'document');
      const [b] = await embedder.embed([long + 'function unrelated() { return other; }'], 'document');
      assert.equal(a.length, embedder.dim);
      // Only the first 256 tokens count, so a different tail changes nothing.
      assert.ok(maxAbsDiff(a, b) < 1e-6);
    });

    it('never touches the network for a local model', async () => {
      const realFetch = env.fetch;
      let calls = 0;
      env.fetch = (...args: Parameters<typeof realFetch>) => {
        calls++;
        return realFetch(...args);
      };
      try {
        const e = await TransformersEmbedder.create({ kind: 'transformers', modelDir });
        await e.embed(['fn main() {}'], 'document');
        await e.dispose();
      } finally {
        env.fetch = realFetch;
      }
      assert.equal(calls, 0);
      assert.equal(env.allowRemoteModels, false);
    });

    it('refuses a hub model id while remote loading is off', async () => {
      await assert.rejects(
        TransformersEmbedder.create({ kind: 'transformers', modelId: 'Xenova/all-MiniLM-L6-v2' }),
        /Xenova\/all-MiniLM-L6-v2.*remote loading is off/,
      );
      await assert.rejects(TransformersEmbedder.create({ kind: 'transformers' }), /no model given/);
    });

    it('says which folder is missing', async () => {
      const missing = path.join(os.tmpdir(), 'semindex-no-such-model-folder');
      await assert.rejects(
        TransformersEmbedder.create({ kind: 'transformers', modelDir: missing }),
        (e: Error) => e.message.includes('model folder not found') && e.message.includes(missing),
      );
    });

    it('says which files a model folder lacks', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-partial-'));
      try {
        fs.copyFileSync(path.join(modelDir, 'config.json'), path.join(dir, 'config.json'));
        await assert.rejects(TransformersEmbedder.create({ kind: 'transformers', modelDir: dir }), (e: Error) => {
          assert.ok(e.message.includes(dir), e.message);
          for (const f of REQUIRED_MODEL_FILES.filter((x) => x !== 'config.json')) assert.ok(e.message.includes(f), e.message);
          assert.ok(!e.message.includes('missing config.json'), e.message);
          return true;
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('reports a broken ONNX file and a broken config.json with their paths', async () => {
      const dir = copyFixture();
      try {
        fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), 'not a model');
        await assert.rejects(
          TransformersEmbedder.create({ kind: 'transformers', modelDir: dir }),
          (e: Error) => e.message.includes('ONNX model') && e.message.includes(dir),
        );
        fs.writeFileSync(path.join(dir, 'config.json'), '{ broken');
        await assert.rejects(
          TransformersEmbedder.create({ kind: 'transformers', modelDir: dir }),
          (e: Error) => e.message.includes(path.join(dir, 'config.json')),
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('changes id when the model changes, keeps it when only the folder moves', async () => {
      const dir = copyFixture();
      const moved = path.join(dir, 'tiny-model');
      try {
        // Same files under the same folder name elsewhere: same model, same id.
        fs.mkdirSync(moved);
        for (const f of fs.readdirSync(dir)) if (f !== 'tiny-model') fs.renameSync(path.join(dir, f), path.join(moved, f));
        const same = await TransformersEmbedder.create({ kind: 'transformers', modelDir: moved });
        await same.dispose();
        assert.equal(same.id, embedder.id);

        const config = JSON.parse(fs.readFileSync(path.join(moved, 'config.json'), 'utf8')) as Record<string, unknown>;
        config['layer_norm_eps'] = 1e-6;
        fs.writeFileSync(path.join(moved, 'config.json'), JSON.stringify(config));
        const changed = await TransformersEmbedder.create({ kind: 'transformers', modelDir: moved });
        await changed.dispose();
        assert.notEqual(changed.id, embedder.id);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('embeds inside two worker threads at once, same vectors as the main thread', async () => {
      const texts = SNIPPETS.slice(0, 4);
      const expected = await embedder.embed(texts, 'document');
      const job: EmbedJob = { embedInWorker: true, modelDir, texts };
      const results = await Promise.all([embedInWorker(job), embedInWorker(job)]);
      for (const got of results) {
        assert.equal(got.length, texts.length);
        got.forEach((v, i) => assert.ok(maxAbsDiff(v, expected[i]) < 1e-6, `text ${i}`));
      }
    });
  });
}

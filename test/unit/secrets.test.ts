import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Indexer, type IndexerOptions } from '../../src/indexer/indexer';
import { StoreLayout } from '../../src/indexer/layout';
import { IndexReader } from '../../src/indexer/reader';
import { privateKeyRule, redactSecrets, secretFileRule } from '../../src/indexer/secrets';
import { SourceFiles } from '../../src/indexer/source';
import { ChunkStore } from '../../src/indexer/store';
import { analyze } from '../../src/indexer/tokens';
import { cliPath, tempDir, writeTree } from './helpers';

// Fake secrets of the real shapes, put together at run time so that this file itself holds none
// (secret scanners, and Semindex indexing this repository, would flag it otherwise).
const awsKeyId = 'AKIA' + 'Z7QW3XK2PL5MVN4R';
const awsSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'Q3kT9vR2pL';
const githubToken = ['ghp', 'a1B2c3D4e5F6'.repeat(3)].join('_');
const keyBody = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBTZW1pbmRleFRlc3RLZXlNYXRlcmlhbE5vdEFSZWFsT25lAAAAlBSZWFs\n';
const privateKey = `-----BEGIN ${'OPENSSH PRIVATE'} KEY-----\n${keyBody}-----END ${'OPENSSH PRIVATE'} KEY-----\n`;
/** Pieces of secret text that must never come back from the index. */
const secretTexts = [awsKeyId, awsSecret, githubToken, 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE', 'SZW1pbmRleFRlc3RLZXlNYXRlcmlhbE5v'];

const staticEmbedder = { kind: 'static' as const };

async function withIndexer<T>(root: string, storeDir: string, fn: (ix: Indexer) => Promise<T>, opts: Partial<IndexerOptions> = {}): Promise<T> {
  const ix = await Indexer.open({ storeDir, roots: [{ name: '', path: root }], embedder: staticEmbedder, workers: 1, ...opts });
  try {
    return await fn(ix);
  } finally {
    await ix.close();
  }
}

/**
 * Every row of the active index: path, BM25 field, and the chunk's code as search shows it — read
 * back from the file under `root` (the index keeps no text: source.ts), "" where that fails.
 */
async function rows(storeDir: string, root: string): Promise<{ path: string; text: string; fts: string }[]> {
  const layout = new StoreLayout(storeDir);
  const info = layout.read().active!;
  const store = await ChunkStore.open(layout.lanceDir(info), info.dim);
  try {
    assert.equal(store.holdsText, false, 'the table has no chunk text column');
    const table = (store as unknown as { table: { query(): { select(c: string[]): { toArray(): Promise<{ path: string; start_line: number; fts: string }[]> } } } }).table;
    const fts = new Map((await table.query().select(['path', 'start_line', 'fts']).toArray()).map((r) => [`${r.path}:${r.start_line}`, r.fts]));
    const spans = await store.chunkSpans();
    const texts = await new SourceFiles([{ name: '', path: root }]).texts(spans);
    return spans.map((s, i) => ({ path: s.path, text: texts[i].text ?? '', fts: fts.get(`${s.path}:${s.startLine}`) ?? '' }));
  } finally {
    store.close();
  }
}

describe('secrets', function () {
  this.timeout(120_000);

  it('names secret files by rule, and leaves templates and public keys alone', () => {
    const secret = ['.env', '.env.local', '.env.production', '.envrc', 'docker/prod.env', 'id_rsa', '.ssh/id_ed25519', 'id_rsa_github', 'server.pem', 'tls/server.key', 'cert.p12', 'cert.pfx', 'vault.kdbx', 'release.jks', 'app.keystore', '.npmrc', '.pypirc', '.netrc', '.git-credentials', 'home/.aws/credentials', '.docker/config.json'];
    for (const p of secret) assert.ok(secretFileRule(p), `${p} is a secret file`);
    const plain = ['.env.example', '.env.sample', '.env.template', '.env.local.example', 'example.env', 'id_rsa.pub', 'id_ed25519.pub', 'src/env.ts', 'environment.ts', 'docs/keys.md', 'config.json', 'aws/credentials.py', 'keyboard.c', 'monkey.js'];
    for (const p of plain) assert.equal(secretFileRule(p), undefined, p);
    assert.match(secretFileRule('.env')!, /environment file/);
    assert.match(secretFileRule('id_rsa')!, /SSH private key/);
    assert.match(secretFileRule('a/b.pem')!, /\*\.pem/);
    assert.match(secretFileRule('.aws/credentials')!, /\.aws\/credentials/);
  });

  it('finds private keys by their armour and body, not by the armour line alone', () => {
    assert.equal(privateKeyRule(privateKey), 'private key (OPENSSH PRIVATE KEY)');
    // Inside a string literal, line breaks written as \n; and split over concatenated strings.
    assert.ok(privateKeyRule(`const key = "${privateKey.replace(/\n/g, '\\n')}";`));
    assert.ok(privateKeyRule(`key = ('-----BEGIN ${'RSA PRIVATE'} KEY-----\\n' +\n  'MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB' +`));
    // A PEM parser's source names the armour lines; it holds no key.
    assert.equal(privateKeyRule(`if (line === '-----BEGIN ${'RSA PRIVATE'} KEY-----') return 'rsa';\nif (line === '-----BEGIN ${'EC PRIVATE'} KEY-----') return 'ec';`), undefined);
    assert.equal(privateKeyRule('-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE'), undefined);
  });

  it('redacts well-known tokens in place, keeping the lines and the code around them', () => {
    const tokens: [string, string][] = [
      [awsKeyId, 'aws-access-key-id'],
      [githubToken, 'github-token'],
      ['github_pat_' + '11ABCDEFG0'.repeat(4) + '_' + 'abcXYZ0123'.repeat(6), 'github-token'],
      ['glpat-' + 'Zx9_Yw8-Vu7Ts6Rq5Po4', 'gitlab-token'],
      ['xoxb-' + '1234567890-0987654321-AbCdEfGhIjKlMnOp', 'slack-token'],
      ['sk_live_' + '4eC39HqLyjWDarjtT1zdp7dc', 'stripe-key'],
      ['rk_live_' + '4eC39HqLyjWDarjtT1zdp7dc', 'stripe-key'],
      ['AIza' + 'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY', 'google-api-key'],
      ['npm_' + 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5', 'npm-token'],
    ];
    for (const [token, kind] of tokens) {
      const text = `const a = 1;\nconst token = "${token}"; // used below\nfetch(url, { token });\n`;
      const out = redactSecrets(text);
      assert.deepEqual(out.kinds, [kind], token);
      assert.equal(out.text, `const a = 1;\nconst token = "«redacted:${kind}»"; // used below\nfetch(url, { token });\n`);
    }
    const assigned = redactSecrets(`[default]\naws_access_key_id = ${awsKeyId}\naws_secret_access_key = ${awsSecret}\n`);
    assert.equal(assigned.text, '[default]\naws_access_key_id = «redacted:aws-access-key-id»\naws_secret_access_key = «redacted:aws-secret-key»\n');
    const json = redactSecrets(`{ "SecretAccessKey": "${awsSecret}" }`);
    assert.equal(json.text, '{ "SecretAccessKey": "«redacted:aws-secret-key»" }');
    // Without its name a 40-character string is just a string (a hash, a test vector).
    const plain = `const digest = "${awsSecret}";`;
    assert.equal(redactSecrets(plain).text, plain);
  });

  it('keeps secrets out of the index: secret files are skipped with a reason, tokens redacted, no search mode returns them', async () => {
    assert.equal(awsSecret.length, 40);
    const ws = tempDir('secrets');
    writeTree(ws, {
      '.env': `AWS_ACCESS_KEY_ID=${awsKeyId}\nAWS_SECRET_ACCESS_KEY=${awsSecret}\nDATABASE_URL=postgres://app@localhost/app\n`,
      '.env.example': 'AWS_ACCESS_KEY_ID=your-access-key-id\nAWS_SECRET_ACCESS_KEY=your-secret-access-key\nDATABASE_URL=postgres://localhost/app\n',
      id_rsa: privateKey,
      'id_rsa.pub': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPublicHalfOfTheTestKey semindex@test\n',
      'config.js': [
        '// Settings of the release uploader.',
        `const RELEASE_TOKEN = '${githubToken}';`,
        '',
        'function uploadReleaseAsset(name, body) {',
        "  return fetch('https://uploads.example.invalid/' + name, { method: 'POST', body, headers: { authorization: 'token ' + RELEASE_TOKEN } });",
        '}',
        '',
        'module.exports = { uploadReleaseAsset };',
        '',
      ].join('\n'),
      'tls.js': `// A test server with a key of its own.\nconst SERVER_KEY = '${privateKey.replace(/\n/g, '\\n')}';\n\nfunction startTlsServer(port) {\n  return { port, key: SERVER_KEY };\n}\n`,
      'settings.py': `aws_secret_access_key = "${awsSecret}"\n\n\ndef load_settings():\n    return {"region": "eu-west-1"}\n`,
    });
    const store = tempDir('store');
    const { summary, problems } = await withIndexer(ws, store, async (ix) => ({ summary: await ix.index(), problems: ix.problems() }));
    assert.equal(summary.failed, 0);
    assert.equal(summary.excluded.secret, 3);

    // Each secret file is listed as skipped with its rule, and nothing of its content.
    const reasons = Object.fromEntries(problems.map((p) => [p.path, p.reason]));
    assert.match(reasons['.env'], /^likely secret: environment file/);
    assert.match(reasons['id_rsa'], /^likely secret: SSH private key file/);
    assert.match(reasons['tls.js'], /^likely secret: private key \(OPENSSH PRIVATE KEY\)$/);
    for (const p of problems) for (const s of secretTexts) assert.ok(!p.reason.includes(s), `${p.path}: reason shows the secret`);

    const all = await rows(store, ws);
    const paths = new Set(all.map((r) => r.path));
    for (const p of ['.env.example', 'config.js', 'settings.py', 'id_rsa.pub']) assert.ok(paths.has(p), `${p} not indexed`);
    for (const p of ['.env', 'id_rsa', 'tls.js']) assert.ok(!paths.has(p), `${p} indexed`);
    // The token is gone from the chunk text as search shows it (read back from the file, redacted as
    // the worker redacted it) and from the BM25 field; the code around it is there.
    const config = all.filter((r) => r.path === 'config.js').map((r) => r.text).join('\n');
    assert.match(config, /const RELEASE_TOKEN = '«redacted:github-token»';/);
    assert.match(config, /function uploadReleaseAsset/);
    assert.match(all.filter((r) => r.path === 'settings.py').map((r) => r.text).join('\n'), /aws_secret_access_key = "«redacted:aws-secret-key»"/);
    // The BM25 terms only a secret would bring (its identifier whole, lower-cased).
    const secretTerms = [awsSecret, githubToken, awsKeyId].flatMap((s) => analyze(`x = "${s}"`).fts.split(' ').filter((t) => t.length >= 12));
    assert.ok(secretTerms.length >= 2, `no distinctive terms in ${secretTerms.join(' ')}`);
    for (const r of all) {
      for (const s of secretTexts) assert.ok(!r.text.includes(s), `${r.path}: chunk text holds a secret`);
      const terms = new Set(r.fts.split(' '));
      for (const t of secretTerms) assert.ok(!terms.has(t), `${r.path}: BM25 field holds ${t}`);
    }

    // No search mode returns a secret file or a secret's text, whatever it is asked.
    const reader = await IndexReader.open(store);
    try {
      for (const mode of ['bm25', 'vector', 'hybrid'] as const) {
        for (const q of ['AWS secret access key', 'private key', 'OPENSSH PRIVATE KEY', 'release token', awsSecret, githubToken, awsKeyId]) {
          const results = await reader.search(q, { k: 50, mode });
          for (const r of results) {
            assert.ok(!['.env', 'id_rsa', 'tls.js'].includes(r.path), `${mode} "${q}": returned ${r.path}`);
            for (const s of secretTexts) assert.ok(!r.snippet.includes(s), `${mode} "${q}": ${r.path} snippet shows a secret`);
          }
        }
      }
      assert.equal((await reader.search('upload release asset', { k: 1, mode: 'bm25' }))[0]?.path, 'config.js');
      assert.equal((await reader.status()).excluded?.secret, 3);
    } finally {
      reader.close();
    }
  });

  it('allowSecretFiles re-includes chosen files, and taking it back skips them again', async () => {
    const ws = tempDir('secrets');
    writeTree(ws, {
      'keys/test.pem': privateKey,
      'tls.js': `const SERVER_KEY = '${privateKey.replace(/\n/g, '\\n')}';\nfunction startTlsServer(port) {\n  return { port, key: SERVER_KEY };\n}\n`,
      'main.js': `const token = '${githubToken}';\nfunction main() {\n  return token;\n}\n`,
    });
    const store = tempDir('store');
    const indexed = async () => new Set((await rows(store, ws)).map((r) => r.path));
    const first = await withIndexer(ws, store, (ix) => ix.index());
    assert.equal(first.excluded.secret, 2);
    assert.deepEqual([...(await indexed())], ['main.js']);
    // Through the CLI flag; tls.js is unchanged on disk and still read again (its skip depended on the setting).
    const out = execFileSync(process.execPath, [cliPath, 'index', ws, '--store', store, '--json', '--allow-secret-files', 'keys/*.pem', '--allow-secret-files', 'tls.js'], { encoding: 'utf8' });
    const second = JSON.parse(out.trim().split('\n').pop()!);
    assert.equal(second.excluded.secret, 0);
    assert.deepEqual([...(await indexed())].sort(), ['keys/test.pem', 'main.js', 'tls.js']);
    // Allowed files are indexed on purpose, but tokens are redacted in them as everywhere.
    assert.ok((await rows(store, ws)).every((r) => !r.text.includes(githubToken)));
    const third = await withIndexer(ws, store, (ix) => ix.index());
    assert.equal(third.excluded.secret, 2);
    assert.deepEqual([...(await indexed())], ['main.js']);
    assert.ok(fs.existsSync(path.join(ws, 'tls.js')));
  });
});

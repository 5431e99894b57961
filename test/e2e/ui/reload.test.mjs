// UI test of the PACKAGED extension: a window reload in the middle of indexing. The workspace is a
// temp folder with a few copies of apache-arrow's sources from node_modules (~2,300 files, ~16k
// chunks: long enough to interrupt). "Developer: Reload Window" while the status bar counts files;
// after the reload the extension (semindex.indexOnStartup, on by default) resumes the run, and
//   - the status bar ends at the counts of a full index of the same folder by the CLI, and
//   - the extension's log of the resumed run says the files done before the reload were
//     "unchanged" (only a stat), i.e. indexed = total − unchanged, unchanged > 0.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, SELECTORS, installVsix, openWorkbenchSession, runCommand, statusBarItemById } from '../harness.mjs';

const VSIX = path.join(REPO_ROOT, 'semindex-linux-x64.vsix');
const ARROW = path.join(REPO_ROOT, 'node_modules/apache-arrow');
const COPIES = 4;
const WAIT = 90_000;
/** "At once" after a reload: at most the old extension host's last batch, never its lease (30 s) or the lock wait (15 s). */
const OPEN_AT_ONCE_MS = 5_000;
/** Numbers as the extension shows them for code-server's display language, en (src/extension/format.ts): 13616 → "13,616". */
const count = (n) => n.toLocaleString('en-US');

/** Copies the .js/.mjs/.ts sources of apache-arrow (not the minified bundles) `copies` times into dir. */
function makeWorkspace(dir, copies) {
  const files = fs.readdirSync(ARROW, { recursive: true }).filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.min.js') && !f.endsWith('.d.ts'));
  for (let c = 1; c <= copies; c++) {
    for (const f of files) {
      const to = path.join(dir, `arrow-${c}`, f);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(ARROW, f), to);
    }
  }
  return files.length * copies;
}

/** The "Semindex" output channel's log files, as VS Code writes them (one per extension host). */
function semindexLogs(userDataDir) {
  const logs = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logs)) return [];
  return fs
    .readdirSync(logs, { recursive: true })
    .filter((f) => f.endsWith(path.join('semindex.semindex', 'Semindex.log')))
    .map((f) => path.join(logs, f))
    .sort((a, b) => fs.statSync(a).birthtimeMs - fs.statSync(b).birthtimeMs)
    .map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
}

describe('packaged extension: reload while indexing', function () {
  this.timeout(600_000);
  let session;
  let extensionsDir;
  let workspace;
  let reference; // a full index of the same folder by the CLI: { files, chunks, ... }

  before(async function () {
    this.timeout(300_000);
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run "npm run package" first`);
    extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-e2e-vsix-extensions-'));
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-e2e-big-workspace-'));
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-e2e-cli-store-'));
    const copied = makeWorkspace(workspace, COPIES);
    installVsix(VSIX, extensionsDir);
    // The reference index (CLI, one worker like the extension on 2 cores) while code-server starts.
    const cli = new Promise((resolve, reject) =>
      execFile(process.execPath, [path.join(REPO_ROOT, 'dist/cli.js'), 'index', workspace, '--store', store, '--json', '--workers', String(Math.max(1, os.availableParallelism() - 1))], { timeout: 300_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`CLI index failed: ${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split('\n').pop())),
      ),
    );
    try {
      [reference, session] = await Promise.all([cli, openWorkbenchSession({ name: 'ui-reload', folder: workspace, extensionsDir, viewport: { width: 1280, height: 800 } })]);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
    assert.equal(reference.files, copied, 'the CLI indexes every copied file');
    assert.ok(reference.files > 1000, `${reference.files} files`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) console.error(`artifacts: ${await session.saveArtifacts(this.currentTest.title)}`);
  });

  after(async () => {
    await session?.close();
    for (const d of [extensionsDir, workspace]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('resumes an index interrupted by "Developer: Reload Window" and ends with the counts of a full index', async () => {
    const { page, server } = session;
    const status = statusBarItemById(page, 'semindex.semindex', 'semindex.status');
    await status.filter({ hasText: 'Semindex: not indexed' }).waitFor({ timeout: WAIT });
    await runCommand(page, 'Semindex: Index Workspace', { timeoutMs: WAIT });

    // Wait until a good part is indexed (the catalog is written in batches), but not all of it.
    const total = reference.files;
    let doneBefore = 0;
    const deadline = Date.now() + 300_000;
    for (;;) {
      const text = (await status.textContent({ timeout: WAIT })) ?? '';
      const m = /Semindex: ([\d,]+)\/([\d,]+) files/.exec(text);
      if (m) {
        const [done, all] = [m[1], m[2]].map((n) => Number(n.replace(/,/g, '')));
        assert.equal(all, total, text);
        doneBefore = done;
        if (doneBefore >= total * 0.35) break;
      }
      assert.ok(!/Semindex: [\d,]+ files, [\d,]+ chunks/.test(text), `indexing finished before the reload: make the workspace larger (${text})`);
      assert.ok(Date.now() < deadline, `indexing did not get to 35% (${text})`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const logsBefore = semindexLogs(server.userDataDir).length;
    await runCommand(page, 'Developer: Reload Window', { timeoutMs: WAIT });

    // A new workbench and a new extension host; the extension picks the run up by itself…
    await page.locator(SELECTORS.statusBar).waitFor({ state: 'visible', timeout: WAIT });
    const doneText = `Semindex: ${count(reference.files)} files, ${count(reference.chunks)} chunks`;
    const done = status.filter({ hasText: doneText });
    const busy = status.filter({ hasText: 'Semindex: index busy' });
    const doneOrBusy = status.filter({ hasText: new RegExp(`${doneText}|Semindex: index busy`) });
    await doneOrBusy.waitFor({ timeout: 300_000 });
    // The old extension host may still hold the store for its last batches: the new one waits for
    // it (StoreLock.acquire with lockWaitMs) instead of reporting "index busy".
    assert.equal(await busy.count(), 0, 'the extension said "index busy" after the reload instead of waiting for the old extension host');
    await done.waitFor({ timeout: 300_000 });

    // The new extension host's log: it resumed on startup, and only indexed what was left.
    const after = await waitFor(() => {
      const logs = semindexLogs(server.userDataDir);
      const last = logs.at(-1);
      return logs.length > logsBefore && /indexing done: /.test(last.text) && last;
    }, 'the resumed run in the new extension host\'s log');
    assert.match(after.text, /indexOnStartup: bringing the existing index up to date/);
    // The new extension host took the store over at once (issue 12): the old one let go of the lock
    // as it shut down (after its last write, before any fold), or is gone — the new one did not
    // wait for it (or waited less than OPEN_AT_ONCE_MS for its last batch, never the old lease's 30 s).
    const lock = /opened the index in .*; store lock: (free|taken over from a writer that is gone|waited (\d+) ms for the previous writer);/.exec(after.text);
    assert.ok(lock, `the new extension host's log says how it took the store lock:\n${after.text.slice(0, 2000)}`);
    assert.ok(!lock[2] || Number(lock[2]) < OPEN_AT_ONCE_MS, `the new extension host waited ${lock[2]} ms for the old one's lock`);
    const [, files, indexed, unchanged, skipped, failed, , chunks] = /indexing done: (\d+) files — (\d+) indexed, (\d+) unchanged, (\d+) skipped, (\d+) failed, (\d+) removed; (\d+) chunks/.exec(after.text).map(Number);
    assert.equal(files, reference.files);
    assert.equal(chunks, reference.chunks);
    assert.equal(failed, 0);
    assert.ok(unchanged > 0, `files indexed before the reload are kept (${unchanged} unchanged, ${doneBefore} were done when the reload was asked for)`);
    assert.equal(indexed + unchanged + skipped, files, after.text);
    assert.ok(indexed < files, `the resumed run did not start over (${indexed} of ${files} indexed)`);
    console.log(`      reload at ${doneBefore}/${total} files; the new host's store lock: ${lock[1]}; after the reload: ${indexed} indexed, ${unchanged} unchanged; ${chunks} chunks`);
  });

});

async function waitFor(probe, what, timeout = WAIT) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

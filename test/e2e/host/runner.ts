// Mocha runner that runs INSIDE the VS Code extension host (code-server's Node extension host),
// started by test/e2e/harness.mjs through the workbench URL payload `extensionTestsPath`.
//
// It loads every `*.test.js` file next to this bundled file (or in $SEMINDEX_E2E_TESTS_DIR),
// runs them with mocha (bdd: describe/it), and writes
//   { passed, failed, pending, failures: [{ title, error }], tests: [...], log: [...] }
// as JSON to the file named by $SEMINDEX_E2E_RESULTS (the extension host inherits code-server's
// environment). The file is written atomically (tmp + rename) before run() settles, because the
// host may be shut down as soon as run() settles.
//
// Env (all optional except SEMINDEX_E2E_RESULTS):
//   SEMINDEX_E2E_RESULTS    where to write the JSON results
//   SEMINDEX_E2E_TESTS_DIR  folder holding the *.test.js files (default: this file's folder)
//   SEMINDEX_E2E_GREP       only run tests whose full title matches this (regexp source)
//   SEMINDEX_E2E_TIMEOUT    per-test timeout in ms (default 60000)
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export interface E2eFailure {
  title: string;
  error: string;
}

export interface E2eResults {
  passed: number;
  failed: number;
  pending: number;
  failures: E2eFailure[];
  tests: { title: string; state: 'passed' | 'failed' | 'pending'; durationMs?: number }[];
  files: string[];
  log: string[];
  durationMs: number;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack || `${err.name}: ${err.message}`;
  return String(err);
}

function writeResults(results: E2eResults): void {
  const file = process.env.SEMINDEX_E2E_RESULTS;
  const text = JSON.stringify(results, null, 2);
  if (!file) {
    // Still visible in the extension host log.
    console.error('[semindex-e2e] SEMINDEX_E2E_RESULTS is not set; results:\n' + text);
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export function findTestFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => path.join(dir, f));
}

export async function run(): Promise<void> {
  const started = Date.now();
  const results: E2eResults = { passed: 0, failed: 0, pending: 0, failures: [], tests: [], files: [], log: [], durationMs: 0 };
  const say = (line: string): void => {
    results.log.push(line);
    console.log(`[semindex-e2e] ${line}`);
  };

  try {
    const dir = process.env.SEMINDEX_E2E_TESTS_DIR || __dirname;
    results.files = findTestFiles(dir);
    if (results.files.length === 0) throw new Error(`no *.test.js files in ${dir}`);

    const timeout = Number(process.env.SEMINDEX_E2E_TIMEOUT) || 60_000;
    const mocha = new Mocha({ ui: 'bdd', color: false, timeout, reporter: 'spec' });
    if (process.env.SEMINDEX_E2E_GREP) mocha.grep(new RegExp(process.env.SEMINDEX_E2E_GREP));
    for (const f of results.files) mocha.addFile(f);
    say(`running ${results.files.length} file(s) from ${dir}`);

    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', (t: Mocha.Test) => {
        results.passed++;
        results.tests.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration });
        say(`ok   ${t.fullTitle()} (${t.duration ?? 0} ms)`);
      });
      // Also fires for failing hooks (before/after...), which count as failures.
      runner.on('fail', (t: Mocha.Runnable, err: unknown) => {
        results.failed++;
        results.failures.push({ title: t.fullTitle(), error: errorText(err) });
        results.tests.push({ title: t.fullTitle(), state: 'failed', durationMs: t.duration });
        say(`FAIL ${t.fullTitle()}: ${err instanceof Error ? err.message : String(err)}`);
      });
      runner.on('pending', (t: Mocha.Test) => {
        results.pending++;
        results.tests.push({ title: t.fullTitle(), state: 'pending' });
        say(`skip ${t.fullTitle()}`);
      });
    });
  } catch (err) {
    // Loading a test file threw, or there were none: report it as a failure, not a hang.
    results.failed++;
    results.failures.push({ title: '(runner)', error: errorText(err) });
    say(`FAIL (runner): ${errorText(err)}`);
  }

  results.durationMs = Date.now() - started;
  say(`${results.passed} passed, ${results.failed} failed`);
  writeResults(results);
  if (results.failed > 0) throw new Error(`${results.failed} extension host test(s) failed`);
}

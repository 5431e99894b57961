// The desktop route for the extension-host tests: the same mocha tests (dist/test/e2e/host/*.test.js,
// run by dist/test/e2e/host/runner.js) in a desktop VS Code started by @vscode/test-electron,
// instead of code-server. For machines that can download VS Code (or have one: set
// SEMINDEX_VSCODE_EXECUTABLE). `npm run test:electron` builds first.
//
// Two runs, like `npm run test:e2e:host`: the single-folder tests on a copy of
// test/fixtures/workspace, then the multi-root tests on a copy of test/fixtures/multi-root opened
// through its .code-workspace file.
//
// Env: SEMINDEX_VSCODE_EXECUTABLE  a VS Code binary to use instead of downloading one
//      SEMINDEX_VSCODE_VERSION     version to download (default: stable), cached in
//                                  ${SEMINDEX_E2E_CACHE:-~/.cache/semindex-e2e}/vscode-test
//      SEMINDEX_E2E_GREP / SEMINDEX_E2E_TIMEOUT  as for the harness (passed to the in-host runner)
// On Linux without a display run it under xvfb-run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { DEFAULT_SETTINGS } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runner = path.join(root, 'dist/test/e2e/host/runner.js');

// The same user settings the code-server harness uses (no welcome page, no chat, no trust prompt…).
const SETTINGS = DEFAULT_SETTINGS;

async function vscodeExecutable() {
  if (process.env.SEMINDEX_VSCODE_EXECUTABLE) return process.env.SEMINDEX_VSCODE_EXECUTABLE;
  const version = process.env.SEMINDEX_VSCODE_VERSION || 'stable';
  try {
    // Cached outside the repo, next to the code-server cache (~400 MB per version).
    const cachePath = path.join(process.env.SEMINDEX_E2E_CACHE || path.join(os.homedir(), '.cache', 'semindex-e2e'), 'vscode-test');
    return await downloadAndUnzipVSCode({ version, cachePath, timeout: 60_000 });
  } catch (err) {
    console.error(
      `\nnpm run test:electron: could not download VS Code (${version}): ${err?.message ?? err}\n` +
        'This route needs network access to update.code.visualstudio.com, or an installed VS Code:\n' +
        '  SEMINDEX_VSCODE_EXECUTABLE=/path/to/code npm run test:electron\n' +
        'Where VS Code cannot be downloaded, the same tests run in code-server: npm run test:e2e:host\n',
    );
    process.exit(2);
  }
}

/** One VS Code run: a fresh user-data dir, a throwaway copy of the fixture; returns the results. */
async function run(vscodeExecutablePath, { name, fixture, workspaceFile, grep }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `semindex-electron-${name}-`));
  try {
    const copy = path.join(tmp, 'workspace', path.basename(fixture));
    fs.cpSync(path.join(root, fixture), copy, { recursive: true });
    const userData = path.join(tmp, 'user-data');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'User/settings.json'), JSON.stringify(SETTINGS, null, 2));
    const resultsFile = path.join(tmp, 'results.json');
    let code = 0;
    try {
      code = await runTests({
        vscodeExecutablePath,
        extensionDevelopmentPath: root,
        extensionTestsPath: runner,
        extensionTestsEnv: {
          SEMINDEX_E2E_RESULTS: resultsFile,
          SEMINDEX_E2E_GREP: process.env.SEMINDEX_E2E_GREP || grep,
          SEMINDEX_E2E_TIMEOUT: process.env.SEMINDEX_E2E_TIMEOUT,
        },
        launchArgs: [
          workspaceFile ? path.join(copy, workspaceFile) : copy,
          '--user-data-dir', userData,
          '--extensions-dir', path.join(tmp, 'extensions'),
          '--disable-extensions',
          '--disable-workspace-trust',
          '--skip-welcome',
          '--skip-release-notes',
        ],
      });
    } catch (err) {
      code = err?.code ?? 1; // TestRunFailedError: the runner threw because tests failed
    }
    const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : { passed: 0, failed: 1, failures: [{ title: '(electron)', error: `VS Code exited with ${code} without results` }], log: [] };
    console.log(`\n=== ${name}`);
    for (const line of results.log) console.log(line);
    for (const f of results.failures) console.log(`\nFAILED: ${f.title}\n${f.error}`);
    return results;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (!fs.existsSync(runner)) {
  console.error(`${runner} is missing: run "npm run build" first`);
  process.exit(2);
}
const exe = await vscodeExecutable();
const all = [
  await run(exe, { name: 'single-folder', fixture: 'test/fixtures/workspace', grep: '^single folder' }),
  await run(exe, { name: 'multi-root', fixture: 'test/fixtures/multi-root', workspaceFile: 'multi-root.code-workspace', grep: '^multi-root' }),
];
const passed = all.reduce((n, r) => n + r.passed, 0);
const failed = all.reduce((n, r) => n + r.failed, 0);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);

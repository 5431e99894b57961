// `npm run try [-- <folder>] [--port N] [--no-package]`: builds and packages the .vsix, installs
// it into the bundled code-server (the one the UI tests use: scripts/install-e2e-deps.sh puts it
// in ~/.cache/semindex-e2e) and opens <folder> (default: this repository) in it — a real VS Code
// in the browser with the extension installed. Prints the URL; Ctrl+C stops the server.
// Extensions and user data (settings, the index in workspace storage) are kept under
// ~/.cache/semindex-e2e/try/, so a second run finds the index of the first.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CACHE, REPO_ROOT, ensureDeps, installVsix, startCodeServer, workbenchUrl } from '../test/e2e/harness.mjs';

const USAGE = 'usage: npm run try [-- <folder>] [--port N] [--no-package]';

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string' }, 'no-package': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  // npm runs scripts in the package folder; INIT_CWD is where `npm run try` was typed.
  const cwd = process.env.INIT_CWD || process.cwd();
  const folder = path.resolve(cwd, positionals[0] ?? REPO_ROOT);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) fail(`not a folder: ${folder}\n${USAGE}`);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) fail(`--port is a port number, not "${values.port}"`);
  return { folder, port, pack: !values['no-package'] };
}

function fail(message) {
  console.error(`npm run try: ${message}`);
  process.exit(2);
}

const { folder, port, pack } = main();
try {
  ensureDeps();
} catch (e) {
  fail(`${e.message}\n(code-server and Node 24 are installed by: bash scripts/install-e2e-deps.sh)`);
}
const vsix = path.join(REPO_ROOT, 'semindex-linux-x64.vsix');
if (pack) {
  console.log('building and packaging the extension (npm run package)…');
  const r = spawnSync('npm', ['run', 'package', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) fail('packaging failed');
}
if (!fs.existsSync(vsix)) fail(`${vsix} is missing: run without --no-package`);

const home = path.join(CACHE, 'try');
const extensionsDir = path.join(home, 'extensions');
const userDataDir = path.join(home, 'user-data');
console.log(`installing ${path.basename(vsix)} (${(fs.statSync(vsix).size / 1e6).toFixed(1)} MB) into ${extensionsDir}…`);
installVsix(vsix, extensionsDir, { userDataDir });

// The UI tests' settings (no telemetry, update checks or tips), minus what a person trying it wants:
// the walkthrough on first start, git.
const server = await startCodeServer({
  name: 'try',
  folder,
  port,
  extensionsDir,
  userDataDir,
  settings: { 'workbench.startupEditor': 'welcomePage', 'git.enabled': true },
});
const url = workbenchUrl(server);
console.log(`
Semindex in VS Code (code-server), with ${folder} open:

    ${url}

Run "Semindex: Index Workspace" (or the button in the Semindex panel), then search.
The walkthrough is under Help › Welcome › "Get started with Semindex". Ctrl+C stops the server.`);
// The harness stops code-server on SIGINT/SIGTERM; until then, wait.
setInterval(() => {}, 1 << 30);

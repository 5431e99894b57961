// End-to-end harness for Semindex: a real VS Code (code-server 4.139.1 = VS Code 1.139.1, run under
// Node 24 from the cache that scripts/install-e2e-deps.sh fills) driven by Debian's chromium through
// playwright-core. Plain ESM, not bundled. See test/e2e/README.md.
//
// Library:
//   ensureDeps()                          -> { codeServer, node24, chromium }   (throws if missing)
//   installVsix(vsixPath, extensionsDir)  -> output of code-server --install-extension
//   startCodeServer({ folder, extensionsDir, userDataDir, env, extraArgs, settings, name })
//                                         -> { url, port, root, userDataDir, extensionsDir, logFile, stop() }
//   launchBrowser()                       -> playwright Browser (headless Debian chromium)
//   workbenchUrl(server, { folder, payload })
//   openWorkbench(page, url)              -> waits until the workbench is usable
//   runCommand(page, title)               -> F1, type the title, click the exact row (retries)
//   statusBarItem(page, text) / statusBarItemById(page, extId, itemId) / notification(page, text)
//   waitForNotification(page, text) / webviewFrame(page) / screenshot(page, file)
//   frameWith(page, selector)            -> the webview frame whose document has selector (several open)
//   docsScreenshot(page, name) / widenSideBar(page, width)   (README screenshots, see the functions)
//   runExtensionHostTests({ extensionDevelopmentPath, extensionTestsPath, folder, env, timeoutMs })
//                                         -> { passed, failed, failures, log, ... }
//   openWorkbenchSession(opts)            -> { server, browser, page, url, saveArtifacts(), close() }
//   withCodeServer(opts, async ({ server, browser, page }) => ...)   (always tears down)
//   killAll()                             -> stop everything this process started
// CLI:
//   node test/e2e/harness.mjs check      (deps present?)   node test/e2e/harness.mjs cleanup  (kill leftovers)
//   node test/e2e/harness.mjs host-tests [--ext DIR] [--tests FILE] [--folder DIR [--copy-folder]] [--workspace F.code-workspace]
//                                        [--grep REGEXP] [--timeout MS] [--name N]
//     --ext defaults to the repo root, --tests to <ext>/dist/test/e2e/host/runner.js; --workspace is
//     relative to --folder (opened instead of it); --grep selects tests by full title (mocha grep).
//     prints the mocha log and a closing line "N passed, N failed"; exit 0 only if all passed.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_VERSION = '24.21.0';
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE = process.env.SEMINDEX_E2E_CACHE || path.join(os.homedir(), '.cache', 'semindex-e2e');
export const CODE_SERVER_DIR = path.join(CACHE, `code-server-${CODE_SERVER_VERSION}-node-${NODE24_VERSION}`);
export const CODE_SERVER = path.join(CODE_SERVER_DIR, 'bin', 'code-server');
export const NODE24 = path.join(CACHE, `node-${NODE24_VERSION}`, 'bin', 'node');
export const CHROMIUM = process.env.SEMINDEX_E2E_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = process.env.SEMINDEX_E2E_ARTIFACTS || path.join(REPO_ROOT, 'test-results');
const MARKER = '.semindex-e2e-complete';
const KEEP = process.env.SEMINDEX_E2E_KEEP === '1';
const DEBUG = process.env.SEMINDEX_E2E_DEBUG === '1';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

// Written to the User settings of every started server: no welcome page, no trust prompt,
// no AI/chat panels, no update or telemetry traffic, no tips.
export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'window.dialogStyle': 'custom',
};

const debug = (...a) => {
  if (DEBUG) console.error('[e2e]', ...a);
};

// ------------------------------------------------------------------------------------------ cleanup
// Everything this process starts is registered here and stopped on stop(), on normal exit, and on
// SIGINT/SIGTERM. Every started process also carries SEMINDEX_E2E_TOKEN=<token> in its environment,
// so stragglers that left the process group (terminals, daemons) are found through /proc.
const live = new Set(); // { name, stopSync(), stop() }
let handlersInstalled = false;

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => killAllSync());
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(sig, () => {
      console.error(`[e2e] ${sig}: tearing down ${live.size} resource(s)`);
      killAllSync();
      process.exit(code);
    });
  }
}

function register(resource) {
  installHandlers();
  live.add(resource);
  return () => live.delete(resource);
}

export function killAllSync() {
  for (const r of [...live]) {
    try {
      r.stopSync();
    } catch {
      /* best effort */
    }
    live.delete(r);
  }
}

export async function killAll() {
  for (const r of [...live]) {
    try {
      await r.stop();
    } catch {
      /* best effort */
    }
  }
  killAllSync();
}

function newToken() {
  return `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** pids (other than ours) whose environment holds SEMINDEX_E2E_TOKEN=token. Linux /proc. */
export function pidsWithToken(token) {
  const needle = `SEMINDEX_E2E_TOKEN=${token}`;
  const out = [];
  let entries = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${e}/environ`, 'latin1');
      if (env.split('\0').includes(needle)) out.push(Number(e));
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}

/**
 * Kills every process carrying any SEMINDEX_E2E_TOKEN (leftovers of a harness that was SIGKILLed).
 * Also hits e2e runs of other processes of this user that are still going: use between runs.
 */
export function killStragglers() {
  const pids = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (/(^|\0)SEMINDEX_E2E_TOKEN=/.test(fs.readFileSync(`/proc/${e}/environ`, 'latin1'))) pids.push(Number(e));
    } catch {
      /* gone, or not ours */
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return pids;
}

function killGroupAndToken(pgid, token, signal) {
  if (pgid) {
    try {
      process.kill(-pgid, signal);
    } catch {
      /* already gone */
    }
  }
  if (token) {
    for (const pid of pidsWithToken(token)) {
      try {
        process.kill(pid, signal);
      } catch {
        /* gone */
      }
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// --------------------------------------------------------------------------------------------- deps
export function ensureDeps() {
  const missing = [];
  if (!fs.existsSync(path.join(CODE_SERVER_DIR, MARKER)) || !fs.existsSync(CODE_SERVER)) missing.push(`code-server ${CODE_SERVER_VERSION} (${CODE_SERVER_DIR})`);
  if (!fs.existsSync(NODE24)) missing.push(`Node ${NODE24_VERSION} (${NODE24})`);
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
  } catch {
    missing.push(`chromium (${CHROMIUM})`);
  }
  if (missing.length) {
    throw new Error(
      `e2e dependencies missing: ${missing.join(', ')}.\n` +
        `Run: bash ${path.join(REPO_ROOT, 'scripts/install-e2e-deps.sh')}` +
        (process.env.SEMINDEX_E2E_CACHE ? ` (with SEMINDEX_E2E_CACHE=${process.env.SEMINDEX_E2E_CACHE})` : ''),
    );
  }
  return { codeServer: CODE_SERVER, node24: NODE24, chromium: CHROMIUM };
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function mkRoot(name = 'run') {
  return fs.mkdtempSync(path.join(os.tmpdir(), `semindex-e2e-${name.replace(/[^\w.-]+/g, '_')}-`));
}

/** Environment for a code-server process: isolated XDG dirs, our token, caller's extras. */
function serverEnv(root, token, extra = {}) {
  const env = { ...process.env };
  // Don't leak the parent's npm/node-debug settings into the server and its extension host.
  for (const k of Object.keys(env)) if (/^(npm_|NODE_OPTIONS$|NODE_PATH$|ELECTRON_RUN_AS_NODE$|VSCODE_)/i.test(k)) delete env[k];
  Object.assign(env, {
    XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
    XDG_DATA_HOME: path.join(root, 'xdg-data'),
    XDG_CACHE_HOME: path.join(root, 'xdg-cache'),
    SEMINDEX_E2E_TOKEN: token,
    ...extra,
  });
  return env;
}

// -------------------------------------------------------------------------------------------- vsix
/** Installs a .vsix into extensionsDir (code-server --install-extension, before the server starts). */
export function installVsix(vsixPath, extensionsDir, { userDataDir } = {}) {
  ensureDeps();
  const root = mkRoot('install');
  try {
    fs.mkdirSync(extensionsDir, { recursive: true });
    const args = ['--install-extension', path.resolve(vsixPath), '--force', '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir || path.join(root, 'user-data')];
    const r = spawnSync(CODE_SERVER, args, { env: serverEnv(root, newToken()), encoding: 'utf8', timeout: 120_000 });
    const output = `${r.stdout || ''}${r.stderr || ''}`;
    if (r.status !== 0 || !/successfully installed/i.test(output)) {
      throw new Error(`installing ${vsixPath} failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${output}`);
    }
    return output.trim();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------- code-server
async function waitForHttp(url, proc, logFile, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`code-server exited (${proc.exitCode ?? proc.signalCode}) before answering; log:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      lastErr = new Error(`HTTP ${res.status}`);
    } catch (e) {
      lastErr = e;
    }
    await sleep(150);
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs} ms (${lastErr?.message}); log:\n${tail(logFile)}`);
}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts code-server on 127.0.0.1:<free port> in its own process group.
 * opts: folder (opened workspace folder), copyFolder (open a temp copy of folder instead; see
 *       server.folder), workspace (a .code-workspace file relative to folder, opened instead of
 *       it; inside the copy with copyFolder), extensionsDir, userDataDir, port (default: a free one), env (added to the server's
 *       environment, which the extension host inherits), extraArgs, settings (merged over
 *       DEFAULT_SETTINGS), name (for temp/artifact names), startTimeoutMs.
 */
export async function startCodeServer(opts = {}) {
  ensureDeps();
  const name = opts.name || 'server';
  const root = mkRoot(name);
  const token = newToken();
  const userDataDir = opts.userDataDir || path.join(root, 'user-data');
  const extensionsDir = opts.extensionsDir || path.join(root, 'extensions');
  const logFile = path.join(root, 'code-server.log');
  for (const d of [userDataDir, extensionsDir, path.join(userDataDir, 'User'), path.join(root, 'xdg-config'), path.join(root, 'xdg-data')]) fs.mkdirSync(d, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  if (!fs.existsSync(settingsFile) || opts.settings) {
    let existing = {};
    try {
      existing = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    } catch {
      /* none */
    }
    fs.writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, ...existing, ...(opts.settings || {}) }, null, 2));
  }

  let folder = opts.folder && path.resolve(opts.folder);
  // A .code-workspace file (multi-root), relative to opts.folder; opened instead of the folder.
  let workspace = opts.workspace && path.resolve(folder || '.', opts.workspace);
  if (folder && opts.copyFolder) {
    // Work on a throwaway copy, so the tests cannot change the fixture (e.g. write .semindex/ into it).
    const copy = path.join(root, 'workspace', path.basename(folder));
    fs.cpSync(folder, copy, { recursive: true });
    if (workspace) workspace = path.join(copy, path.relative(folder, workspace));
    folder = copy;
  }

  const port = opts.port || (await freePort());
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...(opts.extraArgs || []),
    ...(workspace ? [workspace] : folder ? [folder] : []),
  ];
  const out = fs.openSync(logFile, 'a');
  debug('spawn', CODE_SERVER, args.join(' '));
  const proc = spawn(CODE_SERVER, args, {
    detached: true, // own process group (setsid): stopped by killing the group
    stdio: ['ignore', out, out],
    env: serverEnv(root, token, opts.env),
    cwd: root,
  });
  fs.closeSync(out);
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const pgid = proc.pid;

  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    killGroupAndToken(pgid, token, 'SIGKILL');
    if (!KEEP) fs.rmSync(root, { recursive: true, force: true });
  };
  const stop = async () => {
    if (stopped) return;
    killGroupAndToken(pgid, token, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (alive(pgid) || pidsWithToken(token).length)) await sleep(100);
    stopSync();
    await Promise.race([exited, sleep(2000)]);
    unregister();
  };
  const unregister = register({ name: `code-server:${port}`, stop, stopSync });

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/healthz`, proc, logFile, opts.startTimeoutMs || 60_000);
    // code-server loads the VS Code server on the first page request (~0.5-6 s): do it now.
    await fetch(`${url}/`, { signal: AbortSignal.timeout(opts.startTimeoutMs || 60_000) }).then((r) => r.arrayBuffer());
  } catch (e) {
    saveArtifact(name, 'code-server.log', logFile);
    await stop();
    throw e;
  }
  return { url, port, pid: proc.pid, token, root, userDataDir, extensionsDir, logFile, folder, workspace, stop, name };
}

/** Workbench URL, optionally opening a folder (or a .code-workspace file) and passing a development payload. */
export function workbenchUrl(server, { folder = server.folder, workspace = server.workspace, payload } = {}) {
  const u = new URL(server.url + '/');
  if (workspace) u.searchParams.set('workspace', path.resolve(workspace));
  else if (folder) u.searchParams.set('folder', path.resolve(folder));
  if (payload) u.searchParams.set('payload', JSON.stringify(payload));
  return u.toString();
}

/** vscode-remote:// URI for a path on the server, as the workbench at `server` sees it. */
export function remoteUri(server, absPath) {
  return `vscode-remote://127.0.0.1:${server.port}${path.resolve(absPath)}`;
}

// ------------------------------------------------------------------------------------------ browser
/** Headless Debian chromium through playwright-core, with a fresh temporary profile. */
export async function launchBrowser(opts = {}) {
  ensureDeps();
  const { chromium } = await import('playwright-core');
  const token = opts.token || newToken();
  // Chromium's crashpad handler and dconf write under HOME/XDG dirs: keep them in a temp folder too
  // (playwright itself gives the browser a fresh temporary --user-data-dir).
  const home = mkRoot('browser');
  const browser = await chromium
    .launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(opts.args || [])],
      env: {
        ...process.env,
        SEMINDEX_E2E_TOKEN: token,
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, 'config'),
        XDG_CACHE_HOME: path.join(home, 'cache'),
        XDG_DATA_HOME: path.join(home, 'data'),
      },
      timeout: 60_000,
      handleSIGINT: false, // our handlers tear down everything, browser included
      handleSIGTERM: false,
      handleSIGHUP: false,
    })
    .catch((e) => {
      killGroupAndToken(null, token, 'SIGKILL');
      fs.rmSync(home, { recursive: true, force: true });
      throw e;
    });
  let closed = false;
  const stopSync = () => {
    closed = true;
    killGroupAndToken(null, token, 'SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  };
  const unregister = register({
    name: 'chromium',
    stopSync,
    stop: async () => {
      if (!closed) await Promise.race([browser.close().catch(() => {}), sleep(5000)]);
      stopSync();
    },
  });
  const origClose = browser.close.bind(browser);
  browser.close = async (...a) => {
    if (!closed) await Promise.race([origClose(...a).catch(() => {}), sleep(5000)]);
    stopSync();
    unregister();
  };
  return browser;
}

// ---------------------------------------------------------------------------------------- workbench
export const SELECTORS = {
  workbench: '.monaco-workbench',
  statusBar: '#workbench\\.parts\\.statusbar',
  statusBarItem: '#workbench\\.parts\\.statusbar .statusbar-item',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputRow: '.quick-input-widget .monaco-list-row',
  notification: '.notifications-toasts .notification-toast',
  notificationCenter: '.notifications-center',
  notificationCenterItem: '.notifications-center .notification-list-item',
  notificationsBell: '[id="status.notifications"]',
  webview: 'iframe.webview',
};

/** Opens the workbench and waits until it is usable (status bar rendered). */
export async function openWorkbench(page, url, { timeoutMs = 90_000 } = {}) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  await page.locator(SELECTORS.workbench).waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator(SELECTORS.statusBar).waitFor({ state: 'visible', timeout: timeoutMs });
}

/**
 * Runs a command by its palette title: F1 (Ctrl+Shift+P works too), type the title, click the row
 * whose label is exactly the title ("Category: Title" for commands with a category).
 * { contains: true } accepts the first row containing the title instead.
 * Retries until the command shows up: a command contributed by an extension appears in the palette
 * only once the extension host has scanned the extension, and an open palette does not refresh.
 */
export async function runCommand(page, title, { timeoutMs = 30_000, contains = false } = {}) {
  const box = page.locator(SELECTORS.quickInputBox);
  // aria-label is the title, plus e.g. ", recently used" / ", other commands" or a keybinding.
  const row = contains
    ? page.locator(SELECTORS.quickInputRow, { hasText: title }).first()
    : page
        .locator(`${SELECTORS.quickInputRow}[aria-label=${JSON.stringify(title)}], ${SELECTORS.quickInputRow}[aria-label^=${JSON.stringify(`${title},`)}]`)
        .first();
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      await box.waitFor({ state: 'visible', timeout: 5000 });
      await box.fill(`>${title}`);
      await row.waitFor({ state: 'visible', timeout: 3000 });
      await row.click();
      await page.locator(SELECTORS.quickInput).waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
      debug(`runCommand ${title}: attempt ${attempt}`);
      return;
    } catch (e) {
      await page.keyboard.press('Escape').catch(() => {});
      if (Date.now() > deadline) throw new Error(`command "${title}" not found in the palette within ${timeoutMs} ms: ${e.message}`);
      await sleep(500);
    }
  }
}

/** Locator of a status bar item whose text contains `text` (string or RegExp). */
export function statusBarItem(page, text) {
  return page.locator(SELECTORS.statusBarItem, { hasText: text });
}

/**
 * Locator of a status bar item by its id: VS Code gives an extension's item the DOM id
 * `${publisher}.${name}.${id}` (id = first argument of window.createStatusBarItem).
 */
export function statusBarItemById(page, extensionId, itemId) {
  return page.locator(`[id="${extensionId}.${itemId}"]`);
}

/** Locator of a notification (toast or Notification Center entry) whose text contains `text`. */
export function notification(page, text) {
  return page.locator(`${SELECTORS.notification}, ${SELECTORS.notificationCenterItem}`, { hasText: text }).first();
}

/**
 * Waits for a notification containing `text`. NOTE: with the smoke-test driver on (which a
 * development payload needs) the workbench never shows toasts; the notification only reaches the
 * Notification Center, so this opens the center when no toast shows up.
 */
export async function waitForNotification(page, text, { timeoutMs = 15_000 } = {}) {
  const loc = notification(page, text);
  try {
    await loc.waitFor({ state: 'visible', timeout: Math.min(2000, timeoutMs) });
    return loc;
  } catch {
    /* not as a toast: look in the center */
  }
  if (!(await page.locator(SELECTORS.notificationCenter).isVisible())) await page.locator(SELECTORS.notificationsBell).click();
  await loc.waitFor({ state: 'visible', timeout: timeoutMs });
  return loc;
}

/**
 * Frame of the (first visible) webview's content. Webviews are an iframe.webview whose document
 * holds the extension's HTML in a nested iframe#active-frame.
 */
export function webviewFrame(page, { index = 0 } = {}) {
  return page.frameLocator(SELECTORS.webview).nth(index).frameLocator('iframe#active-frame');
}

/** A webview's content frame whose document has `selector` (search view and progress panel can both be open). */
export async function frameWith(page, selector, timeout = 90_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const n = await page.locator('iframe.webview').count();
    for (let i = 0; i < n; i++) {
      const frame = webviewFrame(page, { index: i });
      if (await frame.locator(selector).count().catch(() => 0)) return frame;
    }
    if (Date.now() > end) throw new Error(`no webview with ${selector} within ${timeout} ms`);
    await sleep(250);
  }
}

/**
 * Saves a README screenshot: always to test-results/screenshots/<name>, and to docs/images/<name>
 * when that file is missing or SEMINDEX_UPDATE_SCREENSHOTS=1 (so a test run does not dirty the tree).
 */
export async function docsScreenshot(page, name) {
  // Bottom centre of the page (the status bar): no hover highlights.
  const { width, height } = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.mouse.move(width / 2, height - 10);
  const file = path.join(ARTIFACTS, 'screenshots', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
  const docs = path.join(REPO_ROOT, 'docs/images', name);
  if (process.env.SEMINDEX_UPDATE_SCREENSHOTS === '1' || !fs.existsSync(docs)) {
    fs.mkdirSync(path.dirname(docs), { recursive: true });
    fs.copyFileSync(file, docs);
  }
}

/** Drags the side bar's edge so it is `width` px wide (room for the result snippets in the screenshots). */
export async function widenSideBar(page, width) {
  const box = await page.locator('[id="workbench.parts.sidebar"]').boundingBox();
  if (!box || box.width >= width) return;
  const x = box.x + box.width + 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + (width - box.width) / 2, y, { steps: 5 });
  await page.mouse.move(box.x + width + 1, y, { steps: 5 });
  await page.mouse.up();
}

/** Saves a screenshot of the page to test-results/<fileName> (e.g. 'ui/after-hello.png'). */
export async function screenshot(page, fileName) {
  const file = path.join(ARTIFACTS, fileName);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
  return file;
}

/** Saves a screenshot and the server's logs into test-results/<name>/. Never throws. */
export async function saveFailureArtifacts(name, { page, server } = {}) {
  const dir = path.join(ARTIFACTS, safePath(name));
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (page) await page.screenshot({ path: path.join(dir, 'screenshot.png'), fullPage: true, timeout: 10_000 }).catch(() => {});
    if (server) {
      saveArtifact(name, 'code-server.log', server.logFile);
      const logs = path.join(server.userDataDir, 'logs');
      if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dir, 'vscode-logs'), { recursive: true });
    }
  } catch (e) {
    console.error(`[e2e] could not save artifacts for ${name}: ${e.message}`);
  }
  return dir;
}

function saveArtifact(name, fileName, src) {
  try {
    const dir = path.join(ARTIFACTS, safePath(name));
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(src, path.join(dir, fileName));
  } catch {
    /* best effort */
  }
}

const safe = (s) => String(s).replace(/[^\w.-]+/g, '_').slice(0, 120);
/** An artifact folder name; "suite/test title" keeps its one level of nesting. */
const safePath = (s) => String(s).split(/[\\/]/).map(safe).join(path.sep);

/**
 * Starts code-server and the browser (in parallel), opens the workbench on opts.folder and waits
 * until it is usable. For mocha suites: open in before(), saveArtifacts() in afterEach() when a
 * test failed, close() in after().
 * opts: everything startCodeServer takes, plus name (artifact folder name), extensionDevelopmentPath
 * (a folder or a list: loaded as development extensions, no .vsix needed; turns on the smoke-test
 * driver, which hides notification toasts), payload (extra [key, value] pairs for the workbench
 * payload), viewport.
 * Returns { server, browser, page, url, consoleLog, saveArtifacts(label?), close() }.
 */
export async function openWorkbenchSession(opts = {}) {
  const name = opts.name || 'ui';
  const devPaths = [].concat(opts.extensionDevelopmentPath || []);
  const serverOpts = {
    ...opts,
    name,
    // The workbench honours a development payload only with the smoke-test driver enabled.
    extraArgs: [...(devPaths.length || opts.payload ? ['--vscode-option', 'enable-smoke-test-driver'] : []), ...(opts.extraArgs || [])],
  };
  const [srv, brw] = await Promise.allSettled([startCodeServer(serverOpts), launchBrowser()]);
  if (srv.status === 'rejected' || brw.status === 'rejected') {
    if (brw.status === 'fulfilled') await brw.value.close().catch(() => {});
    if (srv.status === 'fulfilled') await srv.value.stop();
    throw srv.status === 'rejected' ? srv.reason : brw.reason;
  }
  const server = srv.value;
  const browser = brw.value;
  const consoleLog = [];
  let page;
  let closed = false;
  const session = {
    server,
    browser,
    page: undefined,
    url: undefined,
    consoleLog,
    /** Screenshot + server/VS Code logs + browser console into test-results/<name>[/<label>]. */
    async saveArtifacts(label) {
      const dir = await saveFailureArtifacts(label ? path.join(name, safe(label)) : name, { page, server });
      try {
        fs.writeFileSync(path.join(dir, 'browser-console.log'), consoleLog.join('\n'));
      } catch {
        /* best effort */
      }
      return dir;
    },
    async close() {
      if (closed) return;
      closed = true;
      await browser.close().catch(() => {});
      await server.stop();
    },
  };
  try {
    const context = await browser.newContext({ viewport: opts.viewport || { width: 1400, height: 900 } });
    page = session.page = await context.newPage();
    page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLog.push(`[pageerror] ${e.message}`));
    const payload = [...devPaths.map((p) => ['extensionDevelopmentPath', remoteUri(server, p)]), ...(opts.payload || [])];
    session.url = workbenchUrl(server, { payload: payload.length ? payload : undefined });
    debug('open', session.url);
    await openWorkbench(page, session.url);
  } catch (e) {
    annotate(e, await session.saveArtifacts());
    await session.close();
    throw e;
  }
  return session;
}

function annotate(e, dir) {
  if (e && typeof e === 'object') {
    e.message += `\n(artifacts: ${dir})`;
    if (typeof e.stack === 'string') e.stack = `${e.stack}\n(artifacts: ${dir})`;
  }
}

/**
 * openWorkbenchSession(opts), then fn(session) ({ server, browser, page, url, ... }); always tears
 * down (also on SIGINT/SIGTERM); on failure saves a screenshot and logs to test-results/<name>/.
 */
export async function withCodeServer(opts, fn) {
  const session = await openWorkbenchSession(opts);
  try {
    return await fn(session);
  } catch (e) {
    annotate(e, await session.saveArtifacts());
    throw e;
  } finally {
    await session.close();
  }
}

// ----------------------------------------------------------------------- extension host mocha tests
/**
 * Runs the mocha tests module (test/e2e/host/runner.ts, bundled) inside the real extension host:
 * starts code-server with the smoke-test driver enabled (needed for the payload to be honoured),
 * opens the workbench with payload extensionDevelopmentPath + extensionTestsPath, waits for the
 * results file the runner writes, tears down.
 * Returns { passed, failed, pending, failures:[{title,error}], tests, log, timedOut, durationMs, artifacts }.
 */
export async function runExtensionHostTests(opts) {
  const {
    extensionDevelopmentPath,
    extensionTestsPath,
    folder,
    env = {},
    timeoutMs = Number(process.env.SEMINDEX_E2E_HOST_TIMEOUT) || 10 * 60_000,
    name = 'host-tests',
    extraArgs = [],
  } = opts;
  for (const [k, p] of [['extensionDevelopmentPath', extensionDevelopmentPath], ['extensionTestsPath', extensionTestsPath]]) {
    if (!p || !fs.existsSync(p)) throw new Error(`${k} does not exist: ${p}`);
  }
  const started = Date.now();
  const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'semindex-e2e-results-'));
  const resultsFile = path.join(resultsDir, 'results.json');
  const dropResultsDir = () => fs.rmSync(resultsDir, { recursive: true, force: true });
  const unregisterResultsDir = register({ name: 'results-dir', stopSync: dropResultsDir, stop: async () => dropResultsDir() });
  const [srv, brw] = await Promise.allSettled([
    startCodeServer({
      ...opts,
      name,
      folder,
      env: { ...env, SEMINDEX_E2E_RESULTS: resultsFile },
      extraArgs: ['--vscode-option', 'enable-smoke-test-driver', ...extraArgs],
    }),
    launchBrowser(),
  ]);
  if (srv.status === 'rejected' || brw.status === 'rejected') {
    if (brw.status === 'fulfilled') await brw.value.close().catch(() => {});
    if (srv.status === 'fulfilled') await srv.value.stop();
    dropResultsDir();
    unregisterResultsDir();
    throw srv.status === 'rejected' ? srv.reason : brw.reason;
  }
  const server = srv.value;
  const browser = brw.value;
  const timings = { serverAndBrowserReadyMs: Date.now() - started };
  let page;
  const consoleLog = [];
  let results;
  try {
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLog.push(`[pageerror] ${e.message}`));
    const payload = [
      ['extensionDevelopmentPath', remoteUri(server, extensionDevelopmentPath)],
      ['extensionTestsPath', remoteUri(server, extensionTestsPath)],
    ];
    const url = workbenchUrl(server, { payload });
    debug('open', url);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    timings.pageLoadedMs = Date.now() - started;
    const deadline = started + timeoutMs;
    let hostExitedAt = 0;
    let why = `no results from the extension host within ${timeoutMs} ms`;
    while (!fs.existsSync(resultsFile)) {
      if (Date.now() > deadline) break;
      if (!alive(server.pid)) {
        why = 'code-server exited before the extension host wrote results';
        break;
      }
      // The host exiting without results (tests module failed to load, host crashed) ends the wait.
      if (!hostExitedAt && /Extension Host Process exited/.test(readText(server.logFile))) hostExitedAt = Date.now();
      if (hostExitedAt && Date.now() - hostExitedAt > 3000) {
        why = 'the extension host exited without writing results (see remoteexthost.log / browser-console.log in the artifacts)';
        break;
      }
      await sleep(200);
    }
    timings.resultsMs = Date.now() - started;
    if (fs.existsSync(resultsFile)) {
      results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
      results.timedOut = false;
    } else {
      results = {
        passed: 0,
        failed: 1,
        pending: 0,
        failures: [{ title: '(harness)', error: [why, ...consoleLog.filter((l) => l.startsWith('[error]') && l.includes(path.resolve(extensionDevelopmentPath))).slice(-3)].join('\n') }],
        tests: [],
        log: [],
        timedOut: true,
      };
    }
  } catch (e) {
    results = { passed: 0, failed: 1, pending: 0, failures: [{ title: '(harness)', error: e.stack || String(e) }], tests: [], log: [], timedOut: false };
  } finally {
    if (results?.failed || !results) {
      const dir = await saveFailureArtifacts(name, { page, server });
      try {
        fs.writeFileSync(path.join(dir, 'browser-console.log'), consoleLog.join('\n'));
        if (results) fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results, null, 2));
      } catch {
        /* best effort */
      }
      if (results) results.artifacts = dir;
    }
    await browser.close().catch(() => {});
    await server.stop();
    dropResultsDir();
    unregisterResultsDir();
  }
  results.durationMs = Date.now() - started;
  results.timings = timings;
  results.browserConsole = consoleLog;
  return results;
}

// ---------------------------------------------------------------------------------------------- CLI
const BOOLEAN_FLAGS = new Set(['copy-folder']);

function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      out[k] = v !== undefined ? v : BOOLEAN_FLAGS.has(k) ? true : argv[++i];
    } else out._.push(a);
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const cmd = args._[0];
  if (cmd === 'cleanup') {
    const pids = killStragglers();
    console.log(`killed ${pids.length} leftover e2e process(es)${pids.length ? `: ${pids.join(' ')}` : ''}`);
    const dirs = fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('semindex-e2e-'));
    for (const d of dirs) fs.rmSync(path.join(os.tmpdir(), d), { recursive: true, force: true });
    console.log(`removed ${dirs.length} leftover temp folder(s) ${os.tmpdir()}/semindex-e2e-*`);
    return 0;
  }
  if (cmd === 'check') {
    console.log(JSON.stringify(ensureDeps(), null, 2));
    return 0;
  }
  if (cmd === 'host-tests') {
    const ext = path.resolve(args.ext || REPO_ROOT);
    const tests = path.resolve(ext, args.tests || 'dist/test/e2e/host/runner.js');
    const folder = args.folder ? path.resolve(args.folder) : undefined;
    const r = await runExtensionHostTests({
      extensionDevelopmentPath: ext,
      extensionTestsPath: tests,
      folder,
      workspace: args.workspace,
      env: args.grep ? { SEMINDEX_E2E_GREP: args.grep } : {},
      copyFolder: Boolean(args['copy-folder']),
      timeoutMs: args.timeout ? Number(args.timeout) : undefined,
      name: args.name || 'host-tests',
    });
    for (const line of r.log || []) console.log(line.replace(/^\d+ passed, \d+ failed$/, '(host) $&'));
    for (const f of r.failures) console.log(`\nFAILED: ${f.title}\n${f.error}`);
    if (r.artifacts) console.log(`artifacts: ${r.artifacts}`);
    console.log(`(timings ms: ${JSON.stringify(r.timings)})`);
    console.log(`${r.passed} passed, ${r.failed} failed`);
    return r.failed === 0 && r.passed > 0 ? 0 : 1;
  }
  console.error('usage: node test/e2e/harness.mjs check | cleanup | host-tests --ext DIR [--tests FILE] [--folder DIR [--copy-folder]] [--workspace FILE] [--grep REGEXP] [--timeout MS] [--name NAME]');
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      killAllSync();
      process.exit(code);
    },
    (e) => {
      console.error(e.stack || String(e));
      killAllSync();
      process.exit(1);
    },
  );
}

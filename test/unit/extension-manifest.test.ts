// package.json's contributions against the code: every command registered is contributed, every
// setting read exists with the same default, every file exists.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type TestApiDeps, exportedApi } from '../../src/extension/api';
import { DEFAULT_SETTINGS } from '../../src/extension/settings';
import { repoRoot } from './helpers';

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const source = (file: string) => fs.readFileSync(path.join(repoRoot, 'src/extension', file), 'utf8');

describe('extension manifest', () => {
  const registered = [...source('commands.ts').matchAll(/^\s+'(semindex\.[A-Za-z]+)': \w+,$/gm)].map((m) => m[1]).sort();

  it('supports untrusted workspaces in a limited way: their values of the settings that load a model are ignored (issue 12, item 9)', () => {
    const trust = pkg.capabilities?.untrustedWorkspaces;
    assert.equal(trust?.supported, 'limited');
    assert.deepEqual([...trust.restrictedConfigurations].sort(), ['semindex.embedder', 'semindex.modelPath']);
    assert.ok(trust.description.length > 20);
  });

  it('exports the test API (engine and writer included) only in ExtensionMode.Test (issue 12, item 9)', () => {
    const deps = { ctx: {}, statusBar: {}, firstIndex: {}, confirmer: {} } as unknown as TestApiDeps;
    assert.equal(exportedApi(false, deps), undefined);
    assert.equal(typeof exportedApi(true, deps)?.indexer, 'function');
    assert.match(source('extension.ts'), /return exportedApi\(context\.extensionMode === vscode\.ExtensionMode\.Test, /);
  });

  it('contributes every registered command in the Semindex category', () => {
    assert.ok(registered.length >= 7, `found ${registered.join(', ')}`);
    const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(contributed, registered);
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Semindex');
    for (const id of ['semindex.indexWorkspace', 'semindex.pauseIndexing', 'semindex.resumeIndexing', 'semindex.cancelIndexing', 'semindex.rebuildIndex', 'semindex.search', 'semindex.findSimilar', 'semindex.showProgress']) {
      assert.ok(registered.includes(id), id);
    }
  });

  it('never activates on everything, and declares no event VS Code derives from the contributions', () => {
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.ok(!pkg.activationEvents.some((e: string) => e.startsWith('workspaceContains:')));
    // Needed: an existing index is brought up to date when the window opens (ctx.startup()).
    assert.ok(pkg.activationEvents.includes('onStartupFinished'));
    // Since VS Code 1.74 contributed commands and views activate the extension by themselves
    // (implicit onCommand:/onView:); listing them again is noise that can drift from the contributions.
    assert.ok(Number(/\^1\.(\d+)/.exec(pkg.engines.vscode)![1]) >= 74, pkg.engines.vscode);
    assert.deepEqual(pkg.activationEvents.filter((e: string) => e.startsWith('onCommand:') || e.startsWith('onView:')), []);
    // A webview panel is no contribution, so VS Code derives nothing for it: reviving the progress
    // panel after a reload needs its event (built-in extensions declare theirs, e.g. markdown.preview).
    assert.deepEqual(pkg.activationEvents.sort(), ['onStartupFinished', 'onWebviewPanel:semindex.progress']);
  });

  it('runs where the files are, with settings scoped to what they apply to', () => {
    assert.deepEqual(pkg.extensionKind, ['workspace']);
    const props = pkg.contributes.configuration.properties;
    for (const key of ['include', 'exclude']) assert.equal(props[`semindex.${key}`].scope, 'resource', key);
    for (const key of ['modelPath', 'workers']) assert.equal(props[`semindex.${key}`].scope, 'machine-overridable', key);
  });

  it('offers each palette command only when it can run', () => {
    const when = Object.fromEntries((pkg.contributes.menus.commandPalette as { command: string; when: string }[]).map((m) => [m.command, m.when]));
    // The context keys the status bar sets (statusBar.ts): each clause uses only those.
    const keys = [...source('statusBar.ts').matchAll(/this\.setContext\('([\w.]+)'/g)].map((m) => m[1]).sort();
    assert.deepEqual(keys, ['semindex.indexed', 'semindex.indexing', 'semindex.paused', 'semindex.phase']);
    for (const [command, clause] of Object.entries(when)) for (const k of clause.match(/semindex\.[\w.]+/g) ?? []) assert.ok(keys.includes(k), `${command}: ${k}`);
    assert.equal(when['semindex.pauseIndexing'], 'semindex.indexing && !semindex.paused');
    assert.equal(when['semindex.resumeIndexing'], 'semindex.paused');
    assert.equal(when['semindex.cancelIndexing'], 'semindex.indexing');
    assert.equal(when['semindex.searchSelection'], 'editorHasSelection');
  });

  it('binds Quick Search and Search Selection to keys VS Code does not use, and puts the latter in the editor menu', () => {
    const keys = Object.fromEntries((pkg.contributes.keybindings as { command: string; key: string; mac: string; when?: string }[]).map((k) => [k.command, k]));
    // ctrl+alt+f is list.find on Windows/Linux and cmd+alt+f Replace on macOS (checked in the workbench's own bindings).
    assert.deepEqual([keys['semindex.quickSearch'].key, keys['semindex.quickSearch'].mac], ['ctrl+alt+shift+f', 'cmd+alt+shift+f']);
    assert.deepEqual([keys['semindex.searchSelection'].key, keys['semindex.searchSelection'].mac], ['ctrl+alt+shift+s', 'cmd+alt+shift+s']);
    assert.match(keys['semindex.searchSelection'].when ?? '', /editorHasSelection/);
    assert.deepEqual(
      pkg.contributes.menus['editor/context'].filter((m: { command: string }) => m.command === 'semindex.searchSelection').map((m: { command: string; when: string }) => [m.command, m.when]),
      [['semindex.searchSelection', 'editorHasSelection']],
    );
  });

  it('declares the search view in its own activity-bar container, and the panel it revives', () => {
    const viewType = /static readonly viewType = '([^']+)'/.exec(source('searchView.ts'))![1];
    const panelType = /static readonly viewType = '([^']+)'/.exec(source('progressPanel.ts'))![1];
    const container = pkg.contributes.viewsContainers.activitybar[0];
    assert.ok(fs.existsSync(path.join(repoRoot, container.icon)), container.icon);
    const views = pkg.contributes.views[container.id];
    assert.deepEqual(views.map((v: { id: string; type: string }) => [v.id, v.type]), [[viewType, 'webview']]);
    assert.ok(pkg.activationEvents.includes(`onWebviewPanel:${panelType}`));
  });

  it('declares exactly the settings config.ts reads, with the same defaults', () => {
    const props = pkg.contributes.configuration.properties;
    assert.deepEqual(Object.keys(props).sort(), Object.keys(DEFAULT_SETTINGS).map((k) => `semindex.${k}`).sort());
    for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) assert.deepEqual(props[`semindex.${key}`].default, value, key);
    assert.deepEqual(props['semindex.embedder'].enum, ['static', 'transformers']);
    assert.equal(props['semindex.embedder'].enumDescriptions.length, 2);
  });

  it('ships every media file the code and the manifest refer to', () => {
    const referenced = new Set<string>([pkg.icon]);
    for (const file of ['searchView.ts', 'progressPanel.ts']) for (const m of source(file).matchAll(/'([\w-]+\.(?:js|css|svg))'/g)) referenced.add(`media/${m[1]}`);
    for (const f of referenced) assert.ok(fs.existsSync(path.join(repoRoot, f)), f);
    assert.ok(referenced.has('media/search.js') && referenced.has('media/progress.css'));
  });

  it('offers Find Similar Code in the editor context menu, and in the palette only with an editor open', () => {
    const command = pkg.contributes.commands.find((c: { command: string }) => c.command === 'semindex.findSimilar');
    assert.equal(command?.title, 'Find Similar Code');
    assert.deepEqual(
      pkg.contributes.menus['editor/context'].filter((m: { command: string }) => m.command === 'semindex.findSimilar').map((m: { group?: string; when?: string }) => [m.group, m.when]),
      [['1_semindex@1', undefined]],
    );
    assert.deepEqual(
      pkg.contributes.menus.commandPalette.filter((m: { command: string }) => m.command === 'semindex.findSimilar'),
      [{ command: 'semindex.findSimilar', when: 'editorIsOpen' }],
    );
  });

  it('has a first-run walkthrough (index, search, filters, agents) whose media exist and whose links run contributed commands', () => {
    const [walk] = pkg.contributes.walkthroughs;
    assert.deepEqual(walk.steps.map((s: { id: string }) => s.id), ['index', 'search', 'filters', 'agents']);
    const commands = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
    for (const step of walk.steps) {
      const media = step.media.markdown ? [step.media.markdown] : Object.values(step.media.image as Record<string, string>);
      for (const f of media) assert.ok(fs.existsSync(path.join(repoRoot, f)), `${step.id}: ${f}`);
      if (step.media.image) assert.ok(step.media.altText, `${step.id}: an image needs altText`);
      for (const m of (step.description as string).matchAll(/\(command:([\w.]+)\)/g)) assert.ok(commands.has(m[1]) || m[1].startsWith('workbench.'), `${step.id}: ${m[1]}`);
    }
    // Packaged: media/** and docs/images/*.png are in the .vsix (.vscodeignore).
    const ignore = fs.readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8');
    assert.match(ignore, /^!media\/\*\*$/m);
    assert.match(ignore, /^!docs\/images\/\*\.png$/m);
  });

  it('puts open to the side, copy path:line and find similar in a result\'s context menu, and not in the palette', () => {
    const ids = ['semindex.openResultToSide', 'semindex.copyResultLocation', 'semindex.findSimilarToResult'];
    const menu = pkg.contributes.menus['webview/context'] as { command: string; when: string }[];
    assert.deepEqual(menu.map((m) => m.command), ids);
    for (const m of menu) assert.equal(m.when, "webviewId == 'semindex.searchView' && webviewSection == 'result'");
    const palette = pkg.contributes.menus.commandPalette as { command: string; when: string }[];
    for (const id of ids) assert.equal(palette.find((m) => m.command === id)?.when, 'false', id);
    // The page writes the section the clause names.
    assert.match(fs.readFileSync(path.join(repoRoot, 'media/search.js'), 'utf8'), /webviewSection: 'result', resultSeq: resultsSeq, resultIndex: i/);
  });

  it('pins the snippet highlighter to an exact version', () => {
    assert.match(pkg.dependencies.prismjs, /^\d+\.\d+\.\d+$/);
  });

  it('uses no command in menus that is not contributed', () => {
    const contributed = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
    for (const items of Object.values(pkg.contributes.menus) as { command: string }[][]) for (const item of items) assert.ok(contributed.has(item.command), item.command);
  });

  it('contributes the language-model tools and the MCP provider the code registers, for a VS Code that has their API', () => {
    const tools = pkg.contributes.languageModelTools as { name: string; toolReferenceName: string; modelDescription: string; canBeReferencedInPrompt: boolean; inputSchema: { properties: Record<string, unknown>; required?: string[] } }[];
    const constants = Object.fromEntries([...source('lmTools.ts').matchAll(/^export const (\w+_TOOL) = '([^']+)';$/gm)].map((m) => [m[1], m[2]]));
    assert.deepEqual(tools.map((t) => t.name).sort(), Object.values(constants).sort());
    assert.deepEqual(constants, { SEARCH_TOOL: 'semindex_search', SIMILAR_TOOL: 'semindex_similar' });
    const search = tools.find((t) => t.name === 'semindex_search')!;
    assert.equal(search.toolReferenceName, 'semindex');
    assert.equal(search.canBeReferencedInPrompt, true);
    assert.deepEqual(Object.keys(search.inputSchema.properties).sort(), ['exclude', 'include', 'language', 'maxResults', 'mode', 'query']);
    assert.deepEqual(search.inputSchema.required, ['query']);
    assert.ok(search.modelDescription.length > 200);
    const similar = tools.find((t) => t.name === 'semindex_similar')!;
    assert.deepEqual(Object.keys(similar.inputSchema.properties).sort(), ['code', 'endLine', 'maxResults', 'path', 'startLine']);
    const providerId = /export const MCP_PROVIDER_ID = '([^']+)'/.exec(source('mcpProvider.ts'))![1];
    assert.deepEqual(pkg.contributes.mcpServerDefinitionProviders.map((p: { id: string }) => p.id), [providerId]);
    // lm.registerTool and lm.registerMcpServerDefinitionProvider are in VS Code 1.101 and later.
    assert.equal(pkg.engines.vscode, '^1.101.0');
    assert.equal(pkg.devDependencies['@types/vscode'], '1.101.0');
    // The provider runs the bundled CLI: it must be in the .vsix.
    assert.match(fs.readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8'), /^!dist\/cli\.js$/m);
  });
});

// Extension-host tests of what agents use: the language-model tools (vscode.lm) and the MCP server
// definition provider. The file sorts after extension.test.ts, so it runs after those tests, on
// the index they leave (the fixture workspace, indexed; those tests rewrite levenshtein.py and
// rename haversine.rs, so these use src/http/headers.go, which they leave as it was). Where this VS Code build lacks an API at
// run time, the test is skipped with the reason in its title's log line (runner output).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import * as vscode from 'vscode';
import type { SemindexApi } from '../../../src/extension/api';
import { until } from './wait';

const EXTENSION_ID = 'semindex.semindex';

const textOf = (result: vscode.LanguageModelToolResult): string[] =>
  result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : typeof (p as { value?: unknown }).value === 'string' ? (p as { value: string }).value : ''));

describe('single folder: language-model tools and MCP server', function () {
  this.timeout(180_000);
  let api: SemindexApi;

  before(async function () {
    const ext = vscode.extensions.getExtension<SemindexApi>(EXTENSION_ID)!;
    api = ext.isActive ? ext.exports : await ext.activate();
    await api.whenIdle();
    if (api.state().phase !== 'ready') await vscode.commands.executeCommand('semindex.indexWorkspace');
    await until(
      async () => {
        await api.whenIdle();
        return api.state().phase === 'ready' && api.state().files > 0;
      },
      () => `an indexed workspace (${api.state().phase})`,
    );
  });

  it('lists semindex_search and semindex_similar in vscode.lm.tools, with their input schemas', function () {
    if (!Array.isArray(vscode.lm?.tools)) {
      console.log('SKIPPED: this VS Code build has no vscode.lm.tools');
      this.skip();
    }
    const ours = vscode.lm.tools.filter((t) => t.name.startsWith('semindex_'));
    assert.deepEqual(ours.map((t) => t.name).sort(), ['semindex_search', 'semindex_similar']);
    const search = ours.find((t) => t.name === 'semindex_search')!;
    assert.deepEqual((search.inputSchema as { required?: string[] }).required, ['query']);
    assert.ok(search.description.length > 100, search.description);
  });

  it('vscode.lm.invokeTool("semindex_search") returns the expected file first, one text part per hit', async function () {
    if (typeof vscode.lm?.invokeTool !== 'function') {
      console.log('SKIPPED: this VS Code build has no vscode.lm.invokeTool');
      this.skip();
    }
    const result = await vscode.lm.invokeTool('semindex_search', { input: { query: 'parse an http header line', maxResults: 5 }, toolInvocationToken: undefined });
    const parts = textOf(result);
    assert.match(parts[0], /^Semindex search "parse an http header line": \d+ results?, best first\./);
    assert.ok(parts.length >= 2 && parts.length <= 6, parts.join('\n---\n'));
    assert.match(parts[1], /^src\/http\/headers\.go:\d+-\d+ ParseHTTPHeader \(function, go\)\n/);
    // Filters reach the engine: only Go.
    const go = textOf(await vscode.lm.invokeTool('semindex_search', { input: { query: 'parse header', language: 'go' }, toolInvocationToken: undefined }));
    assert.ok(go.length > 1);
    for (const hit of go.slice(1)) assert.match(hit, /\(\w+, go\)\n/);
  });

  it('vscode.lm.invokeTool("semindex_similar") on a function leaves the function itself out', async function () {
    if (typeof vscode.lm?.invokeTool !== 'function') {
      console.log('SKIPPED: this VS Code build has no vscode.lm.invokeTool');
      this.skip();
    }
    const [hit] = await api.search('ParseHTTPHeader', { k: 1, mode: 'bm25' });
    assert.equal(hit.path, 'src/http/headers.go');
    const abs = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, hit.path);
    const parts = textOf(await vscode.lm.invokeTool('semindex_similar', { input: { path: abs, startLine: hit.startLine, endLine: hit.endLine, maxResults: 5 }, toolInvocationToken: undefined }));
    assert.match(parts[0], /^Semindex: code similar to .*headers\.go:\d+-\d+: \d+ results?/);
    assert.ok(parts.length > 1, parts.join('\n'));
    assert.ok(!parts.slice(1).some((p) => p.startsWith(`src/http/headers.go:${hit.startLine}-`)), parts.join('\n---\n'));
    // The path as the tool shows it (relative to the folder) works too.
    const again = textOf(await vscode.lm.invokeTool('semindex_similar', { input: { path: hit.path, startLine: hit.startLine, endLine: hit.endLine, maxResults: 5 }, toolInvocationToken: undefined }));
    assert.deepEqual(again.slice(1), parts.slice(1));
  });

  it('the MCP provider offers a server whose command, spawned with its args and env, answers tools/list and search', async function () {
    const servers = api.mcpServers();
    if (!servers) {
      console.log('SKIPPED: this VS Code build has no vscode.lm.registerMcpServerDefinitionProvider');
      this.skip();
    }
    assert.equal(servers.length, 1);
    const [def] = servers;
    assert.equal(def.command, process.execPath);
    assert.equal(def.env.ELECTRON_RUN_AS_NODE, '1');
    assert.deepEqual(def.args.slice(1, 3), ['mcp', '--store']);
    assert.match(def.args[0], /dist[\\/]cli\.js$/);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...def.env })) if (v !== null && v !== undefined) env[k] = String(v);
    const client = new Client({ name: 'semindex-host-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: def.command, args: def.args, env, stderr: 'ignore' }));
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['find_similar', 'index_status', 'search']);
      const res = (await client.callTool({ name: 'search', arguments: { query: 'parse http header', k: 3 } })) as { isError?: boolean; structuredContent?: { results: { path: string }[] } };
      assert.ok(!res.isError);
      // The extension labels its root with the folder's name, one folder too: the store's paths carry it.
      assert.equal(res.structuredContent?.results[0]?.path, `${vscode.workspace.workspaceFolders![0].name}/src/http/headers.go`);
    } finally {
      await client.close();
    }
  });
});

import * as assert from 'node:assert/strict';
import { contentSecurityPolicy, makeNonce, pageHtml } from '../../src/extension/webviewHtml';

describe('extension webview html', () => {
  it('allows nothing by default, styles from the extension and only the nonce script', () => {
    const csp = contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', 'abc');
    assert.equal(
      csp,
      "default-src 'none'; style-src https://file+.vscode-resource.vscode-cdn.net; script-src 'nonce-abc'; img-src https://file+.vscode-resource.vscode-cdn.net data:; font-src https://file+.vscode-resource.vscode-cdn.net",
    );
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:\/\/\*/);
  });

  it('uses a fresh nonce per load', () => {
    const nonces = new Set(Array.from({ length: 50 }, makeNonce));
    assert.equal(nonces.size, 50);
    for (const n of nonces) assert.match(n, /^[A-Za-z0-9+/=]{24}$/);
  });

  it('puts the nonce on every script and nothing inline', () => {
    const html = pageHtml({ cspSource: 'vscode-src', nonce: 'N1', title: 'T"<x>', styles: ['s.css'], scripts: ['a.js', 'b.js'], body: '<div id="x"></div>' });
    assert.equal(html.match(/<script nonce="N1" src="[ab]\.js"><\/script>/g)?.length, 2);
    assert.equal(html.match(/<script/g)?.length, 2);
    assert.match(html, /<title>T&quot;&lt;x&gt;<\/title>/);
    assert.ok(html.includes(`http-equiv="Content-Security-Policy" content="default-src 'none'; style-src vscode-src; script-src 'nonce-N1';`));
  });
});

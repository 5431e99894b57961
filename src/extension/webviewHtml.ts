// The HTML shell of both webviews: a strict Content-Security-Policy, a fresh nonce per load, and
// only the extension's own script and stylesheet from media/. Pages get data by postMessage only,
// so nothing data-derived is ever interpolated into HTML here.
import * as crypto from 'node:crypto';
import { MAX_QUERY_LENGTH } from './messages';

/** A fresh nonce for one page load. */
export function makeNonce(): string {
  return crypto.randomBytes(18).toString('base64');
}

/** The CSP: nothing by default; styles, images and fonts only from the extension; scripts only with the nonce. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export interface PageParts {
  cspSource: string;
  nonce: string;
  title: string;
  /** webview URIs (asWebviewUri) of the stylesheets and scripts in media/. */
  styles: string[];
  scripts: string[];
  /** Static markup of the page (no data). */
  body: string;
}

/** Where a page's files come from: the webview's CSP source and its URI for a file in media/. */
export interface MediaSource {
  cspSource: string;
  mediaUri(file: string): string;
}

/** A page made of one stylesheet and one script from media/, with a fresh nonce. */
export function mediaPage(src: MediaSource, page: { title: string; style: string; script: string; body: string }): string {
  return pageHtml({ cspSource: src.cspSource, nonce: makeNonce(), title: page.title, styles: [src.mediaUri(page.style)], scripts: [src.mediaUri(page.script)], body: page.body });
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function pageHtml(p: PageParts): string {
  const styles = p.styles.map((href) => `<link rel="stylesheet" href="${attr(href)}">`).join('\n  ');
  const scripts = p.scripts.map((src) => `<script nonce="${attr(p.nonce)}" src="${attr(src)}"></script>`).join('\n  ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(p.cspSource, p.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  ${styles}
  <title>${attr(p.title)}</title>
</head>
<body>
${p.body}
  ${scripts}
</body>
</html>`;
}

// The static markup of each page. Element ids and roles are a contract with media/*.js and with
// the end-to-end tests (#query, #results [role=option], #progress-phase, …): change them together.

export const searchViewBody = `
  <div class="search-box">
    <div class="query-row">
      <input id="query" type="text" role="searchbox" placeholder="Search code by meaning or keywords" aria-label="Search query" aria-controls="results" autocomplete="off" spellcheck="false" maxlength="${MAX_QUERY_LENGTH}">
      <button type="button" id="toggle-filters" class="icon-button" aria-expanded="false" aria-controls="filters" title="Toggle Search Details" aria-label="Toggle Search Details">…</button>
    </div>
    <div id="modes" class="modes" role="group" aria-label="Search mode">
      <button type="button" id="mode-hybrid" data-mode="hybrid" aria-pressed="true" title="Keyword and semantic matches, fused">Hybrid</button>
      <button type="button" id="mode-semantic" data-mode="semantic" aria-pressed="false" title="Embedding similarity only">Semantic</button>
      <button type="button" id="mode-keyword" data-mode="keyword" aria-pressed="false" title="BM25 keyword matches only">Keyword</button>
    </div>
    <div id="filters" class="filters" hidden>
      <label for="include">files to include</label>
      <input id="include" type="text" placeholder="e.g. src, *.ts, ./lib/**" autocomplete="off" spellcheck="false" maxlength="1000">
      <label for="exclude">files to exclude</label>
      <input id="exclude" type="text" placeholder="e.g. test, **/*.spec.ts" autocomplete="off" spellcheck="false" maxlength="1000">
      <label for="language">language</label>
      <select id="language"><option value="">All languages</option></select>
    </div>
    <div id="similar" class="similar" hidden>
      <span id="similar-label" class="similar-label"></span>
      <button type="button" id="similar-clear" class="similar-clear" title="Back to the search" aria-label="Back to the search">×</button>
    </div>
  </div>
  <div id="notice" class="notice" hidden></div>
  <div class="status-row">
    <div id="status" class="status" role="status" aria-live="polite"></div>
    <button type="button" id="toggle-grouped" class="icon-button" aria-pressed="true" title="View as List" aria-label="Group results by file">
      <svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2 3h12M5 7h9M5 11h9M2 3v8"/></svg>
    </button>
  </div>
  <div id="empty" class="empty" hidden>
    <p id="empty-text"></p>
    <button type="button" id="empty-action" hidden></button>
  </div>
  <div id="results" class="results" role="listbox" aria-label="Search results" aria-description="Enter opens a result, Ctrl+Enter to the side, Shift+Enter finds code similar to it, Shift+Alt+C copies its path and line; Left and Right collapse and expand a file" tabindex="0"></div>
  <div id="embedder" class="embedder" aria-label="Embedder in use"></div>`;

export const progressPanelBody = `
  <main>
    <h1>Semindex index</h1>
    <section class="run" aria-label="Indexing">
      <div class="phase-row">
        <span id="progress-phase" class="phase" role="status" aria-live="polite"></span>
        <span id="progress-counts" class="counts"></span>
      </div>
      <div id="progress-bar" class="bar" role="progressbar" aria-label="Indexing progress" aria-valuemin="0" aria-valuemax="100" hidden>
        <div id="progress-fill" class="fill"></div>
      </div>
      <div class="metrics"><span id="progress-throughput"></span><span id="progress-eta"></span></div>
      <p id="progress-message" class="message" role="alert" hidden></p>
      <div class="buttons">
        <button type="button" id="index" data-command="index">Index Workspace</button>
        <button type="button" id="pause" data-command="pause" class="secondary">Pause</button>
        <button type="button" id="resume" data-command="resume">Resume</button>
        <button type="button" id="cancel" data-command="cancel" class="secondary">Cancel</button>
        <button type="button" id="rebuild" data-command="rebuild" class="secondary" title="Delete the index and build it again from scratch">Rebuild Index</button>
      </div>
    </section>
    <section aria-labelledby="embedder-heading">
      <h2 id="embedder-heading">Embedder</h2>
      <p id="embedder"></p>
      <p id="building" class="note" hidden></p>
    </section>
    <section aria-labelledby="health-heading">
      <h2 id="health-heading">Index health</h2>
      <dl class="health">
        <dt>Size on disk</dt><dd id="health-size"></dd>
        <dt>Files indexed</dt><dd id="health-files"></dd>
        <dt>Chunks</dt><dd id="health-chunks"></dd>
        <dt>Failed files</dt><dd id="health-failed"></dd>
        <dt>Skipped files</dt><dd id="health-skipped"></dd>
        <dt>Embedding cache hit rate</dt><dd id="health-cache"></dd>
        <dt>Last full run</dt><dd id="health-last-full"></dd>
        <dt>Last incremental update</dt><dd id="health-last-incremental"></dd>
      </dl>
    </section>
    <section aria-labelledby="problems-heading">
      <h2 id="problems-heading">Failed and skipped files <span id="problems-count"></span></h2>
      <p id="problems-empty" class="note">None.</p>
      <ul id="problems" class="problems" aria-labelledby="problems-heading"></ul>
    </section>
  </main>`;

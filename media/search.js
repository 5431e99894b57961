// Semindex search view (runs inside the webview; CSP allows only this nonce'd script).
// Builds every piece of data into the DOM with textContent / text nodes — never innerHTML — so
// snippets and paths cannot inject markup. Messages: see src/extension/messages.ts.
// @ts-check
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  const DEBOUNCE_MS = 250;
  const MODES = ['hybrid', 'semantic', 'keyword'];

  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const queryEl = /** @type {HTMLInputElement} */ ($('query'));
  const statusEl = $('status');
  const emptyEl = $('empty');
  const emptyText = $('empty-text');
  const emptyAction = /** @type {HTMLButtonElement} */ ($('empty-action'));
  const resultsEl = $('results');
  const embedderEl = $('embedder');

  const saved = vscode.getState() || {};
  /** @type {string} */
  let mode = MODES.includes(saved.mode) ? saved.mode : 'hybrid';
  let seq = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {any[]} */
  let results = [];
  let active = -1;
  /** @type {any} */
  let status = null;
  /** Earlier queries of this workspace, oldest first (from the extension). */
  /** @type {string[]} */
  let history = [];
  /** The history entry in the box while ↑/↓ walk the history; -1 when the user is typing. */
  let historyAt = -1;
  /** What the last results were: their query, and how much of the workspace they covered. */
  let shown = { query: '', coverageText: '', error: '' };

  queryEl.value = typeof saved.query === 'string' ? saved.query : '';

  function persist() {
    vscode.setState({ query: queryEl.value, mode });
  }

  // ——— searching ———

  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(runSearch, DEBOUNCE_MS);
  }

  function runSearch() {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const query = queryEl.value.trim();
    seq++;
    if (!query) {
      document.body.classList.remove('searching');
      shown = { query: '', coverageText: '', error: '' };
      setResults([]);
      render();
      return;
    }
    document.body.classList.add('searching');
    vscode.postMessage({ type: 'search', seq, query, mode });
  }

  queryEl.addEventListener('input', () => {
    historyAt = -1;
    persist();
    schedule();
  });

  let remembered = '';
  /** Tells the extension the query was settled on (kept in the history), once per query. */
  function remember() {
    const query = queryEl.value.trim();
    if (!query || query === remembered) return;
    remembered = query;
    vscode.postMessage({ type: 'remember', query });
  }

  /** True while the box holds what ↑/↓ put there (not something typed since). */
  function walkingHistory() {
    return historyAt >= 0 && queryEl.value === history[historyAt];
  }

  /** @param {number} at */
  function recall(at) {
    historyAt = at;
    queryEl.value = history[at];
    queryEl.setSelectionRange(queryEl.value.length, queryEl.value.length);
    persist();
    runSearch();
  }

  // Left after typing (the input's change event): the query counts as settled on too.
  queryEl.addEventListener('change', remember);

  queryEl.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      runSearch();
      remember();
    } else if (e.key === 'ArrowUp' && history.length && (queryEl.value === '' || walkingHistory())) {
      // The empty box recalls the last query; further ↑ go further back.
      e.preventDefault();
      recall(walkingHistory() ? Math.max(0, historyAt - 1) : history.length - 1);
    } else if (e.key === 'ArrowDown' && walkingHistory() && historyAt < history.length - 1) {
      e.preventDefault();
      recall(historyAt + 1);
    } else if (e.key === 'ArrowDown' && results.length) {
      e.preventDefault();
      select(0);
      resultsEl.focus();
    }
  });

  for (const m of MODES) {
    const button = $(`mode-${m}`);
    button.addEventListener('click', () => {
      if (mode === m) return;
      mode = m;
      persist();
      renderModes();
      if (queryEl.value.trim()) runSearch();
    });
  }

  function renderModes() {
    for (const m of MODES) $(`mode-${m}`).setAttribute('aria-pressed', String(m === mode));
  }

  // ——— results list: a listbox navigated with the arrow keys ———

  /** @param {any[]} list */
  function setResults(list) {
    results = list;
    active = -1;
    resultsEl.replaceChildren(...list.map(renderResult));
    resultsEl.removeAttribute('aria-activedescendant');
    resultsEl.tabIndex = list.length ? 0 : -1;
  }

  /** @param {any} r @param {number} i */
  function renderResult(r, i) {
    const item = document.createElement('div');
    item.className = 'result';
    item.id = `result-${i}`;
    item.setAttribute('role', 'option');
    item.setAttribute('aria-selected', 'false');
    const slash = r.path.lastIndexOf('/');
    const name = r.path.slice(slash + 1);
    const dir = slash >= 0 ? r.path.slice(0, slash) : '';
    const lines = r.startLine === r.endLine ? `${r.startLine}` : `${r.startLine}–${r.endLine}`;
    item.setAttribute(
      'aria-label',
      `${r.symbol ? `${r.symbol}, ` : ''}${r.path}${r.rootLabel ? ` in ${r.rootLabel}` : ''}, lines ${lines}`,
    );

    const head = document.createElement('div');
    head.className = 'result-head';
    if (r.rootLabel) head.append(span('result-root', r.rootLabel));
    head.append(span('result-file', name), span('result-lines', `:${lines}`));
    if (dir) head.append(span('result-dir', dir));
    item.append(head);

    if (r.symbol) {
      const symbol = document.createElement('div');
      symbol.className = 'result-symbol';
      symbol.append(span('result-kind', r.kind), document.createTextNode(' '), span('result-symbol-name', r.symbol));
      item.append(symbol);
    }

    const pre = document.createElement('pre');
    pre.className = 'result-snippet';
    appendHighlighted(pre, r.snippet, r.highlights);
    if (r.moreLines > 0) pre.append(span('result-more', `\n… ${r.moreLines} more line${r.moreLines === 1 ? '' : 's'}`));
    item.append(pre);

    item.addEventListener('click', () => {
      select(i);
      open(i);
    });
    return item;
  }

  /** @param {string} cls @param {string} text */
  function span(cls, text) {
    const s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    return s;
  }

  /** Text with [start, end) ranges wrapped in <mark>, as text nodes only. */
  function appendHighlighted(/** @type {HTMLElement} */ parent, /** @type {string} */ text, /** @type {[number, number][]} */ ranges) {
    let at = 0;
    for (const [start, end] of Array.isArray(ranges) ? ranges : []) {
      if (start < at || end <= start || end > text.length) continue;
      if (start > at) parent.append(document.createTextNode(text.slice(at, start)));
      const mark = document.createElement('mark');
      mark.textContent = text.slice(start, end);
      parent.append(mark);
      at = end;
    }
    if (at < text.length) parent.append(document.createTextNode(text.slice(at)));
  }

  /** @param {number} i */
  function select(i) {
    if (!results.length) return;
    const next = Math.max(0, Math.min(results.length - 1, i));
    if (active >= 0) resultsEl.children[active]?.setAttribute('aria-selected', 'false');
    active = next;
    const el = /** @type {HTMLElement} */ (resultsEl.children[active]);
    el.setAttribute('aria-selected', 'true');
    resultsEl.setAttribute('aria-activedescendant', el.id);
    el.scrollIntoView({ block: 'nearest' });
  }

  /** @param {number} i */
  function open(i) {
    const r = results[i];
    if (!r) return;
    remember();
    vscode.postMessage({ type: 'open', root: r.root, path: r.path, startLine: r.startLine, endLine: r.endLine });
  }

  resultsEl.addEventListener('keydown', (e) => {
    if (!results.length) return;
    switch (e.key) {
      case 'ArrowDown':
        select(active + 1);
        break;
      case 'ArrowUp':
        if (active <= 0) {
          queryEl.focus();
          break;
        }
        select(active - 1);
        break;
      case 'Home':
        select(0);
        break;
      case 'End':
        select(results.length - 1);
        break;
      case 'PageDown':
        select(active + 10);
        break;
      case 'PageUp':
        select(active - 10);
        break;
      case 'Enter':
      case ' ':
        open(active < 0 ? 0 : active);
        break;
      case 'Escape':
        queryEl.focus();
        break;
      default:
        return;
    }
    e.preventDefault();
  });

  resultsEl.addEventListener('focus', () => {
    if (active < 0 && results.length) select(0);
  });

  // ——— status line, empty states, embedder ———

  const ACTION_LABELS = { index: 'Index Workspace', openFolder: 'Open Folder', showProgress: 'Show Progress' };

  function render() {
    const query = queryEl.value.trim();
    // The live region only changes when results arrive, not with every progress tick.
    let line = '';
    if (shown.error) line = `Search failed: ${shown.error}`;
    else if (query && shown.query === query) {
      line = `${results.length} result${results.length === 1 ? '' : 's'}`;
      if (shown.coverageText) line += ` · ${shown.coverageText}`;
    }
    if (statusEl.textContent !== line) statusEl.textContent = line;

    const noResults = !results.length;
    emptyEl.hidden = !noResults;
    if (noResults) {
      let text = status ? status.hint + (status.coverageText ? ` (${status.coverageText})` : '') : '';
      let action = status ? status.action : null;
      if (query && shown.query === query && !shown.error && status && status.searchable) {
        text = `No results for “${query}”.${mode === 'keyword' ? ' Try Hybrid or Semantic mode.' : ' Try other words, or Keyword mode for exact identifiers.'}`;
        action = status.action === 'index' ? 'index' : null;
      }
      emptyText.textContent = text;
      emptyAction.hidden = !action;
      if (action) {
        emptyAction.textContent = ACTION_LABELS[/** @type {'index'} */ (action)];
        emptyAction.dataset.command = action;
        emptyAction.setAttribute('aria-label', ACTION_LABELS[/** @type {'index'} */ (action)]);
      }
    }
    embedderEl.textContent = status && status.embedder ? `Embedder: ${status.embedder}` : '';
    embedderEl.title = embedderEl.textContent;
    document.body.dataset.phase = status ? status.phase : '';
  }

  emptyAction.addEventListener('click', () => {
    const command = emptyAction.dataset.command;
    if (command) vscode.postMessage({ type: 'run', command });
  });

  // ——— messages from the extension ———

  window.addEventListener('message', (event) => {
    const msg = event.data;
    if (!msg || typeof msg !== 'object') return;
    switch (msg.type) {
      case 'status': {
        const before = status;
        status = msg.status;
        // Indexing moved on since the results were computed: search again so they cover more.
        const query = queryEl.value.trim();
        const becameSearchable = status.searchable && before && !before.searchable;
        const finished = !!shown.coverageText && !status.coverageText;
        if (query && (becameSearchable || finished)) runSearch();
        else render();
        break;
      }
      case 'results':
        if (msg.seq !== seq) return; // an older query's answer
        document.body.classList.remove('searching');
        shown = { query: msg.query.trim(), coverageText: String(msg.coverageText || ''), error: '' };
        setResults(Array.isArray(msg.results) ? msg.results : []);
        render();
        break;
      case 'error':
        if (msg.seq !== seq) return;
        document.body.classList.remove('searching');
        shown = { query: queryEl.value.trim(), coverageText: '', error: String(msg.message) };
        setResults([]);
        render();
        break;
      case 'history':
        if (Array.isArray(msg.queries)) {
          const walking = walkingHistory() ? history[historyAt] : undefined;
          history = msg.queries.filter((/** @type {unknown} */ q) => typeof q === 'string');
          historyAt = walking !== undefined ? history.lastIndexOf(walking) : -1;
        }
        break;
      case 'seed':
        if (typeof msg.query === 'string' && msg.query) {
          queryEl.value = msg.query;
          persist();
          runSearch();
        }
        queryEl.focus();
        queryEl.select();
        break;
    }
  });

  renderModes();
  render();
  vscode.postMessage({ type: 'ready' });
  queryEl.focus();
  // The view was hidden and shown again (the page reloads): repeat the query it had.
  if (queryEl.value.trim()) runSearch();
})();

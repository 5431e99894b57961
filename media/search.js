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
  const similarEl = $('similar');
  const similarLabel = $('similar-label');
  const similarClear = $('similar-clear');
  const SVG = 'http://www.w3.org/2000/svg';

  const saved = vscode.getState() || {};
  /** @type {string} */
  let mode = MODES.includes(saved.mode) ? saved.mode : 'hybrid';
  let seq = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {any[]} */
  let results = [];
  /** The seq of the answer `results` came with: an open names (seq, index), the extension has the rest. */
  let resultsSeq = -1;
  let active = -1;
  /** @type {any} */
  let status = null;
  /**
   * "Find similar" in place of a query: { target (sent back to the extension as it came),
   * label ("src/a.ts:3-9", "the selection"), back (the query the box had before) }, or null.
   * @type {{ target: any, label: string, back: string } | null}
   */
  let similar =
    saved.similar && typeof saved.similar === 'object' && saved.similar.target && typeof saved.similar.label === 'string'
      ? { target: saved.similar.target, label: saved.similar.label, back: String(saved.similar.back || '') }
      : null;
  /** What the last results were: their query or find-similar, and how much of the workspace they covered. */
  let shown = { query: '', similar: /** @type {typeof similar} */ (null), coverageText: '', error: '' };
  /** Earlier queries of this workspace, oldest first (from the extension). */
  /** @type {string[]} */
  let history = [];
  /** The history entry in the box while ↑/↓ walk the history; -1 when the user is typing. */
  let historyAt = -1;

  queryEl.value = typeof saved.query === 'string' ? saved.query : '';

  function persist() {
    vscode.setState({ query: queryEl.value, mode, similar });
  }

  /** Enters (or with null leaves) find-similar: the header replaces the query, which comes back after. */
  function setSimilar(/** @type {typeof similar} */ next) {
    if (next) queryEl.value = '';
    else if (similar && !queryEl.value) queryEl.value = similar.back;
    similar = next;
    persist();
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
    if (similar) {
      document.body.classList.add('searching');
      vscode.postMessage({ type: 'similar', seq, target: similar.target, mode });
      return;
    }
    if (!query) {
      document.body.classList.remove('searching');
      shown = { query: '', similar: null, coverageText: '', error: '' };
      setResults([]);
      render();
      return;
    }
    document.body.classList.add('searching');
    vscode.postMessage({ type: 'search', seq, query, mode });
  }

  queryEl.addEventListener('input', () => {
    // Typing asks a new question: find-similar ends (its header goes, the query is what is typed).
    if (similar) {
      similar = null;
      render();
    }
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
      if (queryEl.value.trim() || similar) runSearch();
    });
  }

  similarClear.addEventListener('click', () => {
    setSimilar(null);
    setResults([]);
    render();
    runSearch();
    queryEl.focus();
  });

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
    head.append(similarButton(r, i));
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

  /**
   * The row's "Find similar" action. Only the selected row's button is in the tab order (Tab from
   * the list reaches it); Shift+Enter on the list does the same.
   * @param {any} r @param {number} i
   */
  function similarButton(r, i) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'result-similar';
    button.tabIndex = -1;
    button.title = 'Find similar code (Shift+Enter)';
    button.setAttribute('aria-label', `Find code similar to ${r.symbol || r.path}`);
    // Two overlapping pages: "more like this".
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('aria-hidden', 'true');
    for (const [x, y] of [[2, 2], [6, 6]]) {
      const rect = document.createElementNS(SVG, 'rect');
      for (const [k, v] of Object.entries({ x, y, width: 8, height: 8, rx: 1 })) rect.setAttribute(k, String(v));
      svg.append(rect);
    }
    button.append(svg);
    button.addEventListener('click', (e) => {
      e.stopPropagation(); // not an open
      select(i);
      findSimilarTo(i);
    });
    return button;
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
    if (active >= 0) {
      resultsEl.children[active]?.setAttribute('aria-selected', 'false');
      const before = resultsEl.children[active]?.querySelector('.result-similar');
      if (before) /** @type {HTMLElement} */ (before).tabIndex = -1;
    }
    active = next;
    const el = /** @type {HTMLElement} */ (resultsEl.children[active]);
    el.setAttribute('aria-selected', 'true');
    const button = /** @type {HTMLElement | null} */ (el.querySelector('.result-similar'));
    if (button) button.tabIndex = 0;
    resultsEl.setAttribute('aria-activedescendant', el.id);
    el.scrollIntoView({ block: 'nearest' });
  }

  /** @param {number} i */
  function open(i) {
    const r = results[i];
    if (!r) return;
    remember();
    vscode.postMessage({ type: 'open', seq: resultsSeq, index: i });
  }

  /** Code like result i, in place of the query (the way the Find Similar Code command shows it). */
  function findSimilarTo(/** @type {number} */ i) {
    const r = results[i];
    if (!r) return;
    const label = `${r.rootLabel ? `${r.rootLabel}/` : ''}${r.path}:${r.startLine}-${r.endLine}`;
    const back = similar ? similar.back : queryEl.value;
    setSimilar({ target: { kind: 'span', root: r.root, path: r.path, startLine: r.startLine, endLine: r.endLine }, label, back });
    setResults([]);
    render();
    runSearch();
    // The row goes with the old results: keep the keyboard in the list, where the new ones arrive.
    resultsEl.focus();
  }

  resultsEl.addEventListener('keydown', (e) => {
    if (!results.length) return;
    if (e.target !== resultsEl) {
      // A row's button has focus: Enter and Space press it; the other keys move in the list.
      if (e.key === 'Enter' || e.key === ' ' || e.key === 'Tab') return;
      resultsEl.focus();
    }
    if (e.key === 'Enter' && e.shiftKey) {
      e.preventDefault();
      findSimilarTo(active < 0 ? 0 : active);
      return;
    }
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
    const current = similar ? shown.similar === similar : query && !shown.similar && shown.query === query;
    if (shown.error) line = `Search failed: ${shown.error}`;
    else if (current) {
      line = `${results.length} result${results.length === 1 ? '' : 's'}`;
      if (shown.coverageText) line += ` · ${shown.coverageText}`;
    }
    if (statusEl.textContent !== line) statusEl.textContent = line;

    const noResults = !results.length;
    emptyEl.hidden = !noResults;
    if (noResults) {
      let text = status ? status.hint + (status.coverageText ? ` (${status.coverageText})` : '') : '';
      let action = status ? status.action : null;
      if (current && !shown.error && status && status.searchable) {
        text = similar
          ? `No code similar to ${similar.label} found.${mode === 'hybrid' ? '' : ' Try Hybrid mode.'}`
          : `No results for “${query}”.${mode === 'keyword' ? ' Try Hybrid or Semantic mode.' : ' Try other words, or Keyword mode for exact identifiers.'}`;
        action = status.action === 'index' ? 'index' : null;
      } else if (similar && !current && !shown.error) {
        text = 'Finding similar code…';
        action = null;
      }
      emptyText.textContent = text;
      emptyAction.hidden = !action;
      if (action) {
        emptyAction.textContent = ACTION_LABELS[/** @type {'index'} */ (action)];
        emptyAction.dataset.command = action;
        emptyAction.setAttribute('aria-label', ACTION_LABELS[/** @type {'index'} */ (action)]);
      }
    }
    similarEl.hidden = !similar;
    similarLabel.textContent = similar ? `Similar to ${similar.label}` : '';
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
        if ((query || similar) && (becameSearchable || finished)) runSearch();
        else render();
        break;
      }
      case 'results':
        if (msg.seq !== seq) return; // an older query's answer
        document.body.classList.remove('searching');
        shown = { query: similar ? '' : msg.query.trim(), similar, coverageText: String(msg.coverageText || ''), error: '' };
        setResults(Array.isArray(msg.results) ? msg.results : []);
        resultsSeq = msg.seq;
        // Find similar from a row left the keyboard in the list: the new results take the selection.
        if (document.activeElement === resultsEl && results.length) select(0);
        render();
        break;
      case 'error':
        if (msg.seq !== seq) return;
        document.body.classList.remove('searching');
        shown = { query: similar ? '' : queryEl.value.trim(), similar, coverageText: '', error: String(msg.message) };
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
          similar = null;
          queryEl.value = msg.query;
          persist();
          runSearch();
        }
        queryEl.focus();
        queryEl.select();
        break;
      case 'findSimilar':
        if (!msg.target || typeof msg.target !== 'object' || typeof msg.label !== 'string') return;
        setSimilar({ target: msg.target, label: msg.label, back: similar ? similar.back : queryEl.value });
        setResults([]);
        render();
        runSearch();
        // In the box: ↓ goes to the results, typing asks something else.
        queryEl.focus();
        break;
    }
  });

  renderModes();
  render();
  vscode.postMessage({ type: 'ready' });
  queryEl.focus();
  // The view was hidden and shown again (the page reloads): repeat the query it had.
  if (queryEl.value.trim() || similar) runSearch();
})();

// Semindex search view (runs inside the webview; CSP allows only this nonce'd script).
// Builds every piece of data into the DOM with textContent / text nodes — never innerHTML — so
// snippets and paths cannot inject markup. Messages: see src/extension/messages.ts.
// @ts-check
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  const DEBOUNCE_MS = 250;
  const MODES = ['hybrid', 'semantic', 'keyword'];
  /** Syntax token classes the host sends (src/extension/syntax.ts TOKEN_CLASSES); anything else is plain text. */
  const TOKEN_CLASSES = new Set(['keyword', 'string', 'comment', 'number', 'function', 'type', 'operator', 'punctuation', 'constant', 'property', 'tag', 'attr', 'regex', 'variable']);
  /** Filter fields: the search message's field for each input. */
  const FILTERS = /** @type {const} */ (['include', 'exclude', 'language']);

  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const queryEl = /** @type {HTMLInputElement} */ ($('query'));
  const statusEl = $('status');
  const noticeEl = $('notice');
  const emptyEl = $('empty');
  const emptyText = $('empty-text');
  const emptyAction = /** @type {HTMLButtonElement} */ ($('empty-action'));
  const resultsEl = $('results');
  const embedderEl = $('embedder');
  const similarEl = $('similar');
  const similarLabel = $('similar-label');
  const similarClear = $('similar-clear');
  const filtersEl = $('filters');
  const filtersToggle = $('toggle-filters');
  const groupedToggle = $('toggle-grouped');
  const languageEl = /** @type {HTMLSelectElement} */ ($('language'));
  const filterEls = {
    include: /** @type {HTMLInputElement} */ ($('include')),
    exclude: /** @type {HTMLInputElement} */ ($('exclude')),
    language: languageEl,
  };
  const SVG = 'http://www.w3.org/2000/svg';

  const saved = vscode.getState() || {};
  /** @type {string} */
  let mode = MODES.includes(saved.mode) ? saved.mode : 'hybrid';
  let seq = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** The results shown, best first, and the seq they answered (`open` and `copy` name one by index). */
  /** @type {any[]} */
  let results = [];
  let resultsSeq = -1;
  /** The selected row or file header, or null. */
  /** @type {HTMLElement | null} */
  let activeEl = null;
  /** @type {any} */
  let status = null;
  /** Results under their files (a tree) or one ranked list; the filter fields shown. The extension remembers both. */
  let grouped = typeof saved.grouped === 'boolean' ? saved.grouped : true;
  let filtersShown = typeof saved.filtersShown === 'boolean' ? saved.filtersShown : false;
  /** Files collapsed in the grouped view, by "root\0path". */
  const collapsed = new Set();
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
  let shown = { query: '', similar: /** @type {typeof similar} */ (null), coverageText: '', error: '', filtered: false };
  /** Earlier queries of this workspace, oldest first (from the extension). */
  /** @type {string[]} */
  let history = [];
  /** The history entry in the box while ↑/↓ walk the history; -1 when the user is typing. */
  let historyAt = -1;

  queryEl.value = typeof saved.query === 'string' ? saved.query : '';
  const savedFilters = saved.filters && typeof saved.filters === 'object' ? saved.filters : {};
  for (const key of FILTERS) {
    const v = savedFilters[key];
    if (typeof v !== 'string' || !v) continue;
    if (key === 'language') addLanguageOption(v);
    filterEls[key].value = v;
  }

  function persist() {
    vscode.setState({ query: queryEl.value, mode, similar, filters: filterValues(), grouped, filtersShown });
  }

  /** The filters set (only non-empty ones: an unfiltered search message is as it always was). */
  function filterValues() {
    /** @type {Record<string, string>} */
    const out = {};
    for (const key of FILTERS) if (filterEls[key].value.trim()) out[key] = filterEls[key].value;
    return out;
  }

  /** @param {string} id */
  function addLanguageOption(id) {
    if ([...languageEl.options].some((o) => o.value === id)) return;
    const option = document.createElement('option');
    option.value = id;
    option.textContent = id;
    languageEl.append(option);
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
      vscode.postMessage({ type: 'similar', seq, target: similar.target, mode, ...filterValues() });
      return;
    }
    if (!query) {
      document.body.classList.remove('searching');
      shown = { query: '', similar: null, coverageText: '', error: '', filtered: false };
      setResults([], -1);
      render();
      return;
    }
    document.body.classList.add('searching');
    vscode.postMessage({ type: 'search', seq, query, mode, ...filterValues() });
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
      // To the best result (in the grouped view: under the first file's header).
      e.preventDefault();
      select(rowOf(0));
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

  // ——— filters: files to include / exclude (the Search view's globs), language ———

  for (const key of FILTERS) {
    const el = filterEls[key];
    el.addEventListener(key === 'language' ? 'change' : 'input', () => {
      persist();
      renderFilterToggle();
      if (queryEl.value.trim() || similar) schedule();
    });
    el.addEventListener('keydown', (e) => {
      if (/** @type {KeyboardEvent} */ (e).key !== 'Enter') return;
      e.preventDefault();
      if (queryEl.value.trim() || similar) runSearch();
    });
  }

  filtersToggle.addEventListener('click', () => {
    filtersShown = !filtersShown;
    savePrefs();
    renderFilterToggle();
    if (filtersShown) filterEls.include.focus();
  });

  groupedToggle.addEventListener('click', () => {
    grouped = !grouped;
    savePrefs();
    renderGroupedToggle();
    const at = activeResult();
    renderList();
    if (at >= 0) select(rowOf(at));
  });

  function savePrefs() {
    persist();
    vscode.postMessage({ type: 'prefs', grouped, filtersShown });
  }

  function renderFilterToggle() {
    filtersEl.hidden = !filtersShown;
    filtersToggle.setAttribute('aria-expanded', String(filtersShown));
    const set = Object.keys(filterValues()).length > 0;
    // Hidden filters still apply: the toggle says so.
    filtersToggle.classList.toggle('filters-set', set);
    filtersToggle.title = `Toggle Search Details${set ? ' (filters are set)' : ''}`;
  }

  function renderGroupedToggle() {
    groupedToggle.setAttribute('aria-pressed', String(grouped));
    groupedToggle.title = grouped ? 'View as List' : 'View as Tree (grouped by file)';
  }

  similarClear.addEventListener('click', () => {
    setSimilar(null);
    setResults([], -1);
    render();
    runSearch();
    queryEl.focus();
  });

  function renderModes() {
    for (const m of MODES) $(`mode-${m}`).setAttribute('aria-pressed', String(m === mode));
  }

  // ——— results: a listbox of rows, grouped under file headers or flat, navigated with the keys ———

  /** @param {any[]} list @param {number} forSeq */
  function setResults(list, forSeq) {
    results = list;
    resultsSeq = forSeq;
    renderList();
  }

  /** "root\0path": one file of the results. */
  const fileKey = (/** @type {any} */ r) => `${r.root}\u0000${r.path}`;

  /** The files of the results, ranked by their best hit (results come best first), hits best first. */
  function fileGroups() {
    /** @type {Map<string, number[]>} */
    const groups = new Map();
    results.forEach((r, i) => {
      const key = fileKey(r);
      const hits = groups.get(key);
      if (hits) hits.push(i);
      else groups.set(key, [i]);
    });
    return [...groups.entries()].map(([key, hits]) => ({ key, hits }));
  }

  function renderList() {
    activeEl = null;
    resultsEl.removeAttribute('aria-activedescendant');
    resultsEl.tabIndex = results.length ? 0 : -1;
    resultsEl.classList.toggle('grouped', grouped);
    if (!grouped) {
      resultsEl.replaceChildren(...results.map((r, i) => renderResult(r, i)));
      return;
    }
    resultsEl.replaceChildren(
      ...fileGroups().map(({ key, hits }, g) => {
        const group = document.createElement('div');
        group.className = 'file-group';
        group.setAttribute('role', 'group');
        group.dataset.key = key;
        const head = renderFileHead(results[hits[0]], hits.length, g, key);
        group.setAttribute('aria-labelledby', head.id);
        const list = document.createElement('div');
        list.className = 'file-hits';
        list.append(...hits.map((i) => renderResult(results[i], i)));
        group.append(head, list);
        setCollapsed(group, collapsed.has(key));
        return group;
      }),
    );
  }

  /** A file's header in the grouped view: twisty, name, folder, hit count; a click folds it. */
  function renderFileHead(/** @type {any} */ r, /** @type {number} */ count, /** @type {number} */ g, /** @type {string} */ key) {
    const head = document.createElement('div');
    head.className = 'file-head';
    head.id = `file-${g}`;
    head.setAttribute('aria-label', `${r.path}${r.rootLabel ? ` in ${r.rootLabel}` : ''}, ${count} result${count === 1 ? '' : 's'}`);
    const slash = r.path.lastIndexOf('/');
    head.append(span('twisty', ''));
    if (r.rootLabel) head.append(span('result-root', r.rootLabel));
    head.append(span('result-file', r.path.slice(slash + 1)));
    if (slash >= 0) head.append(span('result-dir', r.path.slice(0, slash)));
    const badge = span('file-count', String(count));
    badge.title = `${count} result${count === 1 ? '' : 's'} in this file`;
    head.append(badge);
    head.addEventListener('click', () => {
      select(head);
      toggleFile(key, !collapsed.has(key));
    });
    return head;
  }

  /** @param {HTMLElement} group @param {boolean} folded */
  function setCollapsed(group, folded) {
    group.classList.toggle('collapsed', folded);
    const head = /** @type {HTMLElement} */ (group.querySelector('.file-head'));
    head.setAttribute('aria-expanded', String(!folded));
  }

  /** Folds or unfolds a file; a selected hit inside a folded file hands the selection to its header. */
  function toggleFile(/** @type {string} */ key, /** @type {boolean} */ fold) {
    if (fold) collapsed.add(key);
    else collapsed.delete(key);
    const group = [...resultsEl.querySelectorAll('.file-group')].find((g) => /** @type {HTMLElement} */ (g).dataset.key === key);
    if (!group) return;
    setCollapsed(/** @type {HTMLElement} */ (group), fold);
    if (fold && activeEl && group.contains(activeEl) && activeEl.classList.contains('result')) select(/** @type {HTMLElement} */ (group.querySelector('.file-head')));
  }

  /** @param {any} r @param {number} i */
  function renderResult(r, i) {
    const item = document.createElement('div');
    item.className = 'result';
    item.id = `result-${i}`;
    item.dataset.index = String(i);
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
    if (grouped) {
      // The file is the header above: the row says where in it, and what.
      head.append(span('result-lines', lines));
      if (r.symbol) head.append(span('result-kind', r.kind), span('result-symbol-name', r.symbol));
    } else {
      if (r.rootLabel) head.append(span('result-root', r.rootLabel));
      head.append(span('result-file', name), span('result-lines', `:${lines}`));
      if (dir) head.append(span('result-dir', dir));
    }
    const actions = document.createElement('span');
    actions.className = 'result-actions';
    actions.append(similarButton(r, i), copyButton(r, i));
    head.append(actions);
    item.append(head);

    if (r.symbol && !grouped) {
      const symbol = document.createElement('div');
      symbol.className = 'result-symbol';
      symbol.append(span('result-kind', r.kind), document.createTextNode(' '), span('result-symbol-name', r.symbol));
      item.append(symbol);
    }

    if (r.staleText) {
      // The file no longer holds the indexed code: say so, and offer to index it again (no lines shown).
      const stale = document.createElement('div');
      stale.className = 'result-stale';
      stale.append(span('result-stale-text', String(r.staleText)));
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'result-reindex';
      button.textContent = 'Re-index';
      button.title = 'Index this file again';
      button.setAttribute('aria-label', `Re-index ${r.path}`);
      button.addEventListener('click', (e) => {
        e.stopPropagation(); // not an open
        select(item);
        vscode.postMessage({ type: 'reindex', seq: resultsSeq, index: i });
        button.disabled = true;
        button.textContent = 'Re-indexing…';
      });
      stale.append(button);
      item.append(stale);
    } else {
      const pre = document.createElement('pre');
      pre.className = 'result-snippet';
      appendSnippet(pre, String(r.snippet), r.highlights, r.tokens);
      if (r.moreLines > 0) pre.append(span('result-more', `\n… ${r.moreLines} more line${r.moreLines === 1 ? '' : 's'}`));
      item.append(pre);
    }
    if (Array.isArray(r.copies) && r.copies.length) {
      const copies = document.createElement('div');
      copies.className = 'result-copies';
      copies.textContent = `Same code also in ${r.copies.slice(0, 3).join(', ')}${r.copies.length > 3 ? ` and ${r.copies.length - 3} more` : ''}`;
      copies.title = r.copies.join('\n');
      item.append(copies);
    }

    item.addEventListener('click', (e) => {
      select(item);
      open(i, e.altKey || e.ctrlKey || e.metaKey);
    });
    // VS Code's webview context menu (package.json menus.webview/context) passes this to its commands.
    item.dataset.vscodeContext = JSON.stringify({ webviewSection: 'result', resultSeq: resultsSeq, resultIndex: i, preventDefaultContextMenuItems: true });
    item.addEventListener('contextmenu', () => select(item));
    return item;
  }

  /** A row action button: only the selected row's are in the tab order (Tab from the list reaches them). */
  function actionButton(/** @type {string} */ cls, /** @type {string} */ title, /** @type {string} */ label, /** @type {SVGElement} */ icon, /** @type {() => void} */ run) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `result-action ${cls}`;
    button.tabIndex = -1;
    button.title = title;
    button.setAttribute('aria-label', label);
    button.append(icon);
    button.addEventListener('click', (e) => {
      e.stopPropagation(); // not an open
      run();
    });
    return button;
  }

  function icon(/** @type {[string, Record<string, number | string>][]} */ shapes) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('aria-hidden', 'true');
    for (const [tag, attrs] of shapes) {
      const el = document.createElementNS(SVG, tag);
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
      svg.append(el);
    }
    return svg;
  }

  /** "Find similar" (Shift+Enter): two overlapping pages, "more like this". @param {any} r @param {number} i */
  function similarButton(r, i) {
    const svg = icon([['rect', { x: 2, y: 2, width: 8, height: 8, rx: 1 }], ['rect', { x: 6, y: 6, width: 8, height: 8, rx: 1 }]]);
    return actionButton('result-similar', 'Find similar code (Shift+Enter)', `Find code similar to ${r.symbol || r.path}`, svg, () => {
      select(rowOf(i));
      findSimilarTo(i);
    });
  }

  /** "Copy path:line" (Shift+Alt+C): a clipboard. @param {any} r @param {number} i */
  function copyButton(r, i) {
    const svg = icon([['rect', { x: 4, y: 3, width: 9, height: 11, rx: 1 }], ['path', { d: 'M6 3V2h5v1M6.5 7h4M6.5 10h4' }]]);
    return actionButton('result-copy', 'Copy Path:Line (Shift+Alt+C)', `Copy ${r.path}:${r.startLine}`, svg, () => {
      select(rowOf(i));
      copy(i);
    });
  }

  /** @param {string} cls @param {string} text */
  function span(cls, text) {
    const s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    return s;
  }

  /** Valid, sorted, non-overlapping [start, end, …] ranges of a text of length n. */
  function ranges(/** @type {unknown} */ list, /** @type {number} */ n, /** @type {boolean} */ withClass) {
    /** @type {any[]} */
    const out = [];
    let at = 0;
    for (const r of Array.isArray(list) ? list : []) {
      if (!Array.isArray(r) || !Number.isInteger(r[0]) || !Number.isInteger(r[1])) continue;
      if (r[0] < at || r[1] <= r[0] || r[1] > n) continue;
      if (withClass && !TOKEN_CLASSES.has(r[2])) continue;
      out.push(r);
      at = r[1];
    }
    return out;
  }

  /**
   * The snippet as text nodes: syntax tokens in <span class="tok-…">, query words in <mark> (a
   * mark may hold several tokens, a token be cut by a mark's edge).
   */
  function appendSnippet(/** @type {HTMLElement} */ parent, /** @type {string} */ text, /** @type {unknown} */ highlights, /** @type {unknown} */ tokens) {
    const marks = ranges(highlights, text.length, false);
    const toks = ranges(tokens, text.length, true);
    const cuts = new Set([0, text.length]);
    for (const r of [...marks, ...toks]) cuts.add(r[0]).add(r[1]);
    const points = [...cuts].sort((a, b) => a - b);
    let m = 0;
    let t = 0;
    /** @type {HTMLElement | null} */
    let mark = null;
    for (let p = 0; p + 1 < points.length; p++) {
      const [a, b] = [points[p], points[p + 1]];
      while (m < marks.length && marks[m][1] <= a) m++;
      while (t < toks.length && toks[t][1] <= a) t++;
      const marked = m < marks.length && marks[m][0] <= a;
      const tok = t < toks.length && toks[t][0] <= a ? toks[t][2] : '';
      const piece = tok ? span(`tok-${tok}`, text.slice(a, b)) : document.createTextNode(text.slice(a, b));
      if (marked) {
        if (!mark) {
          mark = document.createElement('mark');
          parent.append(mark);
        }
        mark.append(piece);
      } else {
        mark = null;
        parent.append(piece);
      }
      // A mark ends where its range does, even if the next piece is marked by the next range.
      if (marked && marks[m][1] === b) mark = null;
    }
  }

  /** The row of result i. */
  function rowOf(/** @type {number} */ i) {
    return /** @type {HTMLElement | null} */ (document.getElementById(`result-${i}`));
  }

  /** The result index of the selected row, or -1 (none, or a file header). */
  function activeResult() {
    return activeEl && activeEl.classList.contains('result') ? Number(activeEl.dataset.index) : -1;
  }

  /** What ↑/↓ walk, in display order: file headers and the rows of unfolded files (grouped), or the rows. */
  function navItems() {
    if (!grouped) return /** @type {HTMLElement[]} */ ([...resultsEl.children]);
    /** @type {HTMLElement[]} */
    const out = [];
    for (const group of resultsEl.children) {
      out.push(/** @type {HTMLElement} */ (group.querySelector('.file-head')));
      if (!group.classList.contains('collapsed')) out.push(.../** @type {NodeListOf<HTMLElement>} */ (group.querySelectorAll('.result')));
    }
    return out;
  }

  /** @param {HTMLElement | null} el */
  function select(el) {
    if (!el) return;
    if (activeEl) {
      activeEl.setAttribute('aria-selected', 'false');
      activeEl.classList.remove('active');
      for (const b of activeEl.querySelectorAll('.result-action')) /** @type {HTMLElement} */ (b).tabIndex = -1;
    }
    activeEl = el;
    el.setAttribute('aria-selected', 'true');
    el.classList.add('active');
    for (const b of el.querySelectorAll('.result-action')) /** @type {HTMLElement} */ (b).tabIndex = 0;
    resultsEl.setAttribute('aria-activedescendant', el.id);
    el.scrollIntoView({ block: 'nearest' });
  }

  /** Moves the selection by `delta` items (clamped); from nothing selected, to the first. */
  function move(/** @type {number} */ delta) {
    const items = navItems();
    if (!items.length) return;
    const at = activeEl ? items.indexOf(activeEl) : -1;
    select(items[at < 0 ? 0 : Math.max(0, Math.min(items.length - 1, at + delta))]);
  }

  /** @param {number} i @param {boolean} toSide */
  function open(i, toSide) {
    if (!results[i]) return;
    remember();
    vscode.postMessage({ type: 'open', seq: resultsSeq, index: i, toSide });
  }

  /** @param {number} i */
  function copy(i) {
    const r = results[i];
    if (!r) return;
    vscode.postMessage({ type: 'copy', seq: resultsSeq, index: i });
    statusEl.textContent = `Copied ${r.rootLabel ? `${r.rootLabel}/` : ''}${r.path}:${r.startLine}`;
  }

  /** Code like result i, in place of the query (the way the Find Similar Code command shows it). */
  function findSimilarTo(/** @type {number} */ i) {
    const r = results[i];
    if (!r) return;
    const label = `${r.rootLabel ? `${r.rootLabel}/` : ''}${r.path}:${r.startLine}-${r.endLine}`;
    const back = similar ? similar.back : queryEl.value;
    setSimilar({ target: { kind: 'span', root: r.root, path: r.path, startLine: r.startLine, endLine: r.endLine }, label, back });
    setResults([], -1);
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
    if (!activeEl) select(rowOf(0));
    const i = activeResult();
    const head = activeEl && activeEl.classList.contains('file-head') ? activeEl : null;
    const key = head ? /** @type {HTMLElement} */ (head.parentElement).dataset.key || '' : i >= 0 ? fileKey(results[i]) : '';
    if (e.key === 'Enter' && e.shiftKey) {
      e.preventDefault();
      if (i >= 0) findSimilarTo(i);
      return;
    }
    // Shift+Alt+C, VS Code's Copy Path (by key position: on macOS Alt changes the character).
    if (e.code === 'KeyC' && e.shiftKey && e.altKey) {
      e.preventDefault();
      if (i >= 0) copy(i);
      return;
    }
    switch (e.key) {
      case 'ArrowDown':
        move(1);
        break;
      case 'ArrowUp':
        if (navItems().indexOf(/** @type {HTMLElement} */ (activeEl)) <= 0) {
          queryEl.focus();
          break;
        }
        move(-1);
        break;
      case 'ArrowLeft':
        // A hit goes to its file's header; a header folds.
        if (!grouped) return;
        if (head) toggleFile(key, true);
        else if (activeEl) select(/** @type {HTMLElement} */ (activeEl.closest('.file-group')?.querySelector('.file-head')));
        break;
      case 'ArrowRight':
        if (!grouped || !head) return;
        if (collapsed.has(key)) toggleFile(key, false);
        else move(1);
        break;
      case 'Home':
        select(navItems()[0]);
        break;
      case 'End':
        select(navItems().at(-1) ?? null);
        break;
      case 'PageDown':
        move(10);
        break;
      case 'PageUp':
        move(-10);
        break;
      case 'Enter':
      case ' ':
        if (head) toggleFile(key, !collapsed.has(key));
        // Ctrl/Cmd+Enter: to the side, as in VS Code's lists.
        else if (i >= 0) open(i, e.ctrlKey || e.metaKey || e.altKey);
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
    if (!activeEl && results.length) select(rowOf(0));
  });

  // ——— status line, notices, empty states, embedder ———

  const ACTION_LABELS = { index: 'Index Workspace', openFolder: 'Open Folder', showProgress: 'Show Progress' };

  function render() {
    const query = queryEl.value.trim();
    // The live region only changes when results arrive, not with every progress tick.
    let line = '';
    const current = similar ? shown.similar === similar : query && !shown.similar && shown.query === query;
    if (shown.error) line = `Search failed: ${shown.error}`;
    else if (current) {
      line = `${results.length} result${results.length === 1 ? '' : 's'}`;
      if (grouped && results.length) {
        const files = new Set(results.map(fileKey)).size;
        line += ` in ${files} file${files === 1 ? '' : 's'}`;
      }
      if (shown.filtered) line += ' · filtered';
      if (shown.coverageText) line += ` · ${shown.coverageText}`;
    }
    if (statusEl.textContent !== line) statusEl.textContent = line;
    groupedToggle.hidden = !results.length;

    const notice = status && status.notice ? String(status.notice) : '';
    noticeEl.hidden = !notice;
    if (noticeEl.textContent !== notice) noticeEl.textContent = notice;
    noticeEl.dataset.phase = status ? status.phase : '';

    const noResults = !results.length;
    emptyEl.hidden = !noResults;
    if (noResults) {
      let text = status ? status.hint + (status.coverageText && !notice ? ` (${status.coverageText})` : '') : '';
      let action = status ? status.action : null;
      if (current && !shown.error && status && status.searchable) {
        const filtered = shown.filtered ? ' Check the filters (files to include, files to exclude, language).' : '';
        text = similar
          ? `No code similar to ${similar.label} found.${filtered || (mode === 'hybrid' ? '' : ' Try Hybrid mode.')}`
          : `No results for “${query}”.${filtered || (mode === 'keyword' ? ' Try Hybrid or Semantic mode.' : ' Try other words, or Keyword mode for exact identifiers.')}`;
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
        // A new question starts with every file unfolded; the same one searched again (indexing moved on) keeps them.
        if ((similar ? '' : msg.query.trim()) !== shown.query || similar !== shown.similar) collapsed.clear();
        shown = { query: similar ? '' : msg.query.trim(), similar, coverageText: String(msg.coverageText || ''), error: '', filtered: Object.keys(filterValues()).length > 0 };
        setResults(Array.isArray(msg.results) ? msg.results : [], msg.seq);
        // Find similar from a row left the keyboard in the list: the new results take the selection.
        if (document.activeElement === resultsEl && results.length) select(rowOf(0));
        render();
        break;
      case 'reindexed':
        // A result's file was indexed again: the same question, asked of the updated index.
        if (queryEl.value.trim() || similar) runSearch();
        break;
      case 'error':
        if (msg.seq !== seq) return;
        document.body.classList.remove('searching');
        shown = { query: similar ? '' : queryEl.value.trim(), similar, coverageText: '', error: String(msg.message), filtered: false };
        setResults([], -1);
        render();
        break;
      case 'history':
        if (Array.isArray(msg.queries)) {
          const walking = walkingHistory() ? history[historyAt] : undefined;
          history = msg.queries.filter((/** @type {unknown} */ q) => typeof q === 'string');
          historyAt = walking !== undefined ? history.lastIndexOf(walking) : -1;
        }
        break;
      case 'prefs': {
        if (Array.isArray(msg.languages)) for (const id of msg.languages) if (typeof id === 'string') addLanguageOption(id);
        const regroup = typeof msg.grouped === 'boolean' && msg.grouped !== grouped;
        if (typeof msg.grouped === 'boolean') grouped = msg.grouped;
        if (typeof msg.filtersShown === 'boolean') filtersShown = msg.filtersShown;
        persist();
        renderGroupedToggle();
        renderFilterToggle();
        if (regroup) renderList();
        render();
        break;
      }
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
        setResults([], -1);
        render();
        runSearch();
        // In the box: ↓ goes to the results, typing asks something else.
        queryEl.focus();
        break;
    }
  });

  renderModes();
  renderGroupedToggle();
  renderFilterToggle();
  render();
  vscode.postMessage({ type: 'ready' });
  queryEl.focus();
  // The view was hidden and shown again (the page reloads): repeat the query it had.
  if (queryEl.value.trim() || similar) runSearch();
})();

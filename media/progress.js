// Semindex index progress panel (runs inside the webview; CSP allows only this nonce'd script).
// The extension sends display strings (src/extension/progressView.ts): first all of them, then only
// the ones that changed. Everything goes in with textContent — never innerHTML.
// @ts-check
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

  /** View field → element whose text it is. */
  const TEXT = {
    phaseLabel: 'progress-phase',
    counts: 'progress-counts',
    throughput: 'progress-throughput',
    eta: 'progress-eta',
    embedder: 'embedder',
    size: 'health-size',
    files: 'health-files',
    chunks: 'health-chunks',
    failed: 'health-failed',
    skipped: 'health-skipped',
    cache: 'health-cache',
    lastFull: 'health-last-full',
    lastIncremental: 'health-last-incremental',
  };
  /** View field → button it enables. */
  const BUTTONS = { canIndex: 'index', canPause: 'pause', canResume: 'resume', canCancel: 'cancel', canRebuild: 'rebuild' };

  /** @type {Record<string, any>} */
  const view = {};

  /** @param {Record<string, any>} diff */
  function apply(diff) {
    Object.assign(view, diff);
    for (const [key, value] of Object.entries(diff)) {
      if (key in TEXT) $(TEXT[/** @type {keyof TEXT} */ (key)]).textContent = String(value);
      else if (key in BUTTONS) /** @type {HTMLButtonElement} */ ($(BUTTONS[/** @type {keyof BUTTONS} */ (key)])).disabled = !value;
    }
    if ('message' in diff) showText('progress-message', diff.message);
    if ('building' in diff) showText('building', diff.building);
    if ('percent' in diff || 'showBar' in diff) renderBar();
    if ('phase' in diff) document.body.dataset.phase = String(view.phase);
  }

  /** @param {string} id @param {unknown} text */
  function showText(id, text) {
    const el = $(id);
    el.textContent = text ? String(text) : '';
    el.hidden = !text;
  }

  function renderBar() {
    const bar = $('progress-bar');
    const fill = $('progress-fill');
    bar.hidden = !view.showBar;
    const known = typeof view.percent === 'number';
    bar.classList.toggle('indeterminate', !known);
    if (known) {
      fill.style.width = `${Math.max(0, Math.min(100, view.percent))}%`;
      bar.setAttribute('aria-valuenow', String(Math.round(view.percent)));
    } else {
      fill.style.width = '';
      bar.removeAttribute('aria-valuenow');
    }
  }

  /** @param {any[]} items @param {number} total */
  function renderProblems(items, total) {
    const list = $('problems');
    list.replaceChildren(
      ...items.map((item, i) => {
        const li = document.createElement('li');
        li.className = `problem ${item.status === 'failed' ? 'failed' : 'skipped'}`;
        const badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = item.status === 'failed' ? 'failed' : 'skipped';
        const open = document.createElement('button');
        open.type = 'button';
        open.className = 'link';
        open.textContent = item.label;
        open.title = `Open ${item.label}`;
        open.setAttribute('aria-label', `Open ${item.label} (${item.status}: ${item.reason})`);
        open.addEventListener('click', () => vscode.postMessage({ type: 'open', index: i }));
        const reason = document.createElement('span');
        reason.className = 'reason';
        reason.textContent = item.reason;
        li.append(badge, open, reason);
        return li;
      }),
    );
    $('problems-count').textContent = total ? `(${total}${total > items.length ? `, first ${items.length} shown` : ''})` : '';
    $('problems-empty').hidden = total > 0;
  }

  for (const id of Object.values(BUTTONS)) {
    const button = $(id);
    button.addEventListener('click', () => vscode.postMessage({ type: 'run', command: button.dataset.command }));
  }

  window.addEventListener('message', (event) => {
    const msg = event.data;
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'state' && msg.view && typeof msg.view === 'object') apply(msg.view);
    else if (msg.type === 'problems' && Array.isArray(msg.items)) renderProblems(msg.items, Number(msg.total) || 0);
  });

  vscode.postMessage({ type: 'ready' });
})();

import * as assert from 'node:assert/strict';
import type { Progress } from '../../src/indexer/indexer';
import type { SearchResult } from '../../src/indexer/search';
import { formatCount, formatPercent, formatRate, plural } from '../../src/extension/format';
import { type IndexState, deriveState, estimate } from '../../src/extension/indexState';
import { diffView, problemItems, progressView } from '../../src/extension/progressView';
import { coverageText, copiedLocation, quickPickItem, searchNotice, searchStatus } from '../../src/extension/searchModel';
import { firstIndexProgress, statusBarView } from '../../src/extension/statusText';
import { facts, notIndexedFacts, progress } from './extension-facts';

/** The display language VS Code reports for English (vscode.env.language). */
const EN = 'en';

const indexing = (p: Partial<Progress> = {}) =>
  deriveState(facts({ fullRun: true, lastRunCoverage: undefined, progress: progress({ phase: 'indexing', filesTotal: 450, filesDone: 279, chunks: 1900, filesPerSec: 35.2, etaSeconds: 12, elapsedSeconds: 8, ...p }) }));

describe('extension index state', () => {
  it('derives each phase from the engine facts', () => {
    assert.equal(deriveState(facts({ hasFolder: false })).phase, 'no-folder');
    assert.equal(deriveState(notIndexedFacts()).phase, 'not-indexed');
    assert.equal(deriveState(facts({ engineOpen: false, progress: undefined, stats: undefined })).phase, 'unloaded');
    assert.equal(deriveState(facts({ transition: 'clearing the index' })).phase, 'loading');
    assert.equal(deriveState(facts({ fullRun: true, progress: progress({ phase: 'idle' }) })).phase, 'scanning');
    assert.equal(indexing().phase, 'indexing');
    assert.equal(indexing({ phase: 'paused' }).phase, 'paused');
    assert.equal(deriveState(facts()).phase, 'ready');
    assert.equal(deriveState(facts({ lastRunCoverage: 0.4 })).phase, 'cancelled');
    assert.equal(deriveState(facts({ engineOpen: false, problem: { kind: 'busy', message: 'cli writes' } })).phase, 'busy');
    assert.equal(deriveState(facts({ engineOpen: false, problem: { kind: 'error', message: 'bad' } })).phase, 'error');
    assert.equal(deriveState(facts({ lastFullRun: undefined, stats: { files: 0, chunks: 0, failed: 0, skipped: 0, bytes: 0, cacheHitRate: undefined }, progress: progress({}) })).phase, 'not-indexed');
  });

  it('reports how much of the workspace searches cover while indexing', () => {
    const s = indexing();
    assert.equal(s.coverage, 279 / 450);
    assert.equal(s.searchable, true);
    assert.equal(coverageText(s, EN), '62% of files indexed');
    assert.equal(coverageText(deriveState(facts()), EN), '');
    assert.equal(coverageText(deriveState(facts({ lastRunCoverage: 0.4 })), EN), '40% of files indexed (indexing was cancelled)');
  });

  it('writes the status bar text UI tests read', () => {
    assert.equal(statusBarView(deriveState(facts()), EN).text, '$(search) Semindex: 12 files, 80 chunks');
    assert.equal(statusBarView(deriveState(facts({ stats: { files: 1, chunks: 1, failed: 2, skipped: 0, bytes: 1, cacheHitRate: undefined } })), EN).text, '$(search) Semindex: 1 file, 1 chunk · $(warning) 2 failed');
    const running = statusBarView(indexing(), EN);
    assert.equal(running.text, '$(sync~spin) Semindex: 279/450 files · 35 files/s · ETA 12s');
    assert.match(running.tooltip, /62%/);
    assert.equal(statusBarView(indexing({ phase: 'paused' }), EN).text, '$(debug-pause) Semindex: paused at 279/450 files');
    const busy = statusBarView(deriveState(facts({ engineOpen: false, problem: { kind: 'busy', message: 'cli pid 4 writes' } })), EN);
    assert.equal(busy.severity, 'warning');
    assert.match(busy.tooltip, /cli pid 4/);
    assert.equal(statusBarView(deriveState(facts({ engineOpen: false, problem: { kind: 'error', message: 'x' } })), EN).severity, 'error');
    assert.doesNotMatch(statusBarView(deriveState(facts()), EN).ariaLabel, /\$\(/);
  });

  it('shows the embedding cache as n/a for the static embedder, a rate for a model', () => {
    assert.equal(progressView(deriveState(facts()), 2_000_000, EN).cache, 'n/a — static embedder re-embeds faster than a cache lookup');
    const model = facts({ embedder: { kind: 'transformers', description: 'MiniLM' }, stats: { files: 1, chunks: 1, failed: 0, skipped: 0, bytes: 1, cacheHitRate: 0.875 } });
    assert.equal(progressView(deriveState(model), 0, EN).cache, '88%');
  });

  it('builds the progress panel view: counts, bar, buttons, last runs', () => {
    const v = progressView(indexing(), 0, EN);
    assert.equal(v.phaseLabel, 'Indexing (62%)');
    assert.equal(v.percent, 62);
    assert.equal(v.counts, '279 / 450 files · 1,900 chunks');
    assert.equal(v.throughput, '35 files/s');
    assert.equal(v.eta, 'ETA 12s');
    assert.deepEqual([v.canIndex, v.canPause, v.canResume, v.canCancel], [false, true, false, true]);
    const idle = progressView(deriveState(facts({ lastIncrementalRun: 1_000_000 + 5 * 60_000 })), 1_000_000 + 10 * 60_000, EN);
    assert.deepEqual([idle.canIndex, idle.canPause, idle.canResume, idle.canCancel, idle.canRebuild], [true, false, false, false, true]);
    assert.equal(idle.lastFull, '10 min ago · 4s · 12 files, 80 chunks');
    assert.equal(idle.lastIncremental, '5 min ago');
    assert.equal(idle.size, '2.0 KiB');
    assert.equal(idle.skipped, '3');
    const paused = progressView(indexing({ phase: 'paused' }), 0, EN);
    assert.deepEqual([paused.canPause, paused.canResume, paused.canCancel], [false, true, true]);
  });

  it('posts only the fields that changed', () => {
    const a = progressView(indexing(), 0, EN);
    const b = progressView(indexing({ filesDone: 300 }), 0, EN);
    assert.deepEqual(Object.keys(diffView(a, b)).sort(), ['counts', 'percent', 'phaseLabel']);
    assert.deepEqual(diffView(a, a), {});
    assert.deepEqual(diffView(undefined, a), a);
  });

  it('lists failed files before skipped ones, labelled by folder when there are several', () => {
    const { items, total } = problemItems(
      [
        { root: 'b', path: 'z.bin', status: 'skipped', reason: 'binary file type (.bin)' },
        { root: 'a', path: 'y.ts', status: 'failed', reason: 'parse error' },
        { root: 'a', path: 'x.ts', status: 'skipped', reason: '' },
      ],
      true,
      2,
    );
    assert.equal(total, 3);
    assert.deepEqual(items, [
      { root: 'a', path: 'y.ts', label: 'a › y.ts', status: 'failed', reason: 'parse error' },
      { root: 'a', path: 'x.ts', label: 'a › x.ts', status: 'skipped', reason: '(no reason recorded)' },
    ]);
  });

  it('tells the search view what to do in each empty state', () => {
    const notIndexed = searchStatus(deriveState(notIndexedFacts()), EN);
    assert.equal(notIndexed.action, 'index');
    assert.match(notIndexed.hint, /^No index yet — Index Workspace/);
    assert.equal(searchStatus(deriveState(facts({ hasFolder: false })), EN).action, 'openFolder');
    const running: IndexState = indexing({ chunks: 0, filesDone: 0 });
    assert.match(searchStatus(running, EN).hint, /results appear as files are indexed/);
    const ready = searchStatus(deriveState(facts()), EN);
    assert.equal(ready.action, null);
    assert.equal(ready.hint, 'Type to search 12 files (80 chunks).');
    assert.equal(ready.embedder, 'static word vectors (test)');
  });

  it('says above the results when they are partial or read-only, and nothing when they are complete', () => {
    const running = indexing({ filesDone: 193 });
    assert.equal(searchNotice(running, EN), `Indexing — ${formatPercent(running.coverage!, EN)} covered, results so far.`);
    assert.match(searchStatus(running, EN).notice, /^Indexing — \d+% covered, results so far\.$/);
    assert.match(searchNotice(indexing({ phase: 'paused' }), EN), /^Indexing paused — \d+% covered, results so far\.$/);
    assert.equal(searchNotice(indexing({ chunks: 0, filesDone: 0 }), EN), '', 'nothing to search yet: the empty state says so');
    const busy = deriveState(facts({ engineOpen: false, problem: { kind: 'busy', message: 'cli writes' } }));
    assert.equal(searchStatus(busy, EN).notice, 'Another window is indexing this workspace — results are read-only.');
    assert.equal(searchNotice(deriveState(facts()), EN), '');
    assert.equal(searchNotice(deriveState(notIndexedFacts()), EN), '');
  });

  it('copies a result as path:line, with the folder first in a multi-root workspace', () => {
    assert.equal(copiedLocation({ root: 'api', path: 'src/http/headers.go', startLine: 12 }, true), 'api/src/http/headers.go:12');
    assert.equal(copiedLocation({ root: '', path: 'src/a.ts', startLine: 3 }, false), 'src/a.ts:3');
    assert.equal(copiedLocation({ root: 'api', path: 'src/a.ts', startLine: 3 }, false), 'src/a.ts:3');
  });

  it('holds rate and ETA back until 3 s have passed and 2% of the files are done', () => {
    const at = (elapsedSeconds: number, filesDone: number) => estimate({ filesTotal: 1000, filesDone, elapsedSeconds, filesPerSec: filesDone / elapsedSeconds, etaSeconds: 42 });
    assert.deepEqual(at(0.5, 400), { filesPerSec: null, etaSeconds: null }, 'too early, however much is done');
    assert.deepEqual(at(2.99, 400), { filesPerSec: null, etaSeconds: null });
    assert.deepEqual(at(60, 19), { filesPerSec: null, etaSeconds: null }, 'too little done, however long it took');
    assert.deepEqual(at(3, 20), { filesPerSec: 20 / 3, etaSeconds: 42 }, 'both thresholds reached');
    assert.deepEqual(estimate({ filesTotal: 0, filesDone: 0, elapsedSeconds: 10, filesPerSec: 0, etaSeconds: undefined }), { filesPerSec: null, etaSeconds: null }, 'total unknown');
    assert.equal(estimate({ filesTotal: 100, filesDone: 100, elapsedSeconds: 10, filesPerSec: 10, etaSeconds: undefined }).etaSeconds, null, 'nothing left');
    // What the user sees: the counts alone, then the counts with rate and ETA.
    const early = indexing({ elapsedSeconds: 0.8 });
    assert.deepEqual([early.filesPerSec, early.etaSeconds], [null, null]);
    assert.equal(statusBarView(early, EN).text, '$(sync~spin) Semindex: 279/450 files');
    assert.deepEqual([progressView(early, 0, EN).throughput, progressView(early, 0, EN).eta], ['', '']);
    assert.equal(statusBarView(indexing({ filesDone: 8 }), EN).text, '$(sync~spin) Semindex: 8/450 files', '8 of 450 is below 2%');
    assert.equal(statusBarView(indexing({ filesDone: 9 }), EN).text, '$(sync~spin) Semindex: 9/450 files · 35 files/s · ETA 12s');
  });

  it('formats numbers for the display language, not a fixed locale', () => {
    assert.equal(formatCount(1234567, 'en'), '1,234,567');
    assert.equal(formatCount(1234567, 'de'), '1.234.567');
    assert.equal(formatCount(1234567, 'fr').replace(/\s/g, ' '), '1 234 567', 'a (narrow) no-break space');
    assert.equal(formatCount(12.6, 'en'), '13');
    assert.equal(formatRate(3.46, 'en'), '3.5 files/s');
    assert.equal(formatRate(3.46, 'de'), '3,5 files/s');
    assert.equal(formatRate(1234.4, 'de'), '1.234 files/s');
    assert.equal(formatPercent(0.62, 'en'), '62%');
    assert.equal(formatPercent(0.62, 'de').replace(/\s/g, ' '), '62 %');
    assert.equal(formatPercent(0.996, 'en'), '99%', 'never 100% before the end');
    assert.equal(formatPercent(0.001, 'en'), '<1%');
    assert.equal(plural(2000, 'chunk', 'de'), '2.000 chunks');
    assert.equal(formatCount(1000, 'not a locale!'), '1,000', 'a malformed language tag falls back to English');
    const big = indexing({ filesTotal: 13616, filesDone: 2500, filesPerSec: 1234.5, etaSeconds: 75 });
    assert.equal(statusBarView(big, 'de').text, '$(sync~spin) Semindex: 2.500/13.616 files · 1.235 files/s · ETA 1m 15s');
    assert.equal(statusBarView(big, 'en').text, '$(sync~spin) Semindex: 2,500/13,616 files · 1,235 files/s · ETA 1m 15s');
    assert.equal(statusBarView(deriveState(facts({ stats: { files: 1716, chunks: 13616, failed: 0, skipped: 0, bytes: 1, cacheHitRate: undefined } })), 'de').text, '$(search) Semindex: 1.716 files, 13.616 chunks');
    assert.equal(progressView(big, 0, 'de').counts, '2.500 / 13.616 files · 1.900 chunks');
    assert.equal(searchStatus(deriveState(facts({ stats: { files: 1716, chunks: 13616, failed: 0, skipped: 0, bytes: 1, cacheHitRate: undefined } })), 'de').hint, 'Type to search 1.716 files (13.616 chunks).');
  });

  it('words the first-index notification from the same state', () => {
    assert.deepEqual(firstIndexProgress(indexing(), EN), { message: '279/450 files · 35 files/s · ETA 12s', percent: 62 });
    assert.deepEqual(firstIndexProgress(indexing({ elapsedSeconds: 1 }), EN), { message: '279/450 files', percent: 62 });
    assert.equal(firstIndexProgress(deriveState(facts({ fullRun: true, progress: progress({ phase: 'scanning' }) })), EN).message, 'listing the workspace files…');
    assert.equal(firstIndexProgress(indexing({ phase: 'finalizing' }), EN).percent, 100);
  });

  it('words Quick Search items as "symbol — path:line" with the first line of the snippet', () => {
    const hit = { root: 'api', path: 'src/http/headers.go', startLine: 12, endLine: 30, symbol: 'ParseHTTPHeader', kind: 'function', language: 'go', snippet: '\n  // ParseHTTPHeader splits a line\nfunc ParseHTTPHeader() {}', score: 1 } satisfies SearchResult;
    assert.deepEqual(quickPickItem(hit, false), { label: 'ParseHTTPHeader — src/http/headers.go:12', detail: '// ParseHTTPHeader splits a line', description: 'function' });
    assert.equal(quickPickItem(hit, true).label, 'ParseHTTPHeader — api/src/http/headers.go:12', 'the folder in a multi-root workspace');
    const window = quickPickItem({ ...hit, symbol: '', kind: 'window', snippet: 'echo $(whoami)' }, false);
    assert.equal(window.label, 'headers.go — src/http/headers.go:12', 'the file name where there is no symbol');
    assert.equal(window.description, '');
    assert.equal(window.detail, 'echo $\u200b(whoami)', 'no codicon from the code');
  });
});

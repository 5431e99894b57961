import * as assert from 'node:assert/strict';
import type { Progress } from '../../src/indexer/indexer';
import { type IndexState, deriveState } from '../../src/extension/indexState';
import { diffView, problemItems, progressView } from '../../src/extension/progressView';
import { coverageText, searchStatus } from '../../src/extension/searchModel';
import { statusBarView } from '../../src/extension/statusText';
import { facts, notIndexedFacts, progress } from './extension-facts';

const indexing = (p: Partial<Progress> = {}) =>
  deriveState(facts({ fullRun: true, lastRunCoverage: undefined, progress: progress({ phase: 'indexing', filesTotal: 450, filesDone: 279, chunks: 1900, filesPerSec: 35.2, etaSeconds: 12, ...p }) }));

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
    assert.equal(coverageText(s), '62% of files indexed');
    assert.equal(coverageText(deriveState(facts())), '');
    assert.equal(coverageText(deriveState(facts({ lastRunCoverage: 0.4 }))), '40% of files indexed (indexing was cancelled)');
  });

  it('writes the status bar text UI tests read', () => {
    assert.equal(statusBarView(deriveState(facts())).text, '$(search) Semindex: 12 files, 80 chunks');
    assert.equal(statusBarView(deriveState(facts({ stats: { files: 1, chunks: 1, failed: 2, skipped: 0, bytes: 1, cacheHitRate: undefined } }))).text, '$(search) Semindex: 1 file, 1 chunk · $(warning) 2 failed');
    const running = statusBarView(indexing());
    assert.equal(running.text, '$(sync~spin) Semindex: 279/450 files · 35 files/s · ETA 12s');
    assert.match(running.tooltip, /62%/);
    assert.equal(statusBarView(indexing({ phase: 'paused' })).text, '$(debug-pause) Semindex: paused at 279/450 files');
    const busy = statusBarView(deriveState(facts({ engineOpen: false, problem: { kind: 'busy', message: 'cli pid 4 writes' } })));
    assert.equal(busy.severity, 'warning');
    assert.match(busy.tooltip, /cli pid 4/);
    assert.equal(statusBarView(deriveState(facts({ engineOpen: false, problem: { kind: 'error', message: 'x' } }))).severity, 'error');
    assert.doesNotMatch(statusBarView(deriveState(facts())).ariaLabel, /\$\(/);
  });

  it('shows the embedding cache as n/a for the static embedder, a rate for a model', () => {
    assert.equal(progressView(deriveState(facts()), 2_000_000).cache, 'n/a — static embedder re-embeds faster than a cache lookup');
    const model = facts({ embedder: { kind: 'transformers', description: 'MiniLM' }, stats: { files: 1, chunks: 1, failed: 0, skipped: 0, bytes: 1, cacheHitRate: 0.875 } });
    assert.equal(progressView(deriveState(model), 0).cache, '88%');
  });

  it('builds the progress panel view: counts, bar, buttons, last runs', () => {
    const v = progressView(indexing(), 0);
    assert.equal(v.phaseLabel, 'Indexing (62%)');
    assert.equal(v.percent, 62);
    assert.equal(v.counts, '279 / 450 files · 1,900 chunks');
    assert.equal(v.throughput, '35 files/s');
    assert.equal(v.eta, 'ETA 12s');
    assert.deepEqual([v.canIndex, v.canPause, v.canResume, v.canCancel], [false, true, false, true]);
    const idle = progressView(deriveState(facts({ lastIncrementalRun: 1_000_000 + 5 * 60_000 })), 1_000_000 + 10 * 60_000);
    assert.deepEqual([idle.canIndex, idle.canPause, idle.canResume, idle.canCancel, idle.canRebuild], [true, false, false, false, true]);
    assert.equal(idle.lastFull, '10 min ago · 4s · 12 files, 80 chunks');
    assert.equal(idle.lastIncremental, '5 min ago');
    assert.equal(idle.size, '2.0 KiB');
    assert.equal(idle.skipped, '3');
    const paused = progressView(indexing({ phase: 'paused' }), 0);
    assert.deepEqual([paused.canPause, paused.canResume, paused.canCancel], [false, true, true]);
  });

  it('posts only the fields that changed', () => {
    const a = progressView(indexing(), 0);
    const b = progressView(indexing({ filesDone: 300 }), 0);
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
    const notIndexed = searchStatus(deriveState(notIndexedFacts()));
    assert.equal(notIndexed.action, 'index');
    assert.match(notIndexed.hint, /not indexed/);
    assert.equal(searchStatus(deriveState(facts({ hasFolder: false }))).action, 'openFolder');
    const running: IndexState = indexing({ chunks: 0, filesDone: 0 });
    assert.match(searchStatus(running).hint, /results appear as files are indexed/);
    const ready = searchStatus(deriveState(facts()));
    assert.equal(ready.action, null);
    assert.equal(ready.hint, 'Type to search 12 files (80 chunks).');
    assert.equal(ready.embedder, 'static word vectors (test)');
  });
});

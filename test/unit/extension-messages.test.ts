import * as assert from 'node:assert/strict';
import { HISTORY_MAX, readHistory, remember } from '../../src/extension/history';
import { engineMode, parseProgressPanelRequest, parseSearchViewRequest } from '../../src/extension/messages';

describe('extension webview messages', () => {
  it('accepts well-formed search view messages', () => {
    assert.deepEqual(parseSearchViewRequest({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseSearchViewRequest({ type: 'search', seq: 3, query: 'parse config', mode: 'semantic', extra: 1 }), { type: 'search', seq: 3, query: 'parse config', mode: 'semantic' });
    assert.deepEqual(parseSearchViewRequest({ type: 'open', root: 'app', path: 'src/a.ts', startLine: 3, endLine: 9 }), { type: 'open', root: 'app', path: 'src/a.ts', startLine: 3, endLine: 9 });
    assert.deepEqual(parseSearchViewRequest({ type: 'run', command: 'index' }), { type: 'run', command: 'index' });
    assert.deepEqual(parseSearchViewRequest({ type: 'remember', query: 'parse config' }), { type: 'remember', query: 'parse config' });
  });

  it('ignores unknown types and malformed fields', () => {
    const bad: unknown[] = [
      null,
      'ready',
      [],
      { type: 'eval', code: 'x' },
      { type: 'search', seq: '1', query: 'q', mode: 'hybrid' },
      { type: 'search', seq: 1, query: 'q'.repeat(1001), mode: 'hybrid' },
      { type: 'search', seq: 1, query: 'q', mode: 'vector' },
      { type: 'open', root: 'app', path: 'a.ts', startLine: 0, endLine: 1 },
      { type: 'open', root: 'app', path: 'a.ts', startLine: 5, endLine: 2 },
      { type: 'open', root: 'app', path: 'a.ts', startLine: 1.5, endLine: 2 },
      { type: 'open', root: 'app', path: '', startLine: 1, endLine: 1 },
      { type: 'open', root: {}, path: 'a.ts', startLine: 1, endLine: 1 },
      { type: 'run', command: 'workbench.action.terminal.new' },
      { type: 'remember', query: '  ' },
      { type: 'remember', query: 'q'.repeat(1001) },
      { type: 'remember', query: ['q'] },
    ];
    for (const m of bad) assert.equal(parseSearchViewRequest(m), undefined, JSON.stringify(m));
  });

  it('accepts only the progress panel commands it offers', () => {
    for (const command of ['index', 'pause', 'resume', 'cancel', 'rebuild']) assert.deepEqual(parseProgressPanelRequest({ type: 'run', command }), { type: 'run', command });
    assert.equal(parseProgressPanelRequest({ type: 'run', command: 'openFolder' }), undefined);
    assert.deepEqual(parseProgressPanelRequest({ type: 'open', root: '', path: 'a.bin' }), { type: 'open', root: '', path: 'a.bin' });
    assert.equal(parseProgressPanelRequest({ type: 'open', root: 'r' }), undefined);
    assert.equal(parseProgressPanelRequest({ type: 'search', seq: 1, query: 'q', mode: 'hybrid' }), undefined);
  });

  it('maps the mode names the view shows to the engine modes', () => {
    assert.equal(engineMode('hybrid'), 'hybrid');
    assert.equal(engineMode('semantic'), 'vector');
    assert.equal(engineMode('keyword'), 'bm25');
  });

  it('keeps the query history: newest last, each query once, at most 50', () => {
    assert.deepEqual(remember([], '  parse config '), ['parse config']);
    assert.deepEqual(remember(['a', 'b', 'c'], 'a'), ['b', 'c', 'a'], 'a repeated query moves to the end');
    assert.deepEqual(remember(['a'], '   '), ['a']);
    const full = Array.from({ length: HISTORY_MAX }, (_, i) => `q${i}`);
    const next = remember(full, 'newest');
    assert.equal(next.length, 50);
    assert.deepEqual([next[0], next.at(-1)], ['q1', 'newest'], 'the oldest is dropped');
    assert.deepEqual(readHistory(['a', 3, '', 'b', null]), ['a', 'b']);
    assert.deepEqual(readHistory({ a: 1 }), []);
    assert.equal(readHistory(Array.from({ length: 80 }, (_, i) => `q${i}`)).length, 50);
  });
});

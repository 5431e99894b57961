import * as assert from 'node:assert/strict';
import type { SearchResult } from '../../src/indexer/search';
import { MAX_SIMILAR_CODE, engineMode, parseProgressPanelRequest, parseResultContext, parseSearchViewRequest } from '../../src/extension/messages';
import { engineTarget, selectionLines, spanLabel, withoutSource } from '../../src/extension/searchModel';
import { HISTORY_MAX, readHistory, remember } from '../../src/extension/history';

describe('extension webview messages', () => {
  it('accepts well-formed search view messages', () => {
    assert.deepEqual(parseSearchViewRequest({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseSearchViewRequest({ type: 'search', seq: 3, query: 'parse config', mode: 'semantic', extra: 1 }), { type: 'search', seq: 3, query: 'parse config', mode: 'semantic' });
    assert.deepEqual(
      parseSearchViewRequest({ type: 'search', seq: 4, query: 'q', mode: 'hybrid', include: 'src, ./lib', exclude: '', language: 'go' }),
      { type: 'search', seq: 4, query: 'q', mode: 'hybrid', include: 'src, ./lib', language: 'go' },
      'filters: only the ones set are kept',
    );
    const span = { kind: 'span', root: 'app', path: 'src/a.ts', startLine: 3, endLine: 9 };
    assert.deepEqual(parseSearchViewRequest({ type: 'similar', seq: 5, target: span, mode: 'hybrid', exclude: 'test' }), { type: 'similar', seq: 5, target: span, mode: 'hybrid', exclude: 'test' });
    // Results are named by their index into the host's list for that seq: the page sends no path.
    assert.deepEqual(parseSearchViewRequest({ type: 'open', seq: 2, index: 3, toSide: true }), { type: 'open', seq: 2, index: 3, toSide: true });
    assert.deepEqual(parseSearchViewRequest({ type: 'copy', seq: 2, index: 0 }), { type: 'copy', seq: 2, index: 0 });
    // A stale result's Re-index button names it the same way: the host resolves its file inside the roots.
    assert.deepEqual(parseSearchViewRequest({ type: 'reindex', seq: 2, index: 1, path: '/etc/passwd' }), { type: 'reindex', seq: 2, index: 1 });
    assert.deepEqual(parseSearchViewRequest({ type: 'prefs', grouped: false, filtersShown: true }), { type: 'prefs', grouped: false, filtersShown: true });
    assert.deepEqual(parseSearchViewRequest({ type: 'run', command: 'index' }), { type: 'run', command: 'index' });
    assert.deepEqual(parseSearchViewRequest({ type: 'remember', query: 'parse config' }), { type: 'remember', query: 'parse config' });
  });

  it('reads a result context menu\'s row context, and nothing else', () => {
    assert.deepEqual(parseResultContext({ webviewSection: 'result', resultSeq: 4, resultIndex: 2, preventDefaultContextMenuItems: true }), { seq: 4, index: 2 });
    for (const bad of [undefined, null, 'result', { webviewSection: 'other', resultSeq: 4, resultIndex: 2 }, { webviewSection: 'result', resultSeq: 4 }, { webviewSection: 'result', resultSeq: '4', resultIndex: 2 }, { webviewSection: 'result', resultSeq: 4, resultIndex: -1 }]) {
      assert.equal(parseResultContext(bad), undefined, JSON.stringify(bad));
    }
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
      { type: 'search', seq: 1, query: 'q', mode: 'hybrid', include: ['src'] },
      { type: 'search', seq: 1, query: 'q', mode: 'hybrid', exclude: 'x'.repeat(1001) },
      { type: 'search', seq: 1, query: 'q', mode: 'hybrid', language: 'x'.repeat(65) },
      { type: 'open', root: 'app', path: 'a.ts', startLine: 1, endLine: 1 },
      { type: 'open', seq: 1, index: -1, toSide: false },
      { type: 'open', seq: 1, index: 1.5, toSide: false },
      { type: 'open', seq: 1, index: 0, toSide: 'yes' },
      { type: 'open', seq: '1', index: 0, toSide: false },
      { type: 'copy', seq: 1 },
      { type: 'reindex', seq: 1 },
      { type: 'reindex', seq: 1, index: -1 },
      { type: 'reindex', root: 'app', path: 'a.ts' },
      { type: 'prefs', grouped: 1, filtersShown: true },
      { type: 'run', command: 'workbench.action.terminal.new' },
      { type: 'remember', query: '  ' },
      { type: 'remember', query: 'q'.repeat(1001) },
      { type: 'remember', query: ['q'] },
    ];
    for (const m of bad) assert.equal(parseSearchViewRequest(m), undefined, JSON.stringify(m));
  });

  it('accepts find-similar requests for a span or a piece of code, and nothing else', () => {
    const span = { kind: 'span', root: 'app', path: 'src/a.ts', startLine: 3, endLine: 9 };
    assert.deepEqual(parseSearchViewRequest({ type: 'similar', seq: 4, target: { ...span, extra: 1 }, mode: 'keyword' }), { type: 'similar', seq: 4, target: span, mode: 'keyword' });
    const from = { root: '', path: 'a.py', startLine: 1, endLine: 2 };
    assert.deepEqual(parseSearchViewRequest({ type: 'similar', seq: 1, target: { kind: 'code', code: 'def f(): pass', from }, mode: 'hybrid' }), {
      type: 'similar',
      seq: 1,
      target: { kind: 'code', code: 'def f(): pass', from },
      mode: 'hybrid',
    });
    assert.deepEqual(parseSearchViewRequest({ type: 'similar', seq: 1, target: { kind: 'code', code: 'x' }, mode: 'hybrid' })?.type, 'similar');
    const bad: unknown[] = [
      { type: 'similar', seq: 1, mode: 'hybrid' },
      { type: 'similar', seq: 1, target: { ...span, kind: 'file' }, mode: 'hybrid' },
      { type: 'similar', seq: 1, target: { ...span, startLine: 9, endLine: 3 }, mode: 'hybrid' },
      { type: 'similar', seq: 1, target: { ...span, path: '' }, mode: 'hybrid' },
      { type: 'similar', seq: 1, target: span, mode: 'vector' },
      { type: 'similar', seq: 'x', target: span, mode: 'hybrid' },
      { type: 'similar', seq: 1, target: { kind: 'code', code: '   ' }, mode: 'hybrid' },
      { type: 'similar', seq: 1, target: { kind: 'code', code: 'x'.repeat(MAX_SIMILAR_CODE + 1) }, mode: 'hybrid' },
      { type: 'similar', seq: 1, target: { kind: 'code', code: 'x', from: { root: '', path: 'a.py', startLine: 0, endLine: 1 } }, mode: 'hybrid' },
      { type: 'similar', seq: 1, target: { kind: 'code', code: 'x', from: 'a.py' }, mode: 'hybrid' },
    ];
    for (const m of bad) assert.equal(parseSearchViewRequest(m), undefined, JSON.stringify(m));
  });

  it('find similar: labels, the engine target, the selection left out, selected lines', () => {
    const span = { root: 'app', path: 'src/a.ts', startLine: 3, endLine: 9 };
    assert.equal(spanLabel(span, false), 'src/a.ts:3-9');
    assert.equal(spanLabel(span, true), 'app/src/a.ts:3-9');
    // The extension labels every root, a single one too: the engine finds the file under root/path.
    assert.deepEqual(engineTarget({ kind: 'span', ...span }), { path: 'app/src/a.ts', startLine: 3, endLine: 9 });
    assert.deepEqual(engineTarget({ kind: 'code', code: 'x', from: span }), { code: 'x' });

    const hit = (path: string, startLine: number, endLine: number, root = 'app'): SearchResult => ({ root, path, startLine, endLine, symbol: '', language: 'typescript', kind: 'function', score: 1, snippet: '' });
    const results = [hit('src/a.ts', 1, 4), hit('src/b.ts', 3, 9), hit('src/a.ts', 10, 12), hit('src/a.ts', 3, 9, 'lib'), hit('src/a.ts', 9, 20)];
    const kept = withoutSource(results, { kind: 'code', code: 'x', from: span }).map((r) => `${r.root}:${r.path}:${r.startLine}`);
    assert.deepEqual(kept, ['app:src/b.ts:3', 'app:src/a.ts:10', 'lib:src/a.ts:3']);
    assert.equal(withoutSource(results, { kind: 'code', code: 'x' }).length, 5);
    assert.equal(withoutSource(results, { kind: 'span', ...span }).length, 5, 'the engine leaves a span out itself');

    assert.deepEqual(selectionLines({ line: 2 }, { line: 8, character: 4 }), { startLine: 3, endLine: 9 });
    assert.deepEqual(selectionLines({ line: 2 }, { line: 9, character: 0 }), { startLine: 3, endLine: 9 }, 'whole lines: the next line is not selected');
    assert.deepEqual(selectionLines({ line: 2 }, { line: 2, character: 0 }), { startLine: 3, endLine: 3 });
  });

  it('accepts only the progress panel commands it offers', () => {
    for (const command of ['index', 'pause', 'resume', 'cancel', 'rebuild']) assert.deepEqual(parseProgressPanelRequest({ type: 'run', command }), { type: 'run', command });
    assert.equal(parseProgressPanelRequest({ type: 'run', command: 'openFolder' }), undefined);
    assert.deepEqual(parseProgressPanelRequest({ type: 'open', index: 2 }), { type: 'open', index: 2 });
    // A path is not how the page names a file (issue 12, item 9): only an index into the host's list.
    assert.equal(parseProgressPanelRequest({ type: 'open', root: '', path: 'a.bin' }), undefined);
    assert.equal(parseProgressPanelRequest({ type: 'open', index: -1 }), undefined);
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

import * as assert from 'node:assert/strict';
import { highlightRanges, queryTerms, snippetView } from '../../src/extension/highlight';

const marked = (text: string, query: string) => highlightRanges(text, queryTerms(query)).map(([s, e]) => text.slice(s, e));

describe('extension highlighting', () => {
  it('takes query words and identifier sub-words, dropping stop words', () => {
    assert.deepEqual(queryTerms('how to parseHttpConfig'), ['parsehttpconfig', 'config', 'parse', 'http']);
    assert.deepEqual(queryTerms('the of'), []);
    assert.deepEqual(queryTerms('max_file_size'), ['max_file_size', 'file', 'size', 'max']);
  });

  it('marks matches case-insensitively, inside identifiers for longer words', () => {
    assert.deepEqual(marked('function parseConfig(text) { return Config.load(text) }', 'config'), ['Config', 'Config']);
    assert.deepEqual(marked('readFile(path)', 'read file'), ['readFile']);
  });

  it('marks short words only as whole words', () => {
    assert.deepEqual(marked('const id = width + idle; id()', 'id'), ['id', 'id']);
  });

  it('returns sorted ranges that never overlap', () => {
    const text = 'configuration config';
    const ranges = highlightRanges(text, queryTerms('configuration config'));
    assert.deepEqual(ranges, [[0, 13], [14, 20]]);
    for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] >= ranges[i - 1][1]);
  });

  it('treats regex characters in queries as text', () => {
    assert.deepEqual(marked('a.b(c) [x]', 'a.b(c'), []);
    assert.deepEqual(highlightRanges('x$y$', ['x$y']), [[0, 3]]);
  });

  it('shows a snippet without common indentation, trailing blank lines or endless lines', () => {
    const v = snippetView('    if (a) {\n      b();\n    }\n\n\n', 8);
    assert.equal(v.text, 'if (a) {\n  b();\n}');
    assert.equal(v.moreLines, 0);
    const long = snippetView(`${'x'.repeat(500)}\nl2\nl3\nl4`, 2, 100);
    assert.equal(long.text, `${'x'.repeat(100)}…\nl2`);
    assert.equal(long.moreLines, 2);
  });
});

import * as assert from 'node:assert/strict';
import { highlightRanges, queryTerms, snippetView } from '../../src/extension/highlight';
import { TOKEN_CLASSES, syntaxTokens } from '../../src/extension/syntax';

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

describe('extension syntax colour (Prism tokens for snippets)', () => {
  it('gives sorted, non-overlapping token ranges of the fixed classes, for each shipped grammar', () => {
    const samples: Record<string, string> = {
      typescript: 'export function parseConfig(text: string): Config {\n  return JSON.parse(text) as Config; // cast\n}',
      python: 'def compute(a, b):\n    """Doc."""\n    return a + 1  # add',
      go: 'func ParseHTTPHeader(line string) (string, error) {\n\treturn "", nil\n}',
      rust: 'pub fn crc(data: &[u8]) -> u32 { let mut c = 0u32; c }',
      java: 'public class Invoice { private int total = 0; }',
      c: '#include <stdint.h>\nuint32_t crc32(const uint8_t *p) { return 0; }',
      cpp: 'template <typename T> T max(T a, T b) { return a > b ? a : b; }',
      csharp: 'public sealed class A { public string Name { get; set; } = "x"; }',
      ruby: 'def shout(text)\n  text.upcase + "!"\nend',
      php: '<?php function f($a) { return $a . "x"; }',
      markdown: '# Title\n\nSome `code` here.',
    };
    for (const [language, text] of Object.entries(samples)) {
      const tokens = syntaxTokens(text, language);
      assert.ok(tokens.length > 2, `${language}: ${JSON.stringify(tokens)}`);
      let at = 0;
      for (const [start, end, cls] of tokens) {
        assert.ok(start >= at && end > start && end <= text.length, `${language}: ${start}-${end}`);
        assert.ok((TOKEN_CLASSES as readonly string[]).includes(cls), cls);
        at = end;
      }
    }
  });

  it('marks keywords, strings, comments, numbers and functions where they are', () => {
    const text = 'def parse_config(path):\n    return open(path, "r", 42)  # read it';
    const tokens = syntaxTokens(text, 'python');
    const of = (cls: string) => tokens.filter((t) => t[2] === cls).map(([s, e]) => text.slice(s, e));
    assert.deepEqual(of('keyword'), ['def', 'return']);
    assert.deepEqual(of('function'), ['parse_config']);
    assert.deepEqual(of('type'), ['open'], 'a builtin');
    assert.deepEqual(of('string'), ['"r"']);
    assert.deepEqual(of('number'), ['42']);
    assert.deepEqual(of('comment'), ['# read it']);
  });

  it('leaves text of no grammar, and very long snippets, plain', () => {
    assert.deepEqual(syntaxTokens('just words', 'text'), []);
    assert.deepEqual(syntaxTokens('x = 1', 'no-such-language'), []);
    assert.deepEqual(syntaxTokens('x = 1;'.repeat(2000), 'javascript'), []);
    assert.deepEqual(syntaxTokens('', 'python'), []);
  });

  it('tokenizes 30 results of 8 lines in a few milliseconds', () => {
    const snippet = Array.from({ length: 8 }, (_, i) => `  const value${i} = compute(input, ${i}, "label"); // step ${i}`).join('\n');
    syntaxTokens(snippet, 'typescript'); // warm up
    const t0 = performance.now();
    for (let i = 0; i < 30; i++) syntaxTokens(snippet, 'typescript');
    const ms = performance.now() - t0;
    assert.ok(ms < 100, `${ms.toFixed(1)} ms`);
  });
});

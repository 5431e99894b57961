// Identifier-aware tokenization (src/indexer/tokens.ts): the BM25 field and the embedder's words.
import assert from 'node:assert/strict';
import { analyze, bm25Term, ftsText, legacyQueryText, nameField, nameWords, queryText, splitIdentifier, wordsOf } from '../../src/indexer/tokens';

describe('tokens', () => {
  it('split identifiers at case changes, acronyms, digits, _ and $', () => {
    assert.deepEqual(splitIdentifier('parseHTTPHeader2'), ['parse', 'http', 'header', '2']);
    assert.deepEqual(splitIdentifier('PARSE_HEADER'), ['parse', 'header']);
    assert.deepEqual(splitIdentifier('__init__'), ['init']);
    assert.deepEqual(splitIdentifier('$scope'), ['scope']);
    assert.deepEqual(splitIdentifier('getX'), ['get', 'x']);
    assert.deepEqual(splitIdentifier('ABc'), ['a', 'bc']);
    assert.deepEqual(splitIdentifier('utf8Decode'), ['utf', '8', 'decode']);
    assert.deepEqual(splitIdentifier('ÉcoleNormale'), ['école', 'normale']);
  });

  it('give the embedder every sub-word but single letters and numbers', () => {
    assert.deepEqual(wordsOf('const x = parseHTTPHeader2(buf_len, 42);'), ['const', 'parse', 'http', 'header', 'buf', 'len']);
    assert.deepEqual(wordsOf('12 + 3; {}'), []);
  });

  it('put each identifier whole and in parts into the BM25 field, stemmed, without stop words', () => {
    // parseHeaders → "parseheaders" (a name: lower-cased, not stemmed) + its parts stemmed; `the`
    // and `if` are stop words; a one-part identifier is a word and is stemmed.
    assert.equal(ftsText('if (the) parseHeaders'), 'parseheaders pars header');
    assert.equal(ftsText('headers = parsing'), 'header pars');
    assert.equal(bm25Term('parsing'), bm25Term('parse'));
    assert.equal(bm25Term('headers'), 'header');
    assert.equal(bm25Term('the'), '');
    assert.equal(bm25Term('while'), '');
    assert.equal(ftsText('x = 1 + y'), '', 'single letters and numbers are no terms');
  });

  it('give both views from one pass, the same as asked for one by one', () => {
    const text = 'export function readConfigFile(path: string): Config {\n  // Reads the JSON config\n  return JSON.parse(fs.readFileSync(path, "utf8"));\n}';
    const a = analyze(text);
    assert.equal(a.fts, ftsText(text));
    assert.deepEqual(a.words, wordsOf(text));
    // Cached identifiers give the same answer the second time.
    assert.deepEqual(analyze(text), a);
  });

  it('take a number literal whole: hex literals are terms, other numbers nothing', () => {
    // `0x1F` is a number, not the identifier `x1F`; a suffix (`10UL`) is not a word either.
    assert.equal(ftsText('writel(0x1F, base + 10UL); udelay(42);'), 'writel 0x1f base udelay');
    assert.deepEqual(wordsOf('mask = 0xFFFF_0000 | 0b1010 | 1e3;'), ['mask']);
    assert.equal(ftsText('reg_0x10'), 'reg0x10 reg 10', 'inside an identifier, digits stay parts as before');
    assert.ok(queryText('bar at 0x1F').split(' ').includes('0x1f'), 'a query for a hex literal meets it');
  });

  it('query an index of the older format with unstemmed words (that index stems by itself)', () => {
    assert.equal(legacyQueryText('parseHeaders, of files!'), 'parseheaders of files parseheaders parse headers of files');
  });

  it('handle letters whose lower case is longer (U+0130)', () => {
    assert.deepEqual(wordsOf('İstanbulCity kernelPanic'), [...splitIdentifier('İstanbulCity'), 'kernel', 'panic'].filter((w) => w.length > 1));
  });

  it('cut names for the name match and the name field: stop words that are names kept, fillers dropped', () => {
    assert.deepEqual(nameWords('baseHas'), ['base', 'has']);
    assert.deepEqual(nameWords('isKey'), ['key']);
    assert.deepEqual(nameWords('forEachOnce'), ['each', 'onc']);
    assert.equal(nameField('LRUCache.has', 'src/lru_cache.py'), 'lru cach has');
  });
});

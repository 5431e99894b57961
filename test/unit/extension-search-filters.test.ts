import * as assert from 'node:assert/strict';
import picomatch from 'picomatch';
import { engineFilters, searchGlob } from '../../src/extension/searchFilters';
import { LANGUAGE_IDS } from '../../src/indexer/languages';

/** Whether a result path matches a Search-view pattern list, the way the engine matches `path`. */
const matches = (input: string, p: string) => picomatch(searchGlob(input)!, { dot: true })(p);

describe('extension search filters (the Search view\'s include/exclude convention)', () => {
  it('a bare name matches a folder or file of that name at any depth, and everything under a folder', () => {
    assert.ok(matches('src', 'src/a.ts'));
    assert.ok(matches('src', 'packages/core/src/deep/a.ts'));
    assert.ok(matches('http', 'src/http/headers.go'));
    assert.ok(matches('headers.go', 'src/http/headers.go'));
    assert.ok(!matches('src', 'source/a.ts'));
    assert.ok(!matches('http', 'src/https/a.go'));
  });

  it('./ anchors at the workspace folder; globs work as typed; commas separate patterns', () => {
    assert.ok(matches('./src', 'src/a.ts'));
    assert.ok(!matches('./src', 'lib/src/a.ts'));
    assert.ok(matches('*.py', 'src/text/levenshtein.py'), '*.py at any depth');
    assert.ok(!matches('*.py', 'src/a.ts'));
    assert.ok(matches('./src/**/*.go', 'src/http/headers.go'));
    assert.ok(matches('src, lib', 'lib/distance.py') && matches('src, lib', 'src/a.ts'));
    assert.ok(!matches('src, lib', 'test/a.ts'));
    assert.ok(matches('src\\http', 'src/http/headers.go'), 'backslashes are separators');
    assert.ok(matches('src/', 'src/a.ts'), 'a trailing slash names the folder');
  });

  it('nothing typed is no filter; engine options carry only what is set', () => {
    assert.equal(searchGlob(''), undefined);
    assert.equal(searchGlob(' , ,'), undefined);
    assert.equal(searchGlob(undefined), undefined);
    assert.deepEqual(engineFilters({}), { path: undefined, exclude: undefined, language: undefined });
    assert.deepEqual(engineFilters({ include: './src', exclude: 'test', language: ' go ' }), { path: '{src,src/**}', exclude: '{test,test/**,**/test,**/test/**}', language: 'go' });
  });

  it('offers every language id the scanner gives', () => {
    for (const id of ['typescript', 'python', 'go', 'rust', 'markdown', 'text']) assert.ok(LANGUAGE_IDS.includes(id), id);
    assert.equal(new Set(LANGUAGE_IDS).size, LANGUAGE_IDS.length);
  });
});

import * as assert from 'node:assert/strict';
import { rebuildQuestion } from '../../src/extension/prompts';

describe('extension prompts', () => {
  it('asks before a rebuild, and says that a model embedder takes hours', () => {
    const model = rebuildQuestion('transformers', 12345, 'en');
    assert.equal(model.action, 'Rebuild');
    assert.match(model.detail, /all 12,345 files/);
    assert.match(model.detail, /takes hours/);
    assert.match(model.detail, /Cancel leaves the index as it is/);
    const fast = rebuildQuestion('static', 0, 'de');
    assert.doesNotMatch(fast.detail, /hours/);
    assert.match(fast.detail, /every file/);
    assert.equal(rebuildQuestion('static', 2000, 'de').detail.includes('2.000 files'), true, 'numbers in the display language');
  });
});

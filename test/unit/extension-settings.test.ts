import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { SemindexError } from '../../src/indexer/errors';
import { DEFAULT_SETTINGS, type SettingKey, type Settings, changedKeys, indexerOptions, needsReindex, readSettings, resolveModelPath } from '../../src/extension/settings';

const from = (values: Partial<Record<SettingKey, unknown>>) => readSettings((key) => values[key]);

describe('extension settings', () => {
  it('reads the defaults when nothing is set', () => {
    assert.deepEqual(from({}), { ...DEFAULT_SETTINGS });
  });

  it('replaces values of the wrong type or out of range by the default', () => {
    const s = from({ include: 'src/**', exclude: ['vendor/**', 3, '', '  gen/** '], maxFileSize: 'big', workers: -2, embedder: 'openai', modelPath: 42, indexOnStartup: 'yes' });
    assert.deepEqual(s.include, []);
    assert.deepEqual(s.exclude, ['vendor/**', 'gen/**']);
    assert.equal(s.maxFileSize, DEFAULT_SETTINGS.maxFileSize);
    assert.equal(s.workers, 0);
    assert.equal(s.embedder, 'static');
    assert.equal(s.modelPath, '');
    assert.equal(s.indexOnStartup, true);
  });

  it('names the keys that changed', () => {
    const a = from({});
    const b = from({ exclude: ['x/**'], watchExternalChanges: false });
    assert.deepEqual(changedKeys(a, b).sort(), ['exclude', 'watchExternalChanges']);
    assert.deepEqual(changedKeys(a, from({})), []);
  });

  it('re-indexes for what the engine sees, not for UI-only settings', () => {
    const a = from({});
    assert.equal(needsReindex(['exclude'], a, a), true);
    assert.equal(needsReindex(['maxFileSize'], a, a), true);
    assert.equal(needsReindex(['respectGitignore'], a, a), true);
    assert.equal(needsReindex(['allowSecretFiles'], a, a), true);
    assert.equal(needsReindex(['watchExternalChanges', 'indexOnStartup'], a, a), false);
    // The model folder matters only to the transformers embedder.
    assert.equal(needsReindex(['modelPath'], a, from({ modelPath: '/m' })), false);
    const t = from({ embedder: 'transformers', modelPath: '/m' });
    assert.equal(needsReindex(['modelPath'], t, { ...t, modelPath: '/n' }), true);
  });

  it('builds engine options: workers 0 means auto, gitignore flag, owner vscode', () => {
    const roots = [{ name: 'ws', path: '/ws' }];
    const opts = indexerOptions(from({ exclude: ['a/**'], allowSecretFiles: ['test/keys/*.pem', 7], maxFileSize: 10, respectGitignore: false }), roots, '/store');
    assert.deepEqual(opts, {
      storeDir: '/store',
      roots,
      embedder: { kind: 'static' },
      workers: undefined,
      include: [],
      exclude: ['a/**'],
      allowSecretFiles: ['test/keys/*.pem'],
      maxFileSize: 10,
      useGitignore: false,
      owner: 'vscode',
      lockWaitMs: 15_000,
    });
    assert.equal(indexerOptions(from({ workers: 3 }), roots, '/store').workers, 3);
  });

  it('refuses the transformers embedder without a model folder, naming the setting', () => {
    assert.throws(
      () => indexerOptions(from({ embedder: 'transformers' }), [{ name: 'ws', path: '/ws' }], '/store'),
      (err: unknown) => SemindexError.is(err, 'SETTINGS') && err.setting === 'semindex.modelPath' && /modelPath/.test(err.message),
    );
  });

  it('resolves the model folder: absolute, ~, or relative to the first workspace folder', () => {
    const roots = [{ name: 'ws', path: path.resolve('/ws') }];
    const opts = (modelPath: string) => indexerOptions({ ...from({}), embedder: 'transformers', modelPath } as Settings, roots, '/store').embedder;
    assert.deepEqual(opts('models/mini'), { kind: 'transformers', modelDir: path.resolve('/ws/models/mini') });
    assert.deepEqual(opts(path.resolve('/opt/m')), { kind: 'transformers', modelDir: path.resolve('/opt/m') });
    assert.equal(resolveModelPath('~/m', '/ws'), path.join(os.homedir(), 'm'));
  });
});

// The extension's settings as one typed value, and what a change of them means for the index.
// No `vscode` here: config.ts reads the raw values and hands them to `readSettings`, so the
// sanitising and the "which change needs a re-index" rules are unit-tested on their own.
import * as os from 'node:os';
import * as path from 'node:path';
import { SemindexError } from '../indexer/errors';
import type { IndexerOptions } from '../indexer/indexer';
import type { Root } from '../indexer/scan';

/** Section of every setting: `semindex.include`, `semindex.embedder`, … */
export const SECTION = 'semindex';

export type EmbedderKind = 'static' | 'transformers';

export interface Settings {
  include: string[];
  exclude: string[];
  /** Globs of files indexed although a secret rule would skip them (indexer/secrets.ts). */
  allowSecretFiles: string[];
  maxFileSize: number;
  /** 0 = let the engine pick (cores − 1). */
  workers: number;
  embedder: EmbedderKind;
  /** Model folder for the transformers embedder; "" when unset. */
  modelPath: string;
  indexOnStartup: boolean;
  watchExternalChanges: boolean;
  respectGitignore: boolean;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  include: [],
  exclude: [],
  allowSecretFiles: [],
  maxFileSize: 1024 * 1024,
  workers: 0,
  embedder: 'static',
  modelPath: '',
  indexOnStartup: true,
  watchExternalChanges: true,
  respectGitignore: true,
});

export type SettingKey = keyof Settings;

/** One settings edit: the readings before and after it, and the keys that differ. */
export interface SettingsChange {
  before: Settings;
  after: Settings;
  changed: SettingKey[];
}

/** Settings the engine is opened with: changing one reopens the indexer and runs `index()`. */
const INDEX_KEYS: readonly SettingKey[] = ['include', 'exclude', 'allowSecretFiles', 'maxFileSize', 'workers', 'embedder', 'modelPath', 'respectGitignore'];

/**
 * Reads every setting through `get` (a `WorkspaceConfiguration.get` for the section), replacing
 * values of the wrong type or out of range by the default: a hand-edited settings.json must not
 * reach the engine as `maxFileSize: "big"`.
 */
export function readSettings(get: (key: SettingKey) => unknown): Settings {
  const strings = (key: 'include' | 'exclude' | 'allowSecretFiles'): string[] => {
    const v = get(key);
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s.trim() !== '').map((s) => s.trim()) : [];
  };
  const int = (key: 'maxFileSize' | 'workers', min: number): number => {
    const v = get(key);
    return typeof v === 'number' && Number.isFinite(v) && v >= min ? Math.floor(v) : DEFAULT_SETTINGS[key];
  };
  const bool = (key: 'indexOnStartup' | 'watchExternalChanges' | 'respectGitignore'): boolean => {
    const v = get(key);
    return typeof v === 'boolean' ? v : DEFAULT_SETTINGS[key];
  };
  const embedder = get('embedder');
  const modelPath = get('modelPath');
  return {
    include: strings('include'),
    exclude: strings('exclude'),
    allowSecretFiles: strings('allowSecretFiles'),
    maxFileSize: int('maxFileSize', 1),
    workers: int('workers', 0),
    embedder: embedder === 'transformers' ? 'transformers' : 'static',
    modelPath: typeof modelPath === 'string' ? modelPath.trim() : '',
    indexOnStartup: bool('indexOnStartup'),
    watchExternalChanges: bool('watchExternalChanges'),
    respectGitignore: bool('respectGitignore'),
  };
}

/** Keys whose value differs between two readings. */
export function changedKeys(before: Settings, after: Settings): SettingKey[] {
  return (Object.keys(after) as SettingKey[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** True when the change alters what or how the engine indexes (reopen + `index()`). */
export function needsReindex(changed: readonly SettingKey[], before: Settings, after: Settings): boolean {
  // The model folder only matters to the transformers embedder.
  return changed.some((k) => INDEX_KEYS.includes(k) && (k !== 'modelPath' || before.embedder === 'transformers' || after.embedder === 'transformers'));
}

/** A setting that cannot work as given: SemindexError 'SETTINGS'; the message says what to do, `setting` which one to open. */
const settingsError = (message: string, setting: string) => new SemindexError('SETTINGS', message, { setting });

/**
 * The model folder as an absolute path: `~` is the home folder, a relative path is taken from
 * the first workspace folder (where a checked-in `models/` folder would live).
 */
export function resolveModelPath(modelPath: string, baseDir: string | undefined): string {
  if (modelPath === '~' || modelPath.startsWith('~/') || modelPath.startsWith('~\\')) return path.join(os.homedir(), modelPath.slice(1));
  if (path.isAbsolute(modelPath) || !baseDir) return path.resolve(modelPath);
  return path.resolve(baseDir, modelPath);
}

/** Options for `Indexer.open`; throws SemindexError 'SETTINGS' when the settings cannot be used. */
export function indexerOptions(settings: Settings, roots: Root[], storeDir: string): IndexerOptions {
  let embedder: IndexerOptions['embedder'] = { kind: 'static' };
  if (settings.embedder === 'transformers') {
    if (!settings.modelPath) {
      throw settingsError(
        'The transformers embedder needs a local model folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx): set "semindex.modelPath", or switch "semindex.embedder" back to static.',
        `${SECTION}.modelPath`,
      );
    }
    embedder = { kind: 'transformers', modelDir: resolveModelPath(settings.modelPath, roots[0]?.path) };
  }
  return {
    storeDir,
    roots,
    embedder,
    workers: settings.workers > 0 ? settings.workers : undefined,
    include: settings.include,
    exclude: settings.exclude,
    allowSecretFiles: settings.allowSecretFiles,
    maxFileSize: settings.maxFileSize,
    useGitignore: settings.respectGitignore,
    owner: 'vscode',
    // After "Reload Window" the previous extension host may still be writing its last batches.
    lockWaitMs: 15_000,
  };
}

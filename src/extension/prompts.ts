// Wording of the questions the extension asks before costly or destructive work. Pure, so what a
// user is told (and that a model embedder's cost is spelled out) is unit-tested.
import type { EmbedderKind } from './settings';
import { plural } from './format';

export interface Question {
  message: string;
  detail: string;
  /** The button that goes ahead; the dialog's own Cancel (or Escape) declines. */
  action: string;
}

/** Before Rebuild Index: the index is deleted and every file embedded again. */
export function rebuildQuestion(embedder: EmbedderKind, files: number, locale: string): Question {
  const what = files > 0 ? `all ${plural(files, 'file', locale)}` : 'every file';
  const cost =
    embedder === 'transformers'
      ? `With the transformers embedder the model embeds every chunk again: on a large workspace that takes hours, with the CPU busy.`
      : 'With the static embedder this takes seconds to minutes, depending on the size of the workspace.';
  return {
    message: 'Rebuild the Semindex index from scratch?',
    detail: `The index is deleted and ${what} are read, chunked and embedded again. ${cost} Until then search covers only what is indexed again. Cancel leaves the index as it is.`,
    action: 'Rebuild',
  };
}

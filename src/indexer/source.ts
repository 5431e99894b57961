// Indexed code read back from its file (issue 15): the store keeps no chunk text, only what search
// needs (the BM25 field, the vector, a hash of the code). A result's snippet is its lines of the
// file as it is now, decoded and redacted the way the worker read it, and shown only when they
// still hash to the row's text hash (docpairs.ts#bodyHash); otherwise the result says the file
// changed (or is gone) instead of showing other lines.
import * as fs from 'node:fs';
import { bodyHash } from './docpairs';
import { type Root, resolveInRoots } from './scan';
import { redactSecrets } from './secrets';

/** Why a result's code cannot be shown: its file changed since it was indexed, or is gone or unreadable. */
export type Staleness = 'changed' | 'missing';

/** The indexed code of a chunk, or why it cannot be had. */
export type ChunkText = { text: string; stale?: undefined } | { text?: undefined; stale: Staleness };

/** A chunk to read back: its file (root label, path inside it), lines, and the hash its text had. */
export interface ChunkSpan {
  root: string;
  path: string;
  startLine: number;
  endLine: number;
  textHash: string;
  /** Lance row id (a store-backed reader of an old index reads by it). */
  rowId?: bigint;
}

/** Reads the code of chunks: from their files (format ≥ 7), or from the store (older indices). */
export interface ChunkTexts {
  texts(spans: readonly ChunkSpan[]): Promise<ChunkText[]>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** A file's bytes as the worker chunks them: UTF-8, or Latin-1 when it is not; no byte-order mark. */
export function decodeSource(bytes: Uint8Array): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    // Not UTF-8: most such source files are Latin-1/Windows-1252; index them as that rather than drop them.
    text = latin1.decode(bytes);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Rows startLine..endLine (1-based, inclusive) of a text as the chunker cuts them (chunk.ts Lines:
 * rows split at `\n`, the last row's `\r` left out, those inside kept), or undefined when the text
 * has fewer rows.
 */
export function textLines(text: string, startLine: number, endLine: number): string | undefined {
  if (startLine < 1 || endLine < startLine) return undefined;
  let start = 0;
  for (let row = 1; row < startLine; row++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  let end = start;
  for (let row = startLine; ; row++) {
    const nl = text.indexOf('\n', end);
    if (row === endLine) {
      end = nl < 0 ? text.length : nl;
      break;
    }
    if (nl < 0) return undefined;
    end = nl + 1;
  }
  if (end > start && text.charCodeAt(end - 1) === 13) end--;
  return text.slice(start, end);
}

/**
 * A file read for display is at most this large: a file that grew past it (a log, a generated file
 * in an indexed path) is reported unreadable rather than read whole for a snippet.
 */
const MAX_SOURCE_BYTES = 32 * 1024 * 1024;
/** Files read at once for one search's results. */
const READ_CONCURRENCY = 16;

/** The file's text as the worker chunked it (decoded, tokens redacted), or undefined when it is gone or unreadable. */
async function readSource(abs: string): Promise<string | undefined> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    // O_NONBLOCK: a path that became a FIFO since it was indexed answers at once instead of hanging.
    handle = await fs.promises.open(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_SOURCE_BYTES) return undefined;
    return redactSecrets(decodeSource(await handle.readFile())).text;
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Runs `fn` over items, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Chunk texts from the files under these roots. Spans are grouped by file and each file is read
 * once, the files side by side; a span's lines are shown when they hash as the row's did.
 */
export class SourceFiles implements ChunkTexts {
  constructor(private readonly roots: readonly Root[]) {}

  async texts(spans: readonly ChunkSpan[]): Promise<ChunkText[]> {
    const out: ChunkText[] = spans.map(() => ({ stale: 'missing' }));
    const byFile = new Map<string, number[]>();
    spans.forEach((s, i) => {
      const abs = resolveInRoots(this.roots, s.root, s.path);
      if (abs) (byFile.get(abs) ?? byFile.set(abs, []).get(abs)!).push(i);
    });
    await eachLimited([...byFile], READ_CONCURRENCY, async ([abs, at]) => {
      const text = await readSource(abs);
      if (text === undefined) return;
      for (const i of at) {
        const s = spans[i];
        const lines = textLines(text, s.startLine, s.endLine);
        out[i] = lines !== undefined && bodyHash(lines) === s.textHash ? { text: lines } : { stale: 'changed' };
      }
    });
    return out;
  }
}

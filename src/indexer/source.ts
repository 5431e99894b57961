// Indexed code read back from its file (issue 15): the store keeps no chunk text, only what search
// needs (the BM25 field, the vector, a hash of the code). A result's snippet is its lines of the
// file as it is now, decoded and redacted the way the worker read it, and shown only when they
// still hash to the row's text hash (docpairs.ts#bodyHash); otherwise the result says the file
// changed (or is gone) instead of showing other lines.
import { isUtf8 } from 'node:buffer';
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

/** Reads the code of chunks: from their files (format ≥ 8), or from the store (older indices). */
export interface ChunkTexts {
  texts(spans: readonly ChunkSpan[]): Promise<ChunkText[]>;
}

const latin1 = new TextDecoder('latin1');

/**
 * How the worker reads a file's bytes: as UTF-8 when they are valid UTF-8, from after a byte-order
 * mark; otherwise as Windows-1252 (TextDecoder's `latin1`: most such source files are
 * Latin-1/Windows-1252; indexed as that rather than dropped).
 */
function encodingOf(bytes: Buffer): { utf8: boolean; start: number } {
  const utf8 = isUtf8(bytes);
  return { utf8, start: utf8 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0 };
}

/** A file's bytes as the worker chunks them (encodingOf). */
export function decodeSource(bytes: Buffer): string {
  const { utf8, start } = encodingOf(bytes);
  return utf8 ? bytes.toString('utf8', start) : latin1.decode(bytes);
}

/**
 * Rows a token rule of secrets.ts may reach back over: the AWS secret key's name may stand a line
 * or more above its value (`aws_secret_access_key =\n  "…"`). A chunk's rows are redacted with
 * this many rows above them, as the worker redacted the whole file; a match that starts further up
 * leaves the value unredacted here, so the rows no longer hash as indexed: the result is `changed`,
 * never the token.
 */
const REDACT_CONTEXT_ROWS = 8;

/**
 * The rows of a file's bytes as the worker read and the chunker cut them, without decoding or
 * redacting the whole file: `lines(startLine, endLine)` (1-based, inclusive) decodes only those rows
 * (and a few above, for redaction) as the worker decodes the whole file (encodingOf) — with
 * well-known tokens redacted, rows split
 * at `\n`, the last row's `\r` left out and those inside kept (chunk.ts Lines). Undefined when the
 * file has fewer rows. Measured on an 840 KB header: decoding and redacting it whole took 2.9–3.6 ms,
 * the last 30 rows this way ~1 ms (finding the line breaks before them); a top 10's code, over 400
 * queries of the 10k C corpus, p50 0.8–0.9 and p95 1.5–2.2 ms (2.2–8.3 ms at p95 decoding whole files).
 */
export function sourceLines(bytes: Buffer): (startLine: number, endLine: number) => string | undefined {
  const { utf8, start } = encodingOf(bytes);
  /** starts[i]: byte offset of row i + 1, for the first `known` rows; grown on demand (a typed array: pushing to a plain one cost more than the search). */
  let starts = new Int32Array(256);
  starts[0] = start;
  let known = 1;
  const rowStart = (row: number): number | undefined => {
    while (known < row) {
      const nl = bytes.indexOf(10, starts[known - 1]);
      if (nl < 0) return undefined;
      if (known === starts.length) {
        const grown = new Int32Array(known * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[known++] = nl + 1;
    }
    return starts[row - 1];
  };
  const decode = (a: number, b: number) => (utf8 ? bytes.toString('utf8', a, b) : latin1.decode(bytes.subarray(a, b)));
  return (startLine, endLine) => {
    if (startLine < 1 || endLine < startLine) return undefined;
    const from = Math.max(1, startLine - REDACT_CONTEXT_ROWS);
    const a = rowStart(from);
    const last = rowStart(endLine);
    if (a === undefined || last === undefined) return undefined;
    const nl = bytes.indexOf(10, last);
    let b = nl < 0 ? bytes.length : nl;
    if (b > last && bytes[b - 1] === 13) b--;
    // Token markers never hold a line break: the context rows are cut off again by counting them.
    const text = redactSecrets(decode(a, b)).text;
    let at = 0;
    for (let row = from; row < startLine; row++) at = text.indexOf('\n', at) + 1;
    return text.slice(at);
  };
}

/**
 * A file read for display is at most this large: a file that grew past it (a log, a generated file
 * in an indexed path) is reported unreadable rather than read whole for a snippet.
 */
const MAX_SOURCE_BYTES = 32 * 1024 * 1024;
/** Files read at once for one search's results. */
const READ_CONCURRENCY = 16;

/** The file's bytes, or undefined when it is gone, unreadable, not a regular file or over MAX_SOURCE_BYTES. */
async function readSource(abs: string): Promise<Buffer | undefined> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    // O_NONBLOCK: a path that became a FIFO since it was indexed answers at once instead of hanging.
    handle = await fs.promises.open(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_SOURCE_BYTES) return undefined;
    return await handle.readFile();
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
      const bytes = await readSource(abs);
      if (bytes === undefined) return;
      const lines = sourceLines(bytes);
      for (const i of at) {
        const s = spans[i];
        const code = lines(s.startLine, s.endLine);
        out[i] = code !== undefined && bodyHash(code) === s.textHash ? { text: code } : { stale: 'changed' };
      }
    });
    return out;
  }
}

// Loader for the static embedder's table (assets/static-table.bin, written by
// scripts/train-model.py — the format is specified there and repeated here).
//
// Format, little-endian (version 1: one side; version 2: `sides` tables over one vocabulary):
//   0   "SMXT" magic             | 4   u16 version (1 or 2)   | 6  u16 flags (0)
//   8   u32 dim                  | 12  u32 count (rows)
//   16  8-byte content id (first 8 bytes of SHA-256 over bytes [64, end))
//   24  u32 metaBytes            | 28  u32 wordsBytes         | 32 u32 sides (v2; v1: 1) | 36..63 reserved
//   64  meta JSON (UTF-8) · words joined by "\n" (UTF-8, row order) · zero pad to 4 ·
//       per side: f32 scale[count] · f32 weight[count] · i8 rows[count × dim]
// Side 0 embeds documents (code), side 1 (when present) queries. Row i's vector on a side is
// rows[i·dim .. i·dim+dim) × scale[i]; weight[i] is its averaging weight. Rows are ordered by
// decreasing word frequency, so a row index doubles as a frequency rank.
//
// Loading must be fast (it happens in every worker thread) and cheap in memory: typed-array views
// on the file's bytes (no copies on little-endian hosts; the bytes may be a SharedArrayBuffer that
// every worker reads, see sharedTableBytes) and an open-addressing hash index built straight over
// the UTF-8 word bytes — no 100k strings and no Map to fill. Lookups hash the JS string's char
// codes (words are ASCII in practice; others go through a small Map).
import * as fs from 'node:fs';
import { SemindexError } from '../errors';

export const STATIC_TABLE_MAGIC = 'SMXT';
export const STATIC_TABLE_VERSION = 2;
const HEADER_BYTES = 64;

/** One table of vectors over the vocabulary. */
export interface TableSide {
  readonly scales: Float32Array;
  readonly weights: Float32Array;
  /** count × dim, row-major. */
  readonly rows: Int8Array;
}

export interface StaticTable extends TableSide {
  readonly version: number;
  readonly dim: number;
  readonly count: number;
  /** 16 hex digits; changes whenever the table's content does. */
  readonly contentId: string;
  /** Build metadata (source vectors, corpora, parameters); informational. */
  readonly meta: Record<string, unknown>;
  /** Side 0 (documents; also the fields of StaticTable itself), then the query side if any. */
  readonly sides: readonly TableSide[];
  /** The word of a row (decoded on demand; for diagnostics). */
  word(row: number): string;
  /** Row of a word, or -1. */
  row(word: string): number;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads a table file. Throws with the path in the message when it is missing or malformed. */
export function loadStaticTable(file: string): StaticTable {
  let buf: Uint8Array;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new SemindexError('CORRUPT', `static vector table not readable at ${file}: ${(e as Error).message}`, { cause: e });
  }
  return tableFromBytes(buf, file);
}

/** Parses a table held in memory (see the format above). */
export function parseStaticTable(bytes: Uint8Array): StaticTable {
  if (bytes.length < HEADER_BYTES) throw new Error('file too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== STATIC_TABLE_MAGIC) throw new Error(`bad magic "${magic}"`);
  const version = view.getUint16(4, true);
  if (version < 1 || version > STATIC_TABLE_VERSION) throw new Error(`unsupported version ${version}`);
  const dim = view.getUint32(8, true);
  const count = view.getUint32(12, true);
  const contentId = Buffer.from(bytes.buffer, bytes.byteOffset + 16, 8).toString('hex');
  const metaBytes = view.getUint32(24, true);
  const wordsBytes = view.getUint32(28, true);
  const sideCount = version >= 2 ? view.getUint32(32, true) : 1;
  if (dim === 0 || count === 0) throw new Error(`empty table (dim ${dim}, count ${count})`);
  if (sideCount < 1 || sideCount > 2) throw new Error(`bad side count ${sideCount}`);

  const decoder = new TextDecoder('utf-8', { fatal: true });
  const wordsStart = HEADER_BYTES + metaBytes;
  let off = wordsStart + wordsBytes;
  off += (4 - (off % 4)) % 4;
  const sideBytes = count * 8 + count * dim;
  const expected = off + sideCount * sideBytes;
  if (bytes.length !== expected) throw new Error(`size ${bytes.length}, expected ${expected} for ${sideCount} × ${count} × ${dim}`);

  const meta = JSON.parse(decoder.decode(bytes.subarray(HEADER_BYTES, wordsStart))) as Record<string, unknown>;
  const sides: TableSide[] = [];
  for (let k = 0, at = off; k < sideCount; k++, at += sideBytes) {
    sides.push({
      scales: floats(bytes, view, at, count),
      weights: floats(bytes, view, at + count * 4, count),
      rows: new Int8Array(bytes.buffer, bytes.byteOffset + at + count * 8, count * dim),
    });
  }
  const index = new WordIndex(bytes, wordsStart, wordsBytes, count);
  return {
    version,
    dim,
    count,
    contentId,
    meta,
    sides,
    ...sides[0],
    word: (row: number) => decoder.decode(bytes.subarray(index.start[row], index.start[row + 1] - 1)),
    row: (word: string) => index.row(word),
  };
}

const shared = new Map<string, Uint8Array>();

/**
 * The table file's bytes in a SharedArrayBuffer, read once per process: the pool's workers parse
 * their tables over these bytes (workerData) instead of each holding a private copy of the rows.
 */
export function sharedTableBytes(file: string): Uint8Array {
  let bytes = shared.get(file);
  if (!bytes) {
    const data = fs.readFileSync(file);
    bytes = new Uint8Array(new SharedArrayBuffer(data.length));
    bytes.set(data);
    shared.set(file, bytes);
  }
  return bytes;
}

/** Like loadStaticTable, over bytes already read (sharedTableBytes). */
export function tableFromBytes(bytes: Uint8Array, file = 'shared table'): StaticTable {
  try {
    return parseStaticTable(bytes);
  } catch (e) {
    throw new SemindexError('CORRUPT', `bad static vector table ${file}: ${(e as Error).message}`, { cause: e });
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** word → row over the table's "\n"-separated UTF-8 word block (FNV-1a, linear probing). */
class WordIndex {
  /** Byte offset of each word in `bytes`; start[count] is one past the block (+1 for the separator). */
  readonly start: Uint32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Words with non-ASCII characters: their UTF-8 bytes differ from their char codes. */
  private readonly other = new Map<string, number>();

  constructor(
    private readonly bytes: Uint8Array,
    from: number,
    length: number,
    count: number,
  ) {
    let cap = 1;
    while (cap < count * 2) cap <<= 1;
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.start = new Uint32Array(count + 1);
    const end = from + length;
    let row = 0;
    let h = FNV_OFFSET;
    let ascii = true;
    let s = from;
    for (let i = from; i <= end; i++) {
      const b = i < end ? bytes[i] : 10;
      if (b !== 10) {
        h = Math.imul(h ^ b, FNV_PRIME);
        if (b > 127) ascii = false;
        continue;
      }
      if (row >= count) throw new Error(`more than ${count} words`);
      if (i === s) throw new Error(`empty word at row ${row}`);
      this.start[row] = s;
      if (ascii) this.insert(h, row, s, i);
      else {
        const w = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(s, i));
        if (this.other.has(w)) throw new Error(`duplicate word "${w}"`);
        this.other.set(w, row);
      }
      row++;
      s = i + 1;
      h = FNV_OFFSET;
      ascii = true;
    }
    if (row !== count) throw new Error(`${row} words for ${count} rows`);
    this.start[count] = end + 1;
  }

  row(word: string): number {
    let h = FNV_OFFSET;
    const n = word.length;
    for (let i = 0; i < n; i++) {
      const c = word.charCodeAt(i);
      if (c > 127) return this.other.get(word) ?? -1;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    const { slots, mask, start, bytes } = this;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const r = slots[k];
      if (r < 0) return -1;
      const s = start[r];
      if (start[r + 1] - 1 - s !== n) continue;
      let i = 0;
      while (i < n && bytes[s + i] === word.charCodeAt(i)) i++;
      if (i === n) return r;
    }
  }

  private insert(h: number, row: number, s: number, e: number): void {
    const { slots, mask, bytes } = this;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const r = slots[k];
      if (r < 0) {
        slots[k] = row;
        return;
      }
      // r < row, so start[r + 1] is already set (start[row] = s at worst).
      const t = this.start[r];
      const n = e - s;
      if (this.start[r + 1] - 1 - t !== n) continue;
      let i = 0;
      while (i < n && bytes[t + i] === bytes[s + i]) i++;
      if (i === n) throw new Error(`duplicate word at row ${row}`);
    }
  }
}

/** f32[n] at byte offset `at`: a zero-copy view when aligned and little-endian, else a decoded copy. */
function floats(bytes: Uint8Array, view: DataView, at: number, n: number): Float32Array {
  if (littleEndian && (bytes.byteOffset + at) % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset + at, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + i * 4, true);
  return out;
}

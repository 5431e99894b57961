// What lives in a store directory:
//   store.json          which index is active (serving searches) and which one is being built
//   lock                the writer lock (lock.ts)
//   <index>/lance/      LanceDB database with the chunks table
//   <index>/catalog.jsonl   the checkpoint (catalog.ts)
//   <index>/skipped.json    files the last full scan skipped, with reasons
// One index per embedder: switching embedders builds a new index beside the active one, which
// keeps serving until the new one is complete — never a dimension mismatch, never a silent wipe.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic, writeJsonAtomicAsync } from './catalog';
import { SemindexError } from './errors';
import type { ExcludedCounts, Root } from './scan';
import type { EmbedderConfig } from './types';

/**
 * What the BM25 field of an index holds and how it is tokenized. 1 (absent in store.json): raw
 * identifier words, stemmed by the full-text index. 2: words stemmed and stop words dropped by the
 * workers (tokens.ts), the index only splits at spaces. 3: as 2, number literals no longer read as
 * identifiers (`0x1F` was `x1f 1f`, now `0x1f`; decimals and suffixes nothing). 4: as 3, with
 * secrets kept out (secrets.ts: secret files and files holding a private key skipped, tokens
 * redacted) and methods chunks of their own in types of any size (a small class or `impl` was one
 * chunk); an index of an earlier format may hold them, and only a rebuild reads every file
 * again to take them out. 5: as 4, with each row's file size and a white-space-blind code hash
 * (docpairs.ts#bodyHash), so that search shows identical copies once (search.ts#collapseCopies).
 * 6: as 5, in Lance's 2.1 file format with the chunk text and BM25 field zstd-compressed, and an
 * IVF-RQ vector index (refined on the stored vectors) in place of IVF-Flat's second copy of them.
 * 7: as 6, with a name field (the words of each row's symbol and file name, tokens.ts#nameField)
 * and a BM25 index over it, for hybrid search's name list (search.ts HYBRID.nameCandidates).
 * 8: as 7 without the chunk text: results' code is read from their files at search time and shown
 * only if it still hashes as indexed (source.ts), so the index records its roots (IndexInfo.roots).
 * 9: as 8, with what a search candidate reads of its row in one column (store.ts#hitRecord) in
 * place of the symbol, kind and file size columns: LanceDB reads a candidate's columns one by one.
 * 10: as 9, with float16 vectors and the BM25 field compressed in blocks (store.ts VECTOR_ITEM,
 * BM25_FIELD): the whole kernel's store 2.1 → 1.4 GB.
 * An index of another format is rebuilt beside the old one, which keeps
 * serving (queried its own way, its code from its own text column) until the new one is complete;
 * a format-2 or 3 index is queried as format 4 meanwhile (2 and 3 differ only in hex literals, 3 to
 * 10 not in how they are queried: a format-6 index has no name list).
 */
export const INDEX_FORMAT = 10;

export interface IndexInfo {
  /** Directory name inside the store. */
  dir: string;
  /** INDEX_FORMAT it was built with (absent: 1). */
  format?: number;
  embedder: EmbedderConfig;
  embedderId: string;
  dim: number;
  description: string;
  created: number;
  /**
   * The folders its rows' root labels name, as the last writer was given them: readers in other
   * processes (the CLI, the MCP server) read results' code from there. Absent before format 8.
   */
  roots?: Root[];
  /** Set when a full run completed over this index. */
  lastFullRun?: RunRecord;
  lastIncrementalRun?: number;
}

export interface RunRecord {
  at: number;
  seconds: number;
  files: number;
  chunks: number;
  /** Files the run's scan left out, by reason (absent in runs of earlier versions). */
  excluded?: ExcludedCounts;
}

export interface StoreManifest {
  format: 1;
  active?: IndexInfo;
  building?: IndexInfo;
  /** Indices replaced by a promotion, removed once no reader can still be serving them (RETIRED_GRACE_MS). */
  retired?: { dir: string; at: number }[];
}

/**
 * How long a replaced index stays on disk after a promotion: readers of other processes (the MCP
 * server, a CLI search) and this one's read-only view go on serving it until they notice the
 * switch — at their next use, or once their running searches are done. As LanceDB keeps old
 * versions (store.ts cleanupOlderThan).
 */
export const RETIRED_GRACE_MS = 60_000;

export const indexFormat = (info: IndexInfo): number => info.format ?? 1;

export class StoreLayout {
  constructor(readonly dir: string) {}

  get lockFile(): string {
    return path.join(this.dir, 'lock');
  }
  /** Where open readers register (readers.ts). */
  get readersDir(): string {
    return path.join(this.dir, 'readers');
  }
  private get manifestFile(): string {
    return path.join(this.dir, 'store.json');
  }
  lanceDir(info: IndexInfo): string {
    return path.join(this.dir, info.dir, 'lance');
  }
  catalogFile(info: IndexInfo): string {
    return path.join(this.dir, info.dir, 'catalog.jsonl');
  }
  skippedFile(info: IndexInfo): string {
    return path.join(this.dir, info.dir, 'skipped.json');
  }

  exists(): boolean {
    return fs.existsSync(this.manifestFile);
  }

  read(): StoreManifest {
    let text: string;
    try {
      text = fs.readFileSync(this.manifestFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { format: 1 };
      throw err;
    }
    return this.parse(text);
  }

  /** As read(), without blocking the thread (the writer's changes). */
  private async readAsync(): Promise<StoreManifest> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.manifestFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { format: 1 };
      throw err;
    }
    return this.parse(text);
  }

  private parse(text: string): StoreManifest {
    try {
      const manifest = JSON.parse(text) as StoreManifest;
      if (manifest.format !== 1) throw new Error(`unknown format ${String(manifest.format)}`);
      return manifest;
    } catch (err) {
      throw new SemindexError('CORRUPT', `${this.manifestFile} is damaged (${(err as Error).message}); move the store folder away and index again`, { cause: err });
    }
  }

  write(manifest: StoreManifest): void {
    writeJsonAtomic(this.manifestFile, manifest);
  }

  /** The index to write for this embedder: the active one, the one being built, or a new one. */
  indexFor(embedder: EmbedderConfig, id: string, dim: number, description: string): Promise<{ info: IndexInfo; building: boolean }> {
    return this.change(() => this.pickIndex(embedder, id, dim, description));
  }

  private async pickIndex(embedder: EmbedderConfig, id: string, dim: number, description: string): Promise<{ info: IndexInfo; building: boolean }> {
    const manifest = await this.readAsync();
    const fits = (i: IndexInfo | undefined): boolean => i?.embedderId === id && i.dim === dim && indexFormat(i) === INDEX_FORMAT;
    if (manifest.active && fits(manifest.active)) return { info: manifest.active, building: false };
    if (manifest.building && fits(manifest.building)) return { info: manifest.building, building: true };
    const slug = id.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
    const info: IndexInfo = {
      dir: `index-${slug}-${crypto.randomBytes(3).toString('hex')}`,
      format: INDEX_FORMAT,
      embedder,
      embedderId: id,
      dim,
      description,
      created: Date.now(),
    };
    const abandoned = manifest.building;
    if (manifest.active) manifest.building = info;
    else manifest.active = info;
    await writeJsonAtomicAsync(this.manifestFile, manifest);
    // A half-built index for an embedder no longer wanted is never going to be finished.
    if (abandoned && abandoned.dir !== info.dir) await this.removeIndex(abandoned);
    return { info, building: !!manifest.active && manifest.active !== info };
  }

  /**
   * The writer's manifest changes after open, asynchronously and one at a time: each reads the
   * manifest when its turn comes, so none overwrites another's change.
   */
  private writing: Promise<unknown> = Promise.resolve();

  private change<T>(op: () => Promise<T>): Promise<T> {
    const next = this.writing.then(op, op);
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Records run facts on the index (active or building). */
  update(info: IndexInfo): Promise<void> {
    return this.change(async () => {
      const manifest = await this.readAsync();
      if (manifest.active?.dir === info.dir) manifest.active = info;
      else if (manifest.building?.dir === info.dir) manifest.building = info;
      await writeJsonAtomicAsync(this.manifestFile, manifest);
    });
  }

  /**
   * Makes a completed new index the active one. The one it replaces is retired, not removed:
   * readers may still be serving from it (RETIRED_GRACE_MS); removeRetired() deletes it later.
   */
  async promote(info: IndexInfo): Promise<IndexInfo | undefined> {
    const old = await this.change(async () => {
      const manifest = await this.readAsync();
      const old = manifest.active;
      manifest.active = info;
      delete manifest.building;
      if (old && old.dir !== info.dir) manifest.retired = [...(manifest.retired ?? []), { dir: old.dir, at: Date.now() }];
      await writeJsonAtomicAsync(this.manifestFile, manifest);
      return old;
    });
    await this.removeRetired();
    return old;
  }

  /** Deletes the retired indices whose grace has passed (a writer calls it: on open and on promotion). */
  removeRetired(now = Date.now()): Promise<void> {
    return this.change(async () => {
      const manifest = await this.readAsync();
      if (!manifest.retired?.length) return;
      const due = manifest.retired.filter((r) => now - r.at >= RETIRED_GRACE_MS);
      if (!due.length) return;
      for (const r of due) await fs.promises.rm(path.join(this.dir, r.dir), { recursive: true, force: true });
      const kept = manifest.retired.filter((r) => !due.includes(r));
      if (kept.length) manifest.retired = kept;
      else delete manifest.retired;
      await writeJsonAtomicAsync(this.manifestFile, manifest);
    });
  }

  removeIndex(info: IndexInfo): Promise<void> {
    return fs.promises.rm(path.join(this.dir, info.dir), { recursive: true, force: true });
  }

  /**
   * Deletes everything in the store folder but the lock and the readers' registrations (Rebuild
   * Index) — asynchronously: a store is gigabytes of files. The caller holds the lock.
   */
  async clear(): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const keep = new Set([path.basename(this.lockFile), path.basename(this.readersDir)]);
    for (const entry of await fs.promises.readdir(this.dir)) {
      if (!keep.has(entry)) await fs.promises.rm(path.join(this.dir, entry), { recursive: true, force: true });
    }
  }

  /** Bytes on disk under the store (an asynchronous walk: a LanceDB folder holds thousands of files). */
  async sizeOnDisk(): Promise<number> {
    let total = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(dir, { withFileTypes: true });
      } catch {
        return; // gone meanwhile (a compaction's old files, a retired index)
      }
      for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) total += await fs.promises.stat(p).then((s) => s.size, () => 0);
      }
    };
    await walk(this.dir);
    return total;
  }
}

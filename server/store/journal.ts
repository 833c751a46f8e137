// A collection of records kept on disk as a snapshot, <name>.json, plus a journal of the records
// changed since, <name>.journal.jsonl. A change costs one appended line, group committed (one
// write and one fsync per turn of the event loop for every change made in it), instead of a
// rewrite of the whole collection: at 10,000 hosts hosts.json is 5 MB, and the benchmark (bench/)
// showed whole-file rewrites of jobs.json and hosts.json holding up every request behind them.
// Once the journal outgrows the snapshot it is folded into a new snapshot. Every line and the
// snapshot carry a sequence number, so a crash between writing a snapshot and emptying the
// journal replays nothing stale; a torn last line (a crash mid-append, never acknowledged) is cut.
// Reading it back, and telling crash leftovers from damage, is journal-scan.ts.
//
// A refused write (ENOSPC, EIO) changes nothing: the store changes memory in the same tick as the
// put, so a concurrent request already sees it, and the journal puts back each record of a refused
// batch as it was before the batch, cuts whatever part of the append landed, and drops the lines.
// Keeping them to retry made every later write carry the whole backlog (2 MB after thousands of
// refusals), which never fit in the space freed, and let refused changes take effect later.
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { writeFileAtomic, writeFileAtomicInChunks } from "../../lib/atomic-write.ts";
import { recordJson } from "./record-json.ts";

/** A journal is folded into the snapshot once it is larger than this and than the snapshot. */
export const COMPACT_FROM_BYTES = 1024 * 1024;
/** Records serialized per chunk of a fold in the background: a few milliseconds between turns. */
const FOLD_CHUNK_RECORDS = 500;

export interface JournalSpec<T> {
  dir: string;
  /** "hosts": hosts.json holds the snapshot, hosts.journal.jsonl the changes since. */
  name: string;
  /** The snapshot's array: {"seq":N,"<key>":[...]}. */
  key: string;
  schema: z.ZodType<T>;
  idOf: (record: T) => string;
}

export interface JournalHooks<T> {
  /** The record as memory has it now (lazy changes are written as they are at flush time). */
  current: (id: string) => T | undefined;
  /** Every record, in the order the snapshot keeps them. */
  all: () => Iterable<T>;
  /** Puts a record of a refused batch back as it was before it; undefined: it did not exist. */
  restore: (id: string, before: T | undefined) => void;
  mode: number;
  onWriteError: (path: string, err: unknown) => void;
  /** A write reached the disk (after refusals: the disk has room again), having taken `seconds`. */
  onWriteOk?: (seconds: number) => void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export const snapshotPath = (spec: Pick<JournalSpec<unknown>, "dir" | "name">): string =>
  join(spec.dir, `${spec.name}.json`);
export const journalPath = (spec: Pick<JournalSpec<unknown>, "dir" | "name">): string =>
  join(spec.dir, `${spec.name}.journal.jsonl`);

export class Journal<T extends object> {
  private readonly snapshotFile: string;
  private readonly journalFile: string;
  private seq: number;
  private fd: number | null = null;
  private journalBytes: number;
  private snapshotBytes: number;
  /** Lines not yet written, and who waits for them. */
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  /** Each record the pending lines change, as it was before them: what a refusal restores. */
  private before = new Map<string, T | undefined>();
  /** Ids whose pending lines are lazy writes: a refusal marks them lazy again. */
  private lazyPending = new Set<string>();
  /** A failed append left bytes that could not be cut: cut them before the next append. */
  private tornTail = false;
  private scheduled = false;
  /** Ids changed without waiting (see markLazy), written by the next flushLazy. */
  private readonly lazy = new Set<string>();
  /** Date.now() of the last snapshot: the lastSeen checkpoint counts from it. */
  snapshotAt = Date.now();
  /** The fold running in the background, if one is. */
  private folding: Promise<void> | null = null;

  constructor(
    private readonly spec: JournalSpec<T>,
    private readonly hooks: JournalHooks<T>,
    loaded: { seq: number; tornBytes: number },
  ) {
    this.snapshotFile = snapshotPath(spec);
    this.journalFile = journalPath(spec);
    this.seq = loaded.seq;
    this.snapshotBytes = existsSync(this.snapshotFile) ? readFileSync(this.snapshotFile).length : 0;
    this.journalBytes = existsSync(this.journalFile) ? readFileSync(this.journalFile).length : 0;
    if (loaded.tornBytes > 0) {
      // The next append must start on a line of its own.
      this.journalBytes -= loaded.tornBytes;
      this.truncateJournal(this.journalBytes);
    }
    // The snapshot exists before the first journal line, so a journal without its snapshot is
    // damage, not a fresh start (journal-scan.ts); a fleetd older than this rule left only a journal.
    if (!existsSync(this.snapshotFile)) {
      try {
        this.snapshot();
      } catch (err) {
        // Starting on a full disk still works; the journal holds every change until a snapshot fits.
        hooks.onWriteError(this.snapshotFile, err);
      }
    }
  }

  /**
   * Resolves once the change is durable (in the journal, or in a snapshot taken since). Call it
   * before changing memory: the record as memory has it now is what a refusal puts back.
   */
  put(record: T): Promise<void> {
    const id = this.spec.idOf(record);
    this.remember(id);
    this.lazy.delete(id);
    return this.enqueue(`{"seq":${++this.seq},"put":${recordJson(record)}}\n`);
  }

  /** Like put, called before memory forgets the record. */
  remove(id: string): Promise<void> {
    this.remember(id);
    this.lazy.delete(id);
    return this.enqueue(`{"seq":${++this.seq},"remove":${JSON.stringify(id)}}\n`);
  }

  /** Settles (never rejects) once no write of `id` is pending: what memory has then is durable. */
  settled(id: string): Promise<void> {
    if (!this.before.has(id)) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push({ resolve, reject: () => resolve() }));
  }

  private remember(id: string): void {
    if (!this.before.has(id)) this.before.set(id, this.hooks.current(id));
  }

  /** The record changed but nobody waits: it is written by the next flushLazy (or snapshot). */
  markLazy(id: string): void {
    this.lazy.add(id);
  }

  /**
   * Writes every lazily changed record as it is now. A refused flush marks them lazy again, so
   * what waits for the disk is at most one mark per record, whatever the number of refusals.
   */
  flushLazy(): Promise<void> {
    const ids = [...this.lazy];
    this.lazy.clear();
    const writes: Promise<void>[] = [];
    for (const id of ids) {
      const record = this.hooks.current(id);
      if (!record) continue;
      writes.push(this.put(record));
      this.lazyPending.add(id);
    }
    return Promise.all(writes).then(() => {});
  }

  /**
   * Writes the whole collection as a new snapshot and empties the journal, holding the event loop
   * meanwhile (at start and stop; a running fleetd folds in the background). Everything queued is
   * in the snapshot, so whoever waits for it is answered too.
   */
  snapshot(): void {
    if (this.folding) throw new Error(`${this.snapshotFile}: a fold is running; await idle() first`);
    const parts: string[] = [];
    for (const record of this.hooks.all()) parts.push(recordJson(record));
    const data = `{"seq":${this.seq},${JSON.stringify(this.spec.key)}:[${parts.join(",")}]}\n`;
    writeFileAtomic(this.snapshotFile, data, this.hooks.mode);
    this.snapshotBytes = Buffer.byteLength(data);
    this.snapshotAt = Date.now();
    this.lazy.clear();
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    this.before = new Map();
    this.lazyPending = new Set();
    for (const w of waiters) w.resolve();
    // Lines left in the journal are older than the snapshot's seq: replay would skip them anyway.
    this.truncateJournal(0);
    this.journalBytes = 0;
  }

  /** A snapshot, if anything was changed since the last one. */
  fold(): void {
    if (this.journalBytes > 0 || this.pending.length > 0 || this.lazy.size > 0) this.snapshot();
  }

  /**
   * A snapshot written while fleetd goes on (at 200,000 jobs a fold held the event loop for 2 s):
   * of the records as they are at the start (records are values, so holding the objects holds that
   * moment), serialized a chunk at a time and written off the loop, while changes go on being
   * appended to the journal. Once the snapshot is in place the journal keeps only what was
   * appended after that moment. A crash at any point leaves the old snapshot and the whole journal,
   * or the new snapshot and a journal whose older lines replay skips by their seq. Rejects when
   * the snapshot cannot be written; nothing changed then, and the next fold tries again.
   */
  snapshotInBackground(): Promise<void> {
    this.folding ??= this._foldInBackground().finally(() => {
      this.folding = null;
    });
    return this.folding;
  }

  isFolding(): boolean {
    return this.folding !== null;
  }

  /** Settles once no fold runs in the background. */
  async idle(): Promise<void> {
    await this.folding?.catch(() => {});
  }

  private async _foldInBackground(): Promise<void> {
    // Nothing here runs before this.folding is set, so no write below starts a second fold.
    await Promise.resolve();
    // What is queued is written first, so the snapshot's moment holds no change that the disk may
    // still refuse (a refusal puts memory back and hands its seqs out again).
    this.write();
    const seq = this.seq;
    const from = this.journalBytes;
    const records = [...this.hooks.all()];
    const lazy = [...this.lazy];
    this.lazy.clear();
    try {
      this.snapshotBytes = await writeFileAtomicInChunks(
        this.snapshotFile,
        this._snapshotChunks(seq, records),
        this.hooks.mode,
      );
    } catch (err) {
      for (const id of lazy) this.lazy.add(id);
      throw err;
    }
    this.snapshotAt = Date.now();
    this._keepJournalFrom(from);
  }

  private *_snapshotChunks(seq: number, records: readonly T[]): Generator<string> {
    yield `{"seq":${seq},${JSON.stringify(this.spec.key)}:[`;
    for (let i = 0; i < records.length; i += FOLD_CHUNK_RECORDS) {
      const chunk = records.slice(i, i + FOLD_CHUNK_RECORDS).map(recordJson);
      yield `${i > 0 ? "," : ""}${chunk.join(",")}`;
    }
    yield "]}\n";
  }

  /** The journal without its first `from` bytes, which the new snapshot holds. */
  private _keepJournalFrom(from: number): void {
    const tail = Buffer.alloc(this.journalBytes - from);
    try {
      if (tail.length > 0) {
        const fd = openSync(this.journalFile, "r");
        try {
          let off = 0;
          while (off < tail.length) off += readSync(fd, tail, off, tail.length - off, from + off);
        } finally {
          closeSync(fd);
        }
      }
      writeFileAtomic(this.journalFile, tail, this.hooks.mode);
    } catch (err) {
      // The snapshot is in place and the whole journal still replays onto it; the next fold cuts it.
      this.hooks.onWriteError(this.journalFile, err);
      return;
    }
    this.close();
    this.journalBytes = tail.length;
    this.tornTail = false;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private enqueue(line: string): Promise<void> {
    this.pending.push(line);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return done;
  }

  /** Every change made in this turn of the event loop shares the write. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.write());
  }

  private write(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return; // a snapshot took them
    const lines = this.pending;
    const waiters = this.waiters;
    const before = this.before;
    const lazyPending = this.lazyPending;
    this.pending = [];
    this.waiters = [];
    this.before = new Map();
    this.lazyPending = new Set();
    const bytes = Buffer.from(lines.join(""));
    const started = performance.now();
    try {
      // The next line must start where the last acknowledged one ended, not glued to a torn one.
      if (this.tornTail) this.truncateJournal(this.journalBytes);
      this.tornTail = false;
      this.fd ??= openSync(this.journalFile, "a", this.hooks.mode);
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
      fsyncSync(this.fd);
    } catch (err) {
      this.tornTail = !this.tryTruncate(this.journalBytes);
      // The refused lines' seqs are handed out again: on disk a journal's changes stay consecutive,
      // and a gap means a lost line (journal-scan.ts refuses to start on one).
      this.seq -= lines.length;
      // Memory as it was before the batch: the refused changes never happened.
      for (const [id, record] of before) this.hooks.restore(id, record);
      for (const id of lazyPending) this.lazy.add(id);
      this.hooks.onWriteError(this.journalFile, err);
      for (const w of waiters) w.reject(err);
      return;
    }
    this.journalBytes += bytes.length;
    this.hooks.onWriteOk?.((performance.now() - started) / 1000);
    for (const w of waiters) w.resolve();
    if (!this.folding && this.journalBytes > Math.max(COMPACT_FROM_BYTES, this.snapshotBytes)) {
      this.snapshotInBackground().catch((err: unknown) => {
        // The journal still holds every change; the next write tries again.
        this.hooks.onWriteError(this.snapshotFile, err);
      });
    }
  }

  private truncateJournal(size: number): void {
    if (!existsSync(this.journalFile)) return;
    this.fd ??= openSync(this.journalFile, "a", this.hooks.mode);
    ftruncateSync(this.fd, size);
    fsyncSync(this.fd);
  }

  /** False when the cut failed: the next append (or the next start) cuts it then. */
  private tryTruncate(size: number): boolean {
    try {
      this.truncateJournal(size);
      return true;
    } catch {
      return false;
    }
  }
}

// A collection of records kept on disk as a snapshot, <name>.json, plus a journal of the records
// changed since, <name>.journal.jsonl. A change costs one appended line, group committed (one
// write and one fsync per turn of the event loop for every change made in it), instead of a
// rewrite of the whole collection: at 10,000 hosts hosts.json is 5 MB, and the benchmark (bench/)
// showed whole-file rewrites of jobs.json and hosts.json holding up every request behind them.
// Once the journal outgrows the snapshot it is folded into a new snapshot. Every line and the
// snapshot carry a sequence number, so a crash between writing a snapshot and emptying the
// journal replays nothing stale; a torn last line (a crash mid-append, never acknowledged) is cut.
// Reading it back, and telling crash leftovers from damage, is journal-scan.ts.
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import { recordJson } from "./record-json.ts";

/** A journal is folded into the snapshot once it is larger than this and than the snapshot. */
export const COMPACT_FROM_BYTES = 1024 * 1024;

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
  mode: number;
  onWriteError: (path: string, err: unknown) => void;
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
  private scheduled = false;
  /** Ids changed without waiting (see markLazy), written by the next flushLazy. */
  private readonly lazy = new Set<string>();
  /** Date.now() of the last snapshot: the lastSeen checkpoint counts from it. */
  snapshotAt = Date.now();

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

  /** Resolves once the change is durable (in the journal, or in a snapshot taken since). */
  put(record: T): Promise<void> {
    const id = this.spec.idOf(record);
    this.lazy.delete(id);
    return this.enqueue(`{"seq":${++this.seq},"put":${recordJson(record)}}\n`);
  }

  remove(id: string): Promise<void> {
    this.lazy.delete(id);
    return this.enqueue(`{"seq":${++this.seq},"remove":${JSON.stringify(id)}}\n`);
  }

  /** The record changed but nobody waits: it is written by the next flushLazy (or snapshot). */
  markLazy(id: string): void {
    this.lazy.add(id);
  }

  /** Writes every lazily changed record as it is now. */
  flushLazy(): Promise<void> {
    const ids = [...this.lazy];
    this.lazy.clear();
    const writes: Promise<void>[] = [];
    for (const id of ids) {
      const record = this.hooks.current(id);
      if (record) writes.push(this.put(record));
    }
    // Lines a failed write kept are retried here too.
    if (this.pending.length > 0) this.schedule();
    return Promise.all(writes).then(() => {});
  }

  /**
   * Writes the whole collection as a new snapshot and empties the journal. Everything queued is in
   * the snapshot, so whoever waits for it is answered too.
   */
  snapshot(): void {
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
    for (const w of waiters) w.resolve();
    // Lines left in the journal are older than the snapshot's seq: replay would skip them anyway.
    this.truncateJournal(0);
    this.journalBytes = 0;
  }

  /** A snapshot, if anything was changed since the last one. */
  fold(): void {
    if (this.journalBytes > 0 || this.pending.length > 0 || this.lazy.size > 0) this.snapshot();
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
    this.pending = [];
    this.waiters = [];
    const bytes = Buffer.from(lines.join(""));
    try {
      this.fd ??= openSync(this.journalFile, "a", this.hooks.mode);
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
      fsyncSync(this.fd);
    } catch (err) {
      // Cut whatever part did land, and keep the lines for the next write: memory still has them.
      this.tryTruncate(this.journalBytes);
      this.pending = [...lines, ...this.pending];
      this.hooks.onWriteError(this.journalFile, err);
      for (const w of waiters) w.reject(err);
      return;
    }
    this.journalBytes += bytes.length;
    for (const w of waiters) w.resolve();
    if (this.journalBytes > Math.max(COMPACT_FROM_BYTES, this.snapshotBytes)) {
      try {
        this.snapshot();
      } catch (err) {
        // The journal still holds every change; the next write tries again.
        this.hooks.onWriteError(this.snapshotFile, err);
      }
    }
  }

  private truncateJournal(size: number): void {
    if (!existsSync(this.journalFile)) return;
    this.fd ??= openSync(this.journalFile, "a", this.hooks.mode);
    ftruncateSync(this.fd, size);
    fsyncSync(this.fd);
  }

  private tryTruncate(size: number): void {
    try {
      this.truncateJournal(size);
    } catch {
      // Reported by the caller; the torn tail is cut at the next start.
    }
  }
}

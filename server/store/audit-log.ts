// The audit log: DATA/audit.jsonl, appended durably and never rewritten; rotated to
// audit.1.jsonl past a size cap so it cannot fill the disk. Entries made in one turn of the event
// loop share one append and one fsync (at 50 commands a second to 10,000 hosts, an fsync per
// entry was most of the time fleetd's event loop stood still).
import { closeSync, existsSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fsyncDir } from "../../lib/atomic-write.ts";
import { scanJsonLines } from "../../lib/json-lines.ts";
import { cutBackTo, fileSize, repairTornTail, toJsonLines } from "./jsonl-files.ts";
import { checkWith, StoreCorruptError } from "./load.ts";
import { AuditRecord } from "./records/audit.ts";
import type { AuditQuery } from "./types.ts";

export interface AuditLogHooks {
  onWriteError: (path: string, err: unknown) => void;
  /** An append landed, having taken `seconds` (write and fsync). */
  onWriteOk: (seconds: number) => void;
}

export class AuditLog {
  private readonly current: string;
  private readonly previous: string;
  private size: number;
  private fd: number | null = null;
  private pending: string[] = [];
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private scheduled = false;
  /** A failed append left bytes the cut could not remove: cut them before the next append. */
  private tornTail = false;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly hooks?: AuditLogHooks,
  ) {
    this.current = join(dir, "audit.jsonl");
    this.previous = join(dir, "audit.1.jsonl");
    repairTornTail(this.current);
    this.size = fileSize(this.current);
  }

  /** Resolves once the entry is on disk. */
  append(entry: AuditRecord): Promise<void> {
    this.pending.push(toJsonLines([entry]));
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.write());
    }
    return done;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private write(): void {
    this.scheduled = false;
    const lines = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const started = performance.now();
    try {
      if (this.tornTail) {
        repairTornTail(this.current);
        this.size = fileSize(this.current);
        this.tornTail = false;
      }
      // Whole entries per file: rotation happens between entries, never inside one.
      let batch: string[] = [];
      let batchBytes = 0;
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (this.size + batchBytes > 0 && this.size + batchBytes + bytes > this.maxBytes) {
          this.appendNow(batch.join(""));
          this.rotate();
          batch = [];
          batchBytes = 0;
        }
        batch.push(line);
        batchBytes += bytes;
      }
      this.appendNow(batch.join(""));
    } catch (err) {
      // What landed of a refused append is cut: the next entry starts on a line of its own. The
      // entries are dropped, not kept to retry; their requests are answered with the error.
      this.close();
      this.tornTail = !cutBackTo(this.current, this.size);
      this.hooks?.onWriteError(this.current, err);
      for (const w of waiters) w.reject(err);
      return;
    }
    if (lines.length > 0) this.hooks?.onWriteOk((performance.now() - started) / 1000);
    for (const w of waiters) w.resolve();
  }

  private appendNow(text: string): void {
    if (text === "") return;
    const bytes = Buffer.from(text);
    this.fd ??= openSync(this.current, "a", 0o600);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    fsyncSync(this.fd);
    this.size += bytes.length;
  }

  /** Newest first; reaches into the rotated file only when the current one has too few matches. */
  list(query: AuditQuery): AuditRecord[] {
    const out: AuditRecord[] = [];
    for (const path of [this.current, this.previous]) {
      const entries = readAuditFile(path);
      for (let i = entries.length - 1; i >= 0 && out.length < query.limit; i--) {
        const entry = entries[i]!;
        if (query.action !== undefined && entry.action !== query.action) continue;
        out.push(entry);
      }
      if (out.length >= query.limit || !existsSync(this.previous)) break;
    }
    return out;
  }

  private rotate(): void {
    this.close();
    renameSync(this.current, this.previous);
    fsyncDir(this.dir);
    this.size = 0;
  }
}

const checkEntry = checkWith(AuditRecord, "an audit entry");

/**
 * Every entry of one audit file. Only a crash's torn last line (cut at start) is passed over; a
 * damaged line anywhere else is refused naming the file and line (`fleetd serve --repair` keeps
 * the rest).
 */
export function readAuditFile(path: string): AuditRecord[] {
  const scan = scanJsonLines(path, checkEntry);
  const first = scan.damaged[0];
  if (first) throw new StoreCorruptError(path, `line ${first.line} is ${first.problem}`);
  return scan.values;
}

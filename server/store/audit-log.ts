// The audit log: DATA/audit.jsonl, appended durably and never rewritten; rotated to
// audit.1.jsonl past a size cap so it cannot fill the disk. Entries made in one turn of the event
// loop share one append and one fsync (at 50 commands a second to 10,000 hosts, an fsync per
// entry was most of the time fleetd's event loop stood still).
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fsyncDir } from "../../lib/atomic-write.ts";
import { type JsonLinesScan, scanJsonLinesIn } from "../../lib/json-lines.ts";
import { checkedPrefix, readVerified, uncheckedFrom, type VerifiedPrefix } from "./audit-verified.ts";
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

  /**
   * Newest first; reaches into the rotated file only when the current one has too few matches.
   * Reads lines from the end and parses only those it returns or filters out, so a request for
   * the last 50 entries does not parse a 10 MiB log (it held the event loop for ~100 ms).
   */
  list(query: AuditQuery): AuditRecord[] {
    const out: AuditRecord[] = [];
    for (const path of [this.current, this.previous]) {
      if (!existsSync(path)) continue;
      if (out.length >= query.limit) break;
      for (const entry of newestEntries(path, query.action)) {
        if (query.action !== undefined && entry.action !== query.action) continue;
        if (out.push(entry) >= query.limit) break;
      }
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
/** The current file and the one rotated before it. */
export const AUDIT_FILES = ["audit.jsonl", "audit.1.jsonl"] as const;

/**
 * The check at open: both files, each from the end of what the last open checked
 * (audit-verified.ts). Returns the prefixes to note once every file of the data dir is read.
 */
export function checkAuditFiles(dir: string): VerifiedPrefix[] {
  const known = readVerified(dir);
  const checked: VerifiedPrefix[] = [];
  for (const name of AUDIT_FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    const from = uncheckedFrom(bytes, known);
    _checked(path, scanJsonLinesIn(bytes, checkEntry, from));
    const prefix = checkedPrefix(bytes, from);
    if (prefix) checked.push(prefix);
  }
  return checked;
}

/** Only a crash's torn last line is passed over; a damaged line anywhere else is refused by number. */
function _checked<T>(path: string, scan: JsonLinesScan<T>): void {
  const first = scan.damaged[0];
  if (first) throw new StoreCorruptError(path, `line ${first.line} is ${first.problem}`);
}

// Bun's Buffer#lastIndexOf is several times slower than the typed array's.
const _lastIndexOf = Uint8Array.prototype.lastIndexOf;
const _newlineBefore = (bytes: Uint8Array, at: number) => (at < 0 ? -1 : _lastIndexOf.call(bytes, 0x0a, at));

/**
 * The file's entries newest first, each parsed and checked only when reached; a torn tail left
 * out. With an action, only lines holding `"action":"<it>"` (as JSON.stringify wrote them) are
 * parsed: the search jumps from one to the next.
 */
function* newestEntries(path: string, action?: string): Generator<AuditRecord> {
  const bytes = readFileSync(path);
  const needle = action === undefined ? null : Buffer.from(`"action":${JSON.stringify(action)}`);
  let end = _newlineBefore(bytes, bytes.length - 1);
  while (end > 0) {
    if (needle) {
      const hit = bytes.lastIndexOf(needle, end - 1);
      if (hit < 0) return;
      end = bytes.indexOf(0x0a, hit);
    }
    const start = _newlineBefore(bytes, end - 1) + 1;
    if (end > start) yield _entryAt(path, bytes, start, end);
    end = start - 1;
  }
}

function _entryAt(path: string, bytes: Buffer, start: number, end: number): AuditRecord {
  let problem: string;
  try {
    return checkEntry(JSON.parse(bytes.toString("utf8", start, end)));
  } catch (err) {
    problem = err instanceof SyntaxError ? `not valid JSON: ${err.message}` : (err as Error).message;
  }
  let line = 1;
  for (let at = bytes.indexOf(0x0a); at >= 0 && at < start; at = bytes.indexOf(0x0a, at + 1)) line++;
  throw new StoreCorruptError(path, `line ${line} is ${problem}`);
}

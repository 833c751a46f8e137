// Every host's last config report, kept in host-states.jsonl and out of the JS heap: a change
// appends one record (a header line with the summary, then the report's JSON), group committed
// like the journals (journal.ts: one write and one fsync per turn of the event loop), and memory
// keeps the hash, the summary and where the report is in the file. A host's detail reads its
// report back with one pread. Once the file is twice what its latest records need it is rewritten
// with those only, so its size and the writes stay proportional to the changes, and nothing in it
// is rewritten for a lastSeen checkpoint of hosts.json.
//
// A refused write (ENOSPC, EIO) changes nothing, as in journal.ts: the batch's hosts get back the
// entry they had before it, whatever part of the append landed is cut, and the waiters reject.
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { fsyncDir } from "../../lib/atomic-write.ts";
import { HostState } from "../../protocol/config-state.ts";
import type { ReportEntry, ReportsScan } from "./host-reports-scan.ts";
import { encodeReport, ReportSummary, reportHash, summarizeReport } from "./records/host-report.ts";

/** The file is compacted once it is larger than this and than twice its latest records. */
export const COMPACT_REPORTS_FROM_BYTES = 1024 * 1024;

export interface HostReportHooks {
  mode: number;
  onWriteError: (path: string, err: unknown) => void;
  /** A write landed, and how long it took (appending and syncing), in seconds. */
  onWriteOk?: (seconds: number) => void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface PendingRecord {
  hostId: string;
  /** Null for a removal. */
  entry: ReportEntry | null;
  header: Buffer;
  json: Buffer | null;
}

export class HostReportLog {
  private readonly entries: Map<string, ReportEntry>;
  /** Reports put but not yet written: read from here until they are. */
  private readonly unwritten = new Map<ReportEntry, string>();
  /** Opened on first use, so a refused open (a full disk, a directory in the way) is a refused write. */
  private fd: number | null = null;
  private fileBytes: number;
  /** What the current entries take in the file: the size a compaction leaves. */
  private liveBytes = 0;
  private pending: PendingRecord[] = [];
  private waiters: Waiter[] = [];
  private before = new Map<string, ReportEntry | undefined>();
  private scheduled = false;
  /** A failed append left bytes that could not be cut: cut them before the next append. */
  private tornTail = false;

  constructor(
    private readonly path: string,
    loaded: ReportsScan,
    private readonly hooks: HostReportHooks,
  ) {
    this.entries = loaded.entries;
    for (const entry of this.entries.values()) this.liveBytes += entry.end - entry.start;
    this.fileBytes = loaded.intactBytes;
    if (loaded.tornBytes > 0) this.cut(this.fileBytes);
  }

  has(hostId: string): boolean {
    return this.entries.has(hostId);
  }

  /** A damaged report has none, so whatever the host sends next replaces it. */
  hash(hostId: string): string | null {
    return this.summary(hostId) ? (this.entries.get(hostId)?.hash ?? null) : null;
  }

  /** Checked on first use, not at open; a damaged one reads as not reported (the next report replaces it). */
  summary(hostId: string): ReportSummary | null {
    const entry = this.entries.get(hostId);
    if (!entry) return null;
    if (!entry.checked) {
      const parsed = ReportSummary.safeParse(entry.summary);
      entry.summary = parsed.success ? entry.summary : null;
      entry.checked = true;
    }
    return entry.summary as ReportSummary | null;
  }

  *summaries(): Generator<ReportSummary> {
    for (const hostId of this.entries.keys()) {
      const summary = this.summary(hostId);
      if (summary) yield summary;
    }
  }

  /** The whole report; null when there is none, or the stored bytes are not the report that was hashed. */
  read(hostId: string): HostState | null {
    const entry = this.entries.get(hostId);
    if (!entry) return null;
    let json = this.unwritten.get(entry);
    if (json === undefined) {
      const bytes = Buffer.alloc(entry.end - 1 - entry.report);
      readSync(this.file(), bytes, 0, bytes.length, entry.report);
      json = bytes.toString("utf8");
    }
    if (reportHash(json) !== entry.hash) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      return null;
    }
    const parsed = HostState.safeParse(raw);
    return parsed.success ? parsed.data : null;
  }

  /** Resolves once the report is durable; memory has it at once. */
  put(hostId: string, state: HostState): Promise<void> {
    const { json, hash } = encodeReport(state);
    const summary = summarizeReport(state);
    const entry: ReportEntry = { hash, summary, checked: true, start: -1, report: -1, end: -1 };
    const header = Buffer.from(
      `{"put":${JSON.stringify(hostId)},"hash":"${hash}","bytes":${Buffer.byteLength(json)},"summary":${JSON.stringify(summary)}}\n`,
    );
    this.replace(hostId, entry);
    this.unwritten.set(entry, json);
    return this.enqueue({ hostId, entry, header, json: Buffer.from(`${json}\n`) });
  }

  remove(hostId: string): Promise<void> {
    if (!this.entries.has(hostId) && !this.before.has(hostId)) return Promise.resolve();
    this.replace(hostId, null);
    return this.enqueue({
      hostId,
      entry: null,
      header: Buffer.from(`{"remove":${JSON.stringify(hostId)}}\n`),
      json: null,
    });
  }

  /**
   * Appends now, in one durable write, for the migration at open (json-store.ts), which must have
   * the reports on disk before it drops them from hosts.json. Throws what the write was refused with.
   */
  putAllNow(reports: Iterable<[hostId: string, state: HostState]>): void {
    for (const [hostId, state] of reports) this.put(hostId, state).catch(() => {});
    const refused = this.write();
    if (refused !== undefined) throw refused;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private file(): number {
    this.fd ??= openSync(this.path, "a+", this.hooks.mode);
    return this.fd;
  }

  private replace(hostId: string, entry: ReportEntry | null): void {
    const old = this.entries.get(hostId);
    if (!this.before.has(hostId)) this.before.set(hostId, old);
    if (old && old.start >= 0) this.liveBytes -= old.end - old.start;
    if (old) this.unwritten.delete(old);
    if (entry) this.entries.set(hostId, entry);
    else this.entries.delete(hostId);
  }

  private enqueue(record: PendingRecord): Promise<void> {
    this.pending.push(record);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.write());
    }
    return done;
  }

  /** Returns what the write was refused with, if it was. */
  private write(): unknown {
    this.scheduled = false;
    const records = this.pending;
    const waiters = this.waiters;
    const before = this.before;
    this.pending = [];
    this.waiters = [];
    this.before = new Map();
    if (records.length === 0) return;
    const started = performance.now();
    const parts: Buffer[] = [];
    let offset = this.fileBytes;
    const placed: [ReportEntry, number, number, number][] = [];
    for (const record of records) {
      const start = offset;
      parts.push(record.header);
      offset += record.header.length;
      if (record.json && record.entry) {
        parts.push(record.json);
        placed.push([record.entry, start, offset, offset + record.json.length]);
        offset += record.json.length;
      }
    }
    try {
      if (this.tornTail) this.cut(this.fileBytes);
      this.tornTail = false;
      const bytes = Buffer.concat(parts);
      const fd = this.file();
      _writeAll(fd, bytes, bytes.length);
      fsyncSync(fd);
    } catch (err) {
      this.tornTail = !this.tryCut(this.fileBytes);
      for (const [hostId, entry] of before) {
        const now = this.entries.get(hostId);
        if (now) this.unwritten.delete(now);
        if (entry) {
          this.entries.set(hostId, entry);
          this.liveBytes += entry.end - entry.start;
        } else this.entries.delete(hostId);
      }
      this.hooks.onWriteError(this.path, err);
      for (const w of waiters) w.reject(err);
      return err ?? new Error("write refused");
    }
    this.fileBytes = offset;
    for (const [entry, start, report, end] of placed) {
      entry.start = start;
      entry.report = report;
      entry.end = end;
      this.unwritten.delete(entry);
    }
    for (const [hostId] of before) {
      const entry = this.entries.get(hostId);
      if (entry) this.liveBytes += entry.end - entry.start;
    }
    this.hooks.onWriteOk?.((performance.now() - started) / 1000);
    for (const w of waiters) w.resolve();
    if (this.fileBytes > Math.max(COMPACT_REPORTS_FROM_BYTES, 2 * this.liveBytes)) {
      try {
        this.compact();
      } catch (err) {
        // The file still holds every record; the next write tries again.
        this.hooks.onWriteError(this.path, err);
      }
    }
    return undefined;
  }

  /** Rewrites the file with each host's latest record, copied as it is, and swaps it in. */
  private compact(): void {
    const tmp = `${this.path}.tmp-${process.pid}-${Date.now()}`;
    const moved: [ReportEntry, number][] = [];
    let offset = 0;
    try {
      const out = openSync(tmp, "w", this.hooks.mode);
      try {
        const chunk = Buffer.alloc(1024 * 1024);
        let used = 0;
        for (const entry of this.entries.values()) {
          const size = entry.end - entry.start;
          if (size > chunk.length - used) {
            _writeAll(out, chunk, used);
            used = 0;
          }
          const record = size > chunk.length ? Buffer.alloc(size) : chunk.subarray(used, used + size);
          readSync(this.file(), record, 0, size, entry.start);
          if (size > chunk.length) _writeAll(out, record, size);
          else used += size;
          moved.push([entry, offset]);
          offset += size;
        }
        _writeAll(out, chunk, used);
        fsyncSync(out);
      } finally {
        closeSync(out);
      }
      renameSync(tmp, this.path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    fsyncDir(dirname(this.path));
    this.close();
    for (const [entry, start] of moved) {
      const delta = start - entry.start;
      entry.start += delta;
      entry.report += delta;
      entry.end += delta;
    }
    this.fileBytes = offset;
    this.liveBytes = offset;
  }

  private cut(size: number): void {
    const fd = this.file();
    ftruncateSync(fd, size);
    fsyncSync(fd);
  }

  private tryCut(size: number): boolean {
    try {
      this.cut(size);
      return true;
    } catch {
      return false;
    }
  }
}

function _writeAll(fd: number, bytes: Buffer, length: number): void {
  let off = 0;
  while (off < length) off += writeSync(fd, bytes, off, length - off);
}

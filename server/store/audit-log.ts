// The audit log: DATA/audit.jsonl, appended durably and never rewritten; rotated to
// audit.1.jsonl past a size cap so it cannot fill the disk.
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { appendDurable, fsyncDir } from "../../lib/atomic-write.ts";
import { readJsonLines } from "../../lib/json-lines.ts";
import { AuditEntry } from "../../protocol/audit.ts";
import { fileSize, repairTornTail, toJsonLines } from "./jsonl-files.ts";
import type { AuditQuery } from "./types.ts";

export class AuditLog {
  private readonly current: string;
  private readonly previous: string;
  private size: number;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {
    this.current = join(dir, "audit.jsonl");
    this.previous = join(dir, "audit.1.jsonl");
    repairTornTail(this.current);
    this.size = fileSize(this.current);
  }

  append(entry: AuditEntry): void {
    const text = toJsonLines([entry]);
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    appendDurable(this.current, text, 0o600);
    this.size += bytes;
  }

  /** Newest first; reaches into the rotated file only when the current one has too few matches. */
  list(query: AuditQuery): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (const path of [this.current, this.previous]) {
      const lines = readJsonLines(path);
      for (let i = lines.length - 1; i >= 0 && out.length < query.limit; i--) {
        const entry = AuditEntry.safeParse(lines[i]);
        if (!entry.success) continue;
        if (query.action !== undefined && entry.data.action !== query.action) continue;
        out.push(entry.data);
      }
      if (out.length >= query.limit || !existsSync(this.previous)) break;
    }
    return out;
  }

  private rotate(): void {
    renameSync(this.current, this.previous);
    fsyncDir(this.dir);
    this.size = 0;
  }
}

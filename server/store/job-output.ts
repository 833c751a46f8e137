// Job output files, DATA/output/<jobId>.jsonl. The file, not jobs.json, is the source of truth for
// which sequence numbers arrived: a crash between the append and the jobs.json write can then
// neither duplicate nor lose a line.
import { unlinkSync } from "node:fs";
import { join } from "node:path";
import { appendDurable } from "../../lib/atomic-write.ts";
import { readJsonLines } from "../../lib/json-lines.ts";
import { OutputLine } from "../../protocol/jobs.ts";
import { fileSize, repairTornTail, toJsonLines } from "./jsonl-files.ts";

export const OUTPUT_DIR = "output";

export class JobOutputFiles {
  constructor(private readonly dir: string) {}

  path(jobId: string): string {
    return join(this.dir, `${jobId}.jsonl`);
  }

  append(jobId: string, lines: readonly OutputLine[]): void {
    if (lines.length > 0) appendDurable(this.path(jobId), toJsonLines(lines), 0o600);
  }

  /** Deduplicated by seq (the first copy wins), in seq order. */
  read(jobId: string, afterSeq = -1): OutputLine[] {
    const bySeq = new Map<number, OutputLine>();
    for (const raw of readJsonLines(this.path(jobId))) {
      const line = OutputLine.safeParse(raw);
      if (!line.success || line.data.seq <= afterSeq || bySeq.has(line.data.seq)) continue;
      bySeq.set(line.data.seq, line.data);
    }
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  /** What the file holds after a restart: the next seq to expect and its size in bytes. */
  recover(jobId: string): { nextSeq: number; bytes: number } {
    const path = this.path(jobId);
    repairTornTail(path);
    let maxSeq = -1;
    for (const line of this.read(jobId)) maxSeq = Math.max(maxSeq, line.seq);
    return { nextSeq: maxSeq + 1, bytes: fileSize(path) };
  }

  remove(jobId: string): void {
    try {
      unlinkSync(this.path(jobId));
    } catch {
      // Jobs without output have no file.
    }
  }
}

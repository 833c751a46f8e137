// Job output files, DATA/output/<jobId>.jsonl. The file, not jobs.json, is the source of truth for
// which sequence numbers arrived: a crash between the append and the jobs.json write can then
// neither duplicate nor lose a line.
import { unlinkSync } from "node:fs";
import { join } from "node:path";
import { appendDurable } from "../../lib/atomic-write.ts";
import { scanJsonLines } from "../../lib/json-lines.ts";
import { OutputLine } from "../../protocol/jobs.ts";
import { cutBackTo, fileSize, repairTornTail, toJsonLines } from "./jsonl-files.ts";
import { checkWith, StoreCorruptError } from "./load.ts";

export const OUTPUT_DIR = "output";

export class JobOutputFiles {
  /** Jobs whose file a failed append left torn and the cut failed too: repaired before the next. */
  private readonly torn = new Set<string>();

  constructor(private readonly dir: string) {}

  path(jobId: string): string {
    return join(this.dir, `${jobId}.jsonl`);
  }

  /** All lines or none: a refused append (ENOSPC) leaves the file as it was. */
  append(jobId: string, lines: readonly OutputLine[]): void {
    if (lines.length === 0) return;
    const path = this.path(jobId);
    if (this.torn.has(jobId)) {
      repairTornTail(path);
      this.torn.delete(jobId);
    }
    const size = fileSize(path);
    try {
      appendDurable(path, toJsonLines(lines), 0o600);
    } catch (err) {
      if (!cutBackTo(path, size)) this.torn.add(jobId);
      throw err;
    }
  }

  /**
   * Deduplicated by seq (the first copy wins), in seq order. Output is read per request, not at
   * start: one job's damaged file should not keep fleetd and the fleet down, so a damaged line
   * (not the torn last one a crash leaves) makes this read fail naming the file and line instead
   * of answering without it.
   */
  read(jobId: string, afterSeq = -1): OutputLine[] {
    const path = this.path(jobId);
    const scan = scanJsonLines(path, checkLine);
    const first = scan.damaged[0];
    if (first) throw new StoreCorruptError(path, `line ${first.line} is ${first.problem}`);
    return dedupe(scan.values, afterSeq);
  }

  /** What the file holds after a restart: the next seq to expect and its size in bytes. */
  recover(jobId: string): { nextSeq: number; bytes: number } {
    const path = this.path(jobId);
    repairTornTail(path);
    // Intact lines only: a damaged line is reported when the output is read, not at start.
    let maxSeq = -1;
    for (const line of scanJsonLines(path, checkLine).values) maxSeq = Math.max(maxSeq, line.seq);
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

const checkLine = checkWith(OutputLine, "an output line");

function dedupe(lines: OutputLine[], afterSeq: number): OutputLine[] {
  const bySeq = new Map<number, OutputLine>();
  for (const line of lines) {
    if (line.seq <= afterSeq || bySeq.has(line.seq)) continue;
    bySeq.set(line.seq, line);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

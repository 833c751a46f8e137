// The runner's side of the spool: output lines buffered briefly and appended with fsync
// in batches, so chatty output does not cost an fsync per line but nothing the runner
// reported is lost for more than one flush interval if the machine dies. On a full or
// read-only disk what cannot be written is held (bounded by the output caps) and tried again,
// and the result waits for the disk: the runner stays alive, holding its lock, until it is on it,
// unless the job's directory itself is gone, when nothing can ever read it.

import { existsSync, statSync, truncateSync } from "node:fs";
import { appendDurable, writeFileAtomic } from "../../lib/atomic-write.ts";
import type { JobResult, Progress } from "../../protocol/index.ts";
import { log } from "../log.ts";
import { LINE_CUT_NOTE, MAX_LINE_CHARS } from "./child.ts";
import type { JobFiles, SpoolEvent } from "./spool.ts";

export const SPOOL_FLUSH_MS = 100;
/** Output kept per job on the host; beyond it lines are dropped and one notice is written. */
export const SPOOL_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/**
 * Beyond the cap the agent's own lines ("T2.sh: passed", "result: …") are still kept, up to this
 * much more: how the job ended must not be cut along with what it printed.
 */
export const SPOOL_AGENT_RESERVE_BYTES = 64 * 1024;
/** What an output event adds to its text in events.jsonl: `{"t":"out","seq":…,"ts":…,"stream":…}`. */
const EVENT_ENVELOPE_BYTES = 80;
/** While the spool cannot be written, how often the runner tries again. */
export const SPOOL_RETRY_MS = 1_000;

export class SpoolWriter {
  private pending: string[] = [];
  private seq = 0;
  private bytes = 0;
  private truncated = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The last write failed (said once per failing spell, not once a second). */
  private failing = false;

  constructor(private readonly files: JobFiles) {}

  get linesWritten(): number {
    return this.seq;
  }

  start(): void {
    this._push({ t: "start", ts: new Date().toISOString() });
    this.flush();
  }

  line(stream: "stdout" | "stderr" | "agent", data: string): void {
    if (this.truncated && stream !== "agent") return;
    // A child's line arrives already cut (child.ts); this bounds lines from anywhere else.
    const longest = MAX_LINE_CHARS + LINE_CUT_NOTE.length;
    const text = data.length > longest ? `${data.slice(0, MAX_LINE_CHARS)}${LINE_CUT_NOTE}` : data;
    // Counted as spooled, envelope and all: 4 MiB of one-letter lines counted by their text alone
    // was 4 million events, 350 MB of spool and 2.3 GiB of runner memory.
    this.bytes += Buffer.byteLength(JSON.stringify(text)) + EVENT_ENVELOPE_BYTES;
    if (!this.truncated && this.bytes > SPOOL_MAX_OUTPUT_BYTES) {
      this.truncated = true;
      this._out("agent", `[output truncated at ${SPOOL_MAX_OUTPUT_BYTES} bytes]`);
      if (stream !== "agent") return;
    }
    if (this.bytes > SPOOL_MAX_OUTPUT_BYTES + SPOOL_AGENT_RESERVE_BYTES) return;
    this._out(stream, text);
  }

  progress(progress: Progress): void {
    this._push({ t: "progress", progress });
  }

  /**
   * Writes everything pending, then the result, durably and in that order, trying again every
   * SPOOL_RETRY_MS while the disk refuses: a result given up on would leave the job to end as
   * "runner died", or not at all.
   */
  async finish(result: JobResult): Promise<void> {
    const text = JSON.stringify({ ...result, outputLines: this.seq });
    for (;;) {
      if (this.gone()) return;
      if (this.flush()) {
        try {
          writeFileAtomic(this.files.result, text);
          return;
        } catch (err) {
          this._failed(err);
        }
      }
      await Bun.sleep(SPOOL_RETRY_MS);
    }
  }

  /** Appends what is pending; false (and a retry scheduled) if the disk refused it. */
  flush(): boolean {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return true;
    const text = this.pending.join("");
    try {
      _appendWhole(this.files.events, text);
    } catch (err) {
      this._failed(err);
      if (!this.gone()) this.timer = setTimeout(() => this.flush(), SPOOL_RETRY_MS);
      return false;
    }
    this.pending = [];
    if (this.failing) log.info("the job's spool is writable again");
    this.failing = false;
    return true;
  }

  /**
   * The job's directory was removed (the state dir purged, the agent uninstalled): nothing will
   * ever read what the runner holds, and waiting for the disk would keep it alive for ever.
   */
  gone(): boolean {
    if (existsSync(this.files.dir)) return false;
    log.error(`the job's spool ${this.files.dir} is gone; its output and result are dropped`);
    return true;
  }

  private _failed(err: unknown): void {
    if (!this.failing)
      log.error(`cannot write the job's spool (${(err as Error).message}); holding it and retrying`);
    this.failing = true;
  }

  private _out(stream: "stdout" | "stderr" | "agent", data: string): void {
    this._push({ t: "out", seq: this.seq++, ts: new Date().toISOString(), stream, data });
  }

  private _push(event: SpoolEvent): void {
    this.pending.push(`${JSON.stringify(event)}\n`);
    this.timer ??= setTimeout(() => this.flush(), SPOOL_FLUSH_MS);
  }
}

/**
 * appendDurable, but all or nothing: an append the disk cut short is cut back off, so the retry
 * starts on a line of its own instead of gluing onto a torn one (which readers would skip).
 */
function _appendWhole(path: string, text: string): void {
  const before = existsSync(path) ? statSync(path).size : 0;
  try {
    appendDurable(path, text);
  } catch (err) {
    try {
      if (existsSync(path)) truncateSync(path, before);
    } catch {
      // read-only: then nothing was appended either
    }
    throw err;
  }
}

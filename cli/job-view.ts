// How `fleetctl job --follow` shows one job: its output as it arrives and, on a terminal, a
// bar under it redrawn in place (steps done, current step, state, elapsed). When stdout is
// not a terminal, stdout carries only the job's output (so `--follow > log` is just the log)
// and each progress change is one plain line on stderr.
import { isTerminal, type Job } from "../protocol/index.ts";
import { escapeControls } from "./format/escape.ts";
import { formatDuration } from "./format/time.ts";

const CLEAR_LINE = "\r\u001b[2K";

/** "[##########--------------] 2/5 T02-services.sh · running 4.1s" */
export function renderJobBar(job: Job, now = Date.now(), width = 24): string {
  const p = job.progress;
  const filled = p && p.total > 0 ? Math.round((Math.min(p.current, p.total) / p.total) * width) : 0;
  const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
  const step = p ? ` ${p.current}/${p.total}${p.label ? ` ${escapeControls(p.label)}` : ""}` : "";
  const since = job.startedAt ?? job.createdAt;
  const elapsed = isTerminal(job.state) ? "" : ` ${formatDuration(now - Date.parse(since))}`;
  return `${bar}${step} · ${job.state}${elapsed}`;
}

/** One plain line per progress change, for logs: "progress 2/5 T02-services.sh". */
export function describeProgress(job: Job): string | null {
  const p = job.progress;
  return p ? `progress ${p.current}/${p.total}${p.label ? ` ${escapeControls(p.label)}` : ""}` : null;
}

export interface JobViewOptions {
  tty: boolean;
  /** stdout */
  write: (text: string) => void;
  /** stderr, for the plain progress lines */
  note: (line: string) => void;
  now?: () => number;
}

export function createJobFollowView(opts: JobViewOptions) {
  const now = opts.now ?? Date.now;
  let latest: Job | null = null;
  let lastNote: string | null = null;
  const bar = () => (latest ? renderJobBar(latest, now()) : "");
  return {
    /** New output lines, already formatted. */
    output(lines: readonly string[]) {
      if (!lines.length) return;
      const text = lines.map((l) => `${l}\n`).join("");
      opts.write(opts.tty ? `${CLEAR_LINE}${text}${bar()}` : text);
    },
    update(job: Job) {
      latest = job;
      if (opts.tty) return opts.write(`${CLEAR_LINE}${bar()}`);
      const note = describeProgress(job);
      if (note && note !== lastNote) opts.note(note);
      lastNote = note;
    },
    /** Leaves the final bar on a terminal; how the job ended is reported by the caller. */
    finish(job: Job) {
      latest = job;
      if (opts.tty) opts.write(`${CLEAR_LINE}${bar()}\n`);
    },
  };
}

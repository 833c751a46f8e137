// How `fleetctl run --wait` shows jobs moving: a redrawn bar on a terminal, plain
// one-line-per-change output when piped (logs and CI keep every transition).
import { isTerminal, type Job } from "../protocol/index.ts";
import { escapeControls } from "./format/escape.ts";

export interface TrackedJob {
  /** What the operator calls it: the host name. */
  label: string;
  job: Job;
}

export interface ProgressCounts {
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  running: number;
  waiting: number;
}

export function countJobs(tracked: readonly TrackedJob[]): ProgressCounts {
  const counts = { total: tracked.length, done: 0, succeeded: 0, failed: 0, running: 0, waiting: 0 };
  for (const { job } of tracked) {
    if (job.state === "succeeded") counts.succeeded++;
    else if (isTerminal(job.state)) counts.failed++;
    else if (job.state === "running") counts.running++;
    else counts.waiting++;
  }
  counts.done = counts.succeeded + counts.failed;
  return counts;
}

/** "[########----------------] 2/6 done · 1 failed · 3 running · 1 waiting" */
export function renderBar(tracked: readonly TrackedJob[], width = 24): string {
  const c = countJobs(tracked);
  const filled = c.total === 0 ? width : Math.round((c.done / c.total) * width);
  const parts = [`${c.done}/${c.total} done`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.running) parts.push(`${c.running} running`);
  if (c.waiting) parts.push(`${c.waiting} waiting`);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${parts.join(" · ")}`;
}

/** One job's state as a line: "web1: running 3/10 building", "web1: failed (exit 2): reason". */
export function describeJob({ label, job }: TrackedJob): string {
  let text = `${label}: ${job.state}`;
  if (job.state === "running" && job.progress) {
    const { current, total, label: step } = job.progress;
    text += ` ${current}/${total}${step ? ` ${escapeControls(step)}` : ""}`;
  }
  if (isTerminal(job.state) && job.state !== "succeeded") {
    if (job.exitCode !== undefined && job.exitCode !== null) text += ` (exit ${job.exitCode})`;
    // Both come from the host: shown escaped like its output (format/escape.ts).
    if (job.reason) text += `: ${escapeControls(job.reason)}`;
  }
  return text;
}

export interface ProgressView {
  update(tracked: readonly TrackedJob[]): void;
  finish(tracked: readonly TrackedJob[]): void;
}

const CLEAR_LINE = "\r\u001b[2K";

export function createProgressView(opts: { tty: boolean; write: (text: string) => void }): ProgressView {
  const shown = new Map<string, string>();
  const changed = (tracked: readonly TrackedJob[], onlyTerminal: boolean) =>
    tracked.filter((t) => {
      if (onlyTerminal && !isTerminal(t.job.state)) return false;
      const line = describeJob(t);
      if (shown.get(t.job.id) === line) return false;
      shown.set(t.job.id, line);
      return true;
    });

  if (opts.tty) {
    // Finished jobs scroll up above the bar; the bar itself is redrawn in place.
    return {
      update(tracked) {
        const lines = changed(tracked, true).map((t) => `${describeJob(t)}\n`);
        opts.write(`${CLEAR_LINE}${lines.join("")}${renderBar(tracked)}`);
      },
      finish(tracked) {
        const lines = changed(tracked, true).map((t) => `${describeJob(t)}\n`);
        opts.write(`${CLEAR_LINE}${lines.join("")}${renderBar(tracked)}\n`);
      },
    };
  }
  return {
    update(tracked) {
      for (const t of changed(tracked, false)) opts.write(`${describeJob(t)}\n`);
    },
    finish(tracked) {
      for (const t of changed(tracked, false)) opts.write(`${describeJob(t)}\n`);
      const c = countJobs(tracked);
      opts.write(`${c.done}/${c.total} done: ${c.succeeded} succeeded, ${c.failed} not succeeded\n`);
    },
  };
}

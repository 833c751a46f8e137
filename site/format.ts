// How job, host and rollout states read on the board: a word and a tone, never colour alone.
import type { BoardHost, BoardJob } from "../protocol/board.ts";
import { esc, relTime } from "./dom.ts";

export type Tone = "ok" | "bad" | "warn" | "info" | "idle";

const JOB_TONES: Record<BoardJob["state"], Tone> = {
  queued: "idle",
  dispatched: "info",
  running: "info",
  succeeded: "ok",
  failed: "bad",
  timed_out: "bad",
  lost: "bad",
  cancelled: "warn",
  skipped: "idle",
};

export const badge = (text: string, tone: Tone, extra = "") =>
  `<span class="badge ${tone}"${extra}>${esc(text)}</span>`;

export const jobStateText = (state: BoardJob["state"]) => state.replace("_", " ");

export function jobBadge(job: Pick<BoardJob, "state">): string {
  return badge(jobStateText(job.state), JOB_TONES[job.state]);
}

/** A last-result cell: state and when it ended, with the reason as a tooltip. */
export function lastResult(job: BoardJob | null): string {
  if (!job) return `<span class="muted">never</span>`;
  const title = job.reason ? ` title="${esc(job.reason)}"` : "";
  return `<span class="result"${title}>${jobBadge(job)} ${relTime(job.finishedAt ?? job.createdAt)}</span>`;
}

/** The running job with a bar: tests report current / total; other ops show an indeterminate bar. */
export function runningJob(job: BoardJob | null, queued: number): string {
  const more = queued > 0 ? ` <span class="muted">+${queued} queued</span>` : "";
  if (!job)
    return `<div class="run"><span class="muted">${queued > 0 ? `${queued} queued` : "idle"}</span></div>`;
  const p = job.progress;
  const label = `${job.op} ${p && p.total > 0 ? `${p.current}/${p.total}` : jobStateText(job.state)}`;
  const bar =
    p && p.total > 0
      ? `<progress max="${p.total}" value="${p.current}" aria-label="${esc(label)}"></progress>`
      : `<progress aria-label="${esc(label)}"></progress>`;
  return `<div class="run" data-job="${esc(job.id)}">${bar}<span class="run-label">${esc(label)}</span>${more}</div>`;
}

export type HostState = "offline" | "failing" | "outdated" | "running" | "ok";

/** The one word a host's row leads with; the order is also the sort order (worst first). */
export function hostState(h: BoardHost): HostState {
  if (!h.online) return "offline";
  if (h.failing) return "failing";
  if (h.outdated) return "outdated";
  if (h.running) return "running";
  return "ok";
}

export const STATE_RANK: Record<HostState, number> = {
  offline: 0,
  failing: 1,
  outdated: 2,
  running: 3,
  ok: 4,
};

export function platformText(h: Pick<BoardHost, "platform" | "arch">): string {
  return h.platform ? `${h.platform}${h.arch ? ` ${h.arch}` : ""}` : "unknown";
}

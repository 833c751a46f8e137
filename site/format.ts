// How job, host and rollout states read on the board: a word and a tone, never colour alone.
import type { Alert } from "../protocol/alerts.ts";
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

/**
 * How far a job got, in words: tests as passed of total ("2/3 passed", while running
 * "2/5 run, 2 passed"), downloads in bytes ("52 MiB/104 MiB, 50%"), other steps as "1/3".
 */
export function progressText(job: Pick<BoardJob, "op" | "state" | "progress">): string | null {
  const p = job.progress;
  if (!p || p.total === 0) return null;
  // Agents before the unit field said "KiB" in the label.
  if (p.unit === "KiB" || p.label === "KiB") {
    const pct = Math.floor((100 * p.current) / p.total);
    return `${kib(p.current)}/${kib(p.total)}, ${pct}%`;
  }
  if (job.op === "test" && p.passed !== undefined) {
    if (job.state === "running" || job.state === "dispatched")
      return `${p.current}/${p.total} run, ${p.passed} passed`;
    return `${p.passed}/${p.total} passed`;
  }
  return `${p.current}/${p.total}`;
}

/** 106870 KiB → "104 MiB"; one decimal below 10 of a unit. */
export function kib(n: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value < 10 && i > 0 ? value.toFixed(1) : Math.round(value)} ${units[i]}`;
}

/**
 * A last-result cell: state, tests passed of total, and when it ended, with the reason as a
 * tooltip. `staleAfter` (the last switch's end) marks a result from before it: it says nothing
 * about what the host runs now.
 */
export function lastResult(job: BoardJob | null, staleAfter?: string | null): string {
  if (!job) return `<span class="muted">never</span>`;
  const title = job.reason ? ` title="${esc(job.reason)}"` : "";
  const progress = progressText(job);
  const counts = progress ? ` <span class="counts">${esc(progress)}</span>` : "";
  const ended = job.finishedAt ?? job.createdAt;
  const stale =
    staleAfter && staleAfter > ended
      ? ` ${badge("stale: before last switch", "warn", ' data-stale=""')}`
      : "";
  return `<span class="result"${title}>${jobBadge(job)}${counts} ${relTime(ended)}${stale}</span>`;
}

/** The running job with a bar and how far it got (see progressText); else an indeterminate bar. */
export function runningJob(job: BoardJob | null, queued: number): string {
  const more = queued > 0 ? ` <span class="muted">+${queued} queued</span>` : "";
  if (!job)
    return `<div class="run"><span class="muted">${queued > 0 ? `${queued} queued` : "idle"}</span></div>`;
  const p = job.progress;
  const label = `${job.op} ${progressText(job) ?? jobStateText(job.state)}`;
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

/** "silenced", "acked by admin": why an open alert is shown muted; "" for one nobody has seen to. */
export function alertQuietText(a: Pick<Alert, "silenced" | "ackedBy">): string {
  return [a.ackedBy ? `acked by ${a.ackedBy}` : "", a.silenced ? "silenced" : ""].filter(Boolean).join(", ");
}

/** Why a host needs attention, in a few words each ("offline", "test failed", "agent outdated"). */
export function attentionReasons(h: BoardHost): string[] {
  const reasons: string[] = [];
  if (!h.online) reasons.push("offline");
  for (const op of ["pull", "switch", "test"] as const) {
    const job = h.last[op];
    if (job && (job.state === "failed" || job.state === "timed_out" || job.state === "lost"))
      reasons.push(`${op} ${jobStateText(job.state)}`);
  }
  // An alert that repeats a reason above (a failed test's job_failed, host_offline) adds nothing.
  const said = reasons.length > (h.online ? 0 : 1);
  for (const alert of h.alerts) {
    if ((alert.kind === "job_failed" && said) || alert.kind === "host_offline") continue;
    const what = alert.kind.replaceAll("_", " ");
    if (!reasons.includes(what)) reasons.push(what);
  }
  if (h.failing && reasons.length === (h.online ? 0 : 1)) reasons.push("failing");
  // Pulled and untested are on their way to current; these need someone to act.
  if (ATTENTION_CONFIG.has(h.config.state)) reasons.push(`config ${h.config.state}`);
  if (h.outdated) reasons.push("agent outdated");
  return reasons;
}

const ATTENTION_CONFIG = new Set<BoardHost["config"]["state"]>(["failed", "dirty", "behind"]);

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

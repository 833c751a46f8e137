// Job rows, states and output lines as fleetctl shows them in tables and detail views.
import type { Job, JobState, OutputLine } from "../../protocol/index.ts";
import { paint } from "../output.ts";
import { escapeControls } from "./escape.ts";
import { formatTable } from "./table.ts";
import { durationBetween, relativeTime } from "./time.ts";

export function paintState(state: JobState): string {
  if (state === "succeeded") return paint.green(state);
  if (state === "failed" || state === "timed_out" || state === "lost") return paint.red(state);
  if (state === "cancelled" || state === "skipped") return paint.yellow(state);
  return state;
}

/** Jobs newest first; `hostNames` maps ids to names so operators see names, not ids. */
export function formatJobsTable(
  jobs: readonly Job[],
  hostNames: ReadonlyMap<string, string> = new Map(),
  now = Date.now(),
): string {
  const rows = jobs.map((job) => [
    job.id,
    hostNames.get(job.hostId) ?? job.hostId,
    job.op,
    paintState(job.state),
    relativeTime(job.createdAt, now),
    durationBetween(job.startedAt, job.finishedAt, now),
    job.exitCode === undefined || job.exitCode === null ? "" : String(job.exitCode),
  ]);
  return formatTable(
    ["ID", "HOST", "OP", "STATE", "CREATED", "DURATION", { header: "EXIT", align: "right" }],
    rows,
  );
}

/**
 * An output line for the terminal: control characters shown escaped (escape.ts), agent notes
 * marked so they stand apart from the op's own output.
 */
export function formatOutputLine(line: OutputLine): string {
  const data = escapeControls(line.data.replace(/\r?\n$/, ""));
  return line.stream === "agent" ? paint.gray(`[agent] ${data}`) : data;
}

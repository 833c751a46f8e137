// What a host has been doing, as the board and `fleetctl hosts` both show it: the latest pull,
// switch and test, the job in flight, how many wait behind it, and whether the host is failing.
// One function for both, so the board and the CLI can never disagree about a host.
import type { Alert, AlertKind } from "../../protocol/alerts.ts";
import type { HostActivity } from "../../protocol/hosts.ts";
import type { Operation } from "../../protocol/job-ops.ts";
import { isTerminal, type JobState, JobSummary } from "../../protocol/jobs.ts";
import type { ServerContext } from "../context.ts";
import { keepFields } from "../store/records/fields.ts";
import type { JobRecord } from "../store/records/job.ts";
import { isInFlight } from "./job-in-flight.ts";

const SHOWN_OPS = ["pull", "switch", "test"] as const satisfies readonly Operation[];
const BAD_RESULTS: ReadonlySet<JobState> = new Set(["failed", "timed_out", "lost"]);
/** Alerts that say something the host did failed; offline, behind and needs-reboot are shown as such. */
const FAILURE_ALERTS: ReadonlySet<AlertKind> = new Set([
  "job_failed",
  "update_failed",
  "deploy_failed",
  "rolled_back",
]);

/** `openAlerts`: the fleet's open alerts, fetched once by a caller that looks at many hosts. */
export function hostActivity(ctx: ServerContext, hostId: string, openAlerts: readonly Alert[]): HostActivity {
  const active = ctx.store.activeJobs(hostId);
  const running = active.find(isInFlight);
  const queued = active.filter((job) => job.state === "queued").length;
  const last: HostActivity["last"] = { pull: null, switch: null, test: null };
  const jobs = ctx.store.hostJobs(hostId);
  // Newest first, stopping once every operation has its latest result: old history is not walked.
  for (let i = jobs.length - 1; i >= 0 && !(last.pull && last.switch && last.test); i--) {
    const job = jobs[i]!;
    if (isTerminal(job.state) && _isShown(job.op) && !last[job.op]) last[job.op] = jobSummary(job);
  }
  const failed = SHOWN_OPS.some((op) => {
    const job = last[op];
    return job !== null && BAD_RESULTS.has(job.state);
  });
  return {
    last,
    running: running ? jobSummary(running) : null,
    queued,
    failing: failed || openAlerts.some((a) => a.subject === hostId && FAILURE_ALERTS.has(a.kind)),
  };
}

/** A stored job as a listing of hosts shows it. */
export const jobSummary = (job: Readonly<JobRecord>): JobSummary => keepFields(JobSummary, job);

const _isShown = (op: Operation): op is (typeof SHOWN_OPS)[number] =>
  (SHOWN_OPS as readonly Operation[]).includes(op);

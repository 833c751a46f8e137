// The alerts a job's end raises or resolves, for every path a job ends by (fleetctl run, a
// rollout, the sweeper): job_failed while a host's latest switch, test or deploy failed or timed
// out, and rolled_back when a deploy went back (or could not). A later success of the op resolves
// them; deploy_failed, which the rollout engine raises, is resolved here too by a deploy that succeeds.

import type { Operation } from "../../protocol/job-ops.ts";
import type { RollbackCause } from "../../protocol/job-outcomes.ts";
import type { ServerContext } from "../context.ts";
import type { JobRecord } from "../store/records/job.ts";
import { raiseAlert, resolveAlert } from "./alerts.ts";

const WATCHED_OPS: ReadonlySet<Operation> = new Set(["switch", "test", "deploy"]);
const FAILED_STATES: ReadonlySet<JobRecord["state"]> = new Set(["failed", "timed_out"]);

const CAUSE_TEXT: Record<RollbackCause, string> = {
  switch_failed: "the switch failed",
  not_confirmed: "no fresh agent confirmed the new system in time",
  tests_failed: "the host's tests failed after the switch",
};

export async function noteJobAlerts(ctx: ServerContext, job: Readonly<JobRecord>): Promise<void> {
  if (!WATCHED_OPS.has(job.op)) return;
  // A cancelled, lost or skipped job says nothing about whether the op works on the host.
  if (job.state !== "succeeded" && !FAILED_STATES.has(job.state)) return;
  const name = ctx.store.getHost(job.hostId)?.name ?? job.hostId;
  if (job.op === "deploy") await _noteDeploy(ctx, job, name);
  const failing = failingJobs(ctx.store.hostJobs(job.hostId));
  if (failing.length === 0) {
    await resolveAlert(ctx, "job_failed", job.hostId, `${job.op} succeeded on ${name} (job ${job.id})`);
    return;
  }
  await raiseAlert(ctx, "job_failed", job.hostId, failing.map((j) => _failureText(j, name)).join("; "));
}

/**
 * The host's switch, test and deploy jobs whose op has not succeeded since, oldest first. A
 * succeeded deploy switched (and, unless told not to, tested) too. A deploy that rolled back is
 * the rolled_back alert's to tell.
 */
export function failingJobs(jobs: readonly Readonly<JobRecord>[]): Readonly<JobRecord>[] {
  const failing = new Map<Operation, Readonly<JobRecord>>();
  for (const job of jobs) {
    if (!WATCHED_OPS.has(job.op)) continue;
    if (job.state === "succeeded") {
      failing.delete(job.op);
      if (job.op === "deploy") {
        failing.delete("switch");
        if (job.args.test) failing.delete("test");
      }
    } else if (FAILED_STATES.has(job.state) && !_rolledBack(job)) {
      failing.delete(job.op);
      failing.set(job.op, job);
    }
  }
  return [...failing.values()];
}

const _rolledBack = (job: Readonly<JobRecord>): boolean =>
  job.outcome?.op === "deploy" &&
  (job.outcome.kind === "rolled_back" || job.outcome.kind === "rollback_failed");

function _failureText(job: Readonly<JobRecord>, name: string): string {
  const how = job.state === "timed_out" ? "timed out" : "failed";
  const detail = job.reason ? `: ${job.reason}` : job.exitCode != null ? `, exit ${job.exitCode}` : "";
  const again = job.op === "deploy" ? "deploy again" : `run it again (fleetctl run ${job.op} ${name} --wait)`;
  return (
    `${job.op} ${how} on ${name} (job ${job.id}${detail}); ` +
    `read its output (fleetctl job ${job.id}), fix the cause and ${again}`
  );
}

async function _noteDeploy(ctx: ServerContext, job: Readonly<JobRecord>, name: string): Promise<void> {
  const outcome = job.outcome?.op === "deploy" ? job.outcome : undefined;
  if (job.state === "succeeded") {
    const resolution = `${name} deployed${outcome ? ` ${outcome.commit.slice(0, 12)}` : ""} (job ${job.id})`;
    await resolveAlert(ctx, "rolled_back", job.hostId, resolution);
    await resolveAlert(ctx, "deploy_failed", job.hostId, resolution);
    return;
  }
  if (outcome?.kind === "rolled_back") {
    const generation = outcome.generationAfter ?? outcome.generationBefore;
    await raiseAlert(
      ctx,
      "rolled_back",
      job.hostId,
      `${name} rolled back from ${outcome.commit.slice(0, 12)} to ` +
        `${generation === null ? "its previous generation" : `generation ${generation}`} because ` +
        `${CAUSE_TEXT[outcome.cause]} (job ${job.id}); it runs its previous system. Read the job's ` +
        `output (fleetctl job ${job.id}), fix the config and deploy again`,
    );
  } else if (outcome?.kind === "rollback_failed") {
    await raiseAlert(
      ctx,
      "rolled_back",
      job.hostId,
      `${name} could not roll back after deploying ${outcome.commit.slice(0, 12)} (${CAUSE_TEXT[outcome.cause]}; ` +
        `job ${job.id}): its active system may be half switched. Log in and check it ` +
        `(fleetctl host ${name} shows its generations), then switch or deploy by hand`,
    );
  }
}

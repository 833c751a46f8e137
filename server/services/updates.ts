// Agent self-updates as fleetd tracks them. Success is what the new process reports: the
// host saying hello with the target version and SHA-256 and staying up for the soak, or
// the agent's own health-gated result. A reported rollback (the result's outcome, never its
// reason text), a timeout or a host that goes away is a failure, raises an update_failed alert,
// and is audited.
import type { Hello } from "../../protocol/agent.ts";
import { PROTOCOL_VERSION } from "../../protocol/common.ts";
import type { UpdateRolloutTarget } from "../../protocol/rollouts.ts";
import type { UpdateJobArgs, UpdateRequest } from "../../protocol/updates.ts";
import type { ServerContext } from "../context.ts";
import { conflict } from "../errors.ts";
import type { HostRecord } from "../store/records/host.ts";
import type { JobRecord, JobRecordOf } from "../store/records/job.ts";
import { raiseAlert, resolveAlert } from "./alerts.ts";
import { recordAudit, SYSTEM_ACTOR } from "./audit.ts";
import { requireHost } from "./hosts.ts";
import { finishJob } from "./job-lifecycle.ts";
import { createJob } from "./jobs.ts";
import { describeSilentUpdate } from "./update-silence.ts";

const helloTimes = (ctx: ServerContext) => ctx.updateHellos;

export async function dispatchUpdate(
  ctx: ServerContext,
  hostId: string,
  request: UpdateRequest,
  actor: string,
) {
  const args = updateArgsFor(ctx, requireHost(ctx, hostId), {
    allowDowngrade: request.allowDowngrade ?? false,
  });
  const job = await createJob(ctx, hostId, { op: "update", args }, actor);
  await recordAudit(ctx, actor, "host.update_dispatched", hostId, { jobId: job.id, version: args.version });
  return job;
}

/**
 * What an update job for `host` installs: the build fleetd serves for its platform, which must be
 * the pinned one when a rollout pinned it. Throws a 409 naming why there is none.
 */
export function updateArgsFor(
  ctx: ServerContext,
  host: Readonly<HostRecord>,
  opts: { allowDowngrade: boolean; timeoutSeconds?: number; pinned?: UpdateRolloutTarget },
): UpdateJobArgs {
  const manifest = ctx.artifacts.manifest();
  if (!manifest)
    throw conflict("fleetd serves no artifacts (start it with --artifacts DIR or from a build's dist/)");
  if (!host.platform || !host.arch)
    throw conflict(`host ${host.name} has never said hello; its platform is unknown`);
  const artifact = ctx.artifacts.agentFor(host.platform, host.arch);
  if (!artifact) throw conflict(`this build has no fleet-agent for ${host.platform}-${host.arch}`);
  const pinned = opts.pinned;
  // A rollout from before pinning (0.1.x) pinned only the version: its sha256 map is empty.
  const pinnedSha = pinned?.sha256[artifact.target] ?? artifact.sha256;
  if (pinned && (pinned.version !== manifest.version || pinnedSha !== artifact.sha256)) {
    throw conflict(
      `the rollout is pinned to ${pinned.version} (${pinnedSha.slice(0, 12)} ` +
        `for ${artifact.target}), but fleetd now serves ${manifest.version} (${artifact.sha256.slice(0, 12)}); ` +
        "start a new rollout to install the new build",
    );
  }
  return {
    version: manifest.version,
    sha256: artifact.sha256,
    allowDowngrade: opts.allowDowngrade,
    ...(opts.timeoutSeconds ? { timeoutSeconds: opts.timeoutSeconds } : {}),
  };
}

/** On hello: a running update whose target the host now runs starts its soak, to end on time. */
export function noteUpdateHello(ctx: ServerContext, hostId: string, hello: Hello): void {
  for (const job of ctx.store.activeJobs(hostId)) {
    if (job.op !== "update") continue;
    if (job.args.version === hello.version && job.args.sha256 === hello.sha256) {
      if (helloTimes(ctx).has(job.id)) continue;
      const now = Date.now();
      helloTimes(ctx).set(job.id, now);
      ctx.wakeups.at(now + ctx.config.updateSoakMs);
    }
  }
}

/** Called by the sweeper: soaks that passed succeed; updates past their timeout fail. */
export function sweepUpdates(ctx: ServerContext, now: number): Promise<unknown>[] {
  const settled: Promise<unknown>[] = [];
  for (const job of ctx.store.activeJobs()) {
    if (job.op !== "update") continue;
    if (job.state === "queued") {
      const never = _neverReached(ctx, job, now);
      if (never) settled.push(finishJob(ctx, job, never, SYSTEM_ACTOR, "job.finished"));
      continue;
    }
    if (!job.dispatchedAt) continue;
    const helloAt = helloTimes(ctx).get(job.id);
    if (helloAt !== undefined && now - helloAt >= ctx.config.updateSoakMs) {
      if (ctx.coordinator.presence.isOnline(job.hostId, now)) {
        const { version } = job.args;
        settled.push(
          finishJob(
            ctx,
            job,
            {
              state: "succeeded",
              exitCode: 0,
              reason: `host runs ${version}`,
              outcome: { op: "update", kind: "updated", version },
            },
            SYSTEM_ACTOR,
            "job.finished",
          ),
        );
        continue;
      }
    }
    // Silence, not duration, fails an update: the clock restarts at every report from the agent
    // (started, download progress), so a 100 MB download over a slow link is not cut short, while
    // an agent that stops reporting, or never comes back on the new version, still fails in time.
    const timeoutMs = _timeoutMs(ctx, job);
    const lastSign = Math.max(
      Date.parse(job.dispatchedAt),
      job.startedAt ? Date.parse(job.startedAt) : 0,
      ctx.updateReports.get(job.id) ?? 0,
    );
    if (now - lastSign > timeoutMs) {
      const reason = describeSilentUpdate({
        job,
        timeoutMs,
        lastReportAt: ctx.updateReports.get(job.id) ?? null,
        // fleetd takes hellos in its own protocol only (assertProtocol): a host that polled speaks it.
        agentProtocol: PROTOCOL_VERSION,
        lastHeard: ctx.store.getHost(job.hostId)?.lastSeen ?? null,
        offlineSince: ctx.coordinator.presence.offlineSince(job.hostId, now),
      });
      settled.push(finishJob(ctx, job, { state: "failed", reason }, SYSTEM_ACTOR, "job.finished"));
    }
  }
  return settled;
}

/**
 * An update queued for a host that was online and then went quiet before its next poll (a frozen
 * agent between two polls) would otherwise wait out the job's TTL, an hour, with its rollout. A
 * host already offline when the update was queued is waited for: that is what the queue is for.
 */
function _neverReached(ctx: ServerContext, job: JobRecordOf<"update">, now: number) {
  const offlineSince = ctx.coordinator.presence.offlineSince(job.hostId, now);
  const created = Date.parse(job.createdAt);
  if (offlineSince === null || offlineSince < created) return null;
  // Online when queued: heard from within a poll window and the grace before. (offlineSince alone
  // cannot say: after a fleetd restart every host not yet back is "offline since the start".)
  const lastHeard = ctx.store.getHost(job.hostId)?.lastSeen ?? null;
  const { pollWindowMs, offlineGraceMs } = ctx.config;
  if (!lastHeard || Date.parse(lastHeard) < created - pollWindowMs - offlineGraceMs) return null;
  const timeoutMs = _timeoutMs(ctx, job);
  if (now - created <= timeoutMs) return null;
  const reason = describeSilentUpdate({
    job,
    timeoutMs,
    lastReportAt: null,
    agentProtocol: PROTOCOL_VERSION,
    lastHeard,
    offlineSince,
  });
  return { state: "failed" as const, reason };
}

/** From dispatch to a healthy hello on the target: the job's own timeout, else fleetd's. */
const _timeoutMs = (ctx: ServerContext, job: JobRecordOf<"update">) =>
  job.args.timeoutSeconds ? job.args.timeoutSeconds * 1000 : ctx.config.updateTimeoutMs;

/** A slow download is not a dead update: its timeout counts from the agent's last report. */
export function noteUpdateReport(ctx: ServerContext, job: Readonly<JobRecord>): void {
  if (job.op === "update") ctx.updateReports.set(job.id, Date.now());
}

/** After any update job ends: audit its outcome, raise or resolve the host's alert. */
export async function onUpdateFinished(ctx: ServerContext, job: Readonly<JobRecord>): Promise<void> {
  if (job.op !== "update") return;
  helloTimes(ctx).delete(job.id);
  ctx.updateReports.delete(job.id);
  const host = ctx.store.getHost(job.hostId);
  const name = host?.name ?? job.hostId;
  const details = {
    jobId: job.id,
    version: job.args.version,
    reason: job.reason,
    outcome: job.outcome?.kind,
  };
  if (job.state === "succeeded" || job.state === "skipped") {
    await recordAudit(ctx, SYSTEM_ACTOR, "host.update_succeeded", job.hostId, details);
    await resolveAlert(ctx, "update_failed", job.hostId, `updated by job ${job.id}`);
    return;
  }
  const rolledBack = job.outcome?.op === "update" && job.outcome.kind === "rolled_back";
  await recordAudit(
    ctx,
    SYSTEM_ACTOR,
    rolledBack ? "host.update_rolled_back" : "host.update_failed",
    job.hostId,
    details,
  );
  // A rollout's host failure is the rollout engine's to raise (with the rollout's account of it):
  // two raisers of one alert would send its notification twice, once as an "updated" event.
  if (job.rolloutId) return;
  await raiseAlert(
    ctx,
    "update_failed",
    job.hostId,
    `update of ${name} to ${job.args.version} ${job.state}: ${job.reason ?? "no reason given"}`,
  );
}

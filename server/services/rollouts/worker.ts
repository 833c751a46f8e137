// rolloutWorker: drives the active rollout forward. Runs on every sweeper tick and right
// after an update job ends. It never dispatches a host twice: the job id is chosen and the
// host marked `updating` durably before the job is created, so a fleetd killed in between
// creates that same job on restart instead of a second one.

import { targetOf } from "../../../protocol/artifacts.ts";
import { isTerminal } from "../../../protocol/jobs.ts";
import { rolloutTargetText } from "../../../protocol/rollout-text.ts";
import type { RolloutHost, RolloutTarget } from "../../../protocol/rollouts.ts";
import type { ServerContext } from "../../context.ts";
import type { HostRecord } from "../../store/records/host.ts";
import type { RolloutRecord } from "../../store/records/rollout.ts";
import { raiseAlert, resolveAlert } from "../alerts.ts";
import { recordAudit, SYSTEM_ACTOR } from "../audit.ts";
import { newJobId } from "../ids.ts";
import { dispatchUpdate } from "../updates.ts";
import { alreadyAt } from "./plan.ts";

const _running = new WeakSet<ServerContext>();
const _again = new WeakSet<ServerContext>();

/** Advances the active rollout; concurrent calls coalesce into one more pass. */
export function kickRollouts(ctx: ServerContext): void {
  if (_running.has(ctx)) {
    _again.add(ctx);
    return;
  }
  _running.add(ctx);
  void (async () => {
    try {
      do {
        _again.delete(ctx);
        await advance(ctx);
      } while (_again.has(ctx));
    } catch (err) {
      ctx.log.error("advancing the rollout failed", err);
    } finally {
      _running.delete(ctx);
    }
  })();
}

async function advance(ctx: ServerContext): Promise<void> {
  // Halted and cancelled rollouts still follow their in-flight hosts to the end.
  const needsWork = (r: RolloutRecord) =>
    r.state === "running" || r.hosts.some((h) => h.state === "in_progress");
  for (const rollout of ctx.store.listRollouts()) if (needsWork(rollout)) await _advanceOne(ctx, rollout);
}

async function _advanceOne(ctx: ServerContext, start: RolloutRecord): Promise<void> {
  let rollout = _collectResults(ctx, start);
  if (rollout.state === "running") rollout = _haltIfTooManyFailures(rollout);
  const dispatches: RolloutHost[] = [];
  if (rollout.state === "running") {
    const { next, toDispatch } = _nextDispatches(ctx, rollout);
    rollout = next;
    dispatches.push(...toDispatch);
  }
  if (
    rollout.state === "running" &&
    rollout.hosts.every((h) => ["done", "skipped", "failed"].includes(h.state))
  ) {
    rollout = { ...rollout, state: "completed", finishedAt: new Date().toISOString() };
  }
  if (JSON.stringify(rollout) !== JSON.stringify(start)) await ctx.store.putRollout(rollout);
  await _afterChange(ctx, start, rollout);
  // Only now, with the chosen job ids on disk, create the jobs: all of the batch at once, so that
  // one write of jobs.json carries them (one after another, a batch of 50 took 50 writes).
  await Promise.all(dispatches.map((host) => _dispatch(ctx, rollout, host)));
  // A job that a crash kept from being created is created on the next pass.
  for (const host of rollout.hosts) {
    if (
      host.state === "in_progress" &&
      host.jobId &&
      !ctx.store.getJob(host.jobId) &&
      !dispatches.includes(host)
    ) {
      await _dispatch(ctx, rollout, host);
    }
  }
}

/** Hosts whose update job ended become done or failed. */
function _collectResults(ctx: ServerContext, rollout: RolloutRecord): RolloutRecord {
  const now = new Date().toISOString();
  const hosts = rollout.hosts.map((h): RolloutHost => {
    if (h.state !== "in_progress" || !h.jobId) return h;
    const job = ctx.store.getJob(h.jobId);
    if (!job || !isTerminal(job.state)) return h;
    if (job.state === "succeeded" || job.state === "skipped")
      return { ...h, state: "done", finishedAt: now, reason: job.reason };
    return { ...h, state: "failed", finishedAt: now, reason: job.reason ?? job.state };
  });
  return { ...rollout, hosts };
}

function _haltIfTooManyFailures(rollout: RolloutRecord): RolloutRecord {
  const failed = rollout.hosts.filter((h) => h.state === "failed");
  if (failed.length <= rollout.options.maxFailures) return rollout;
  const culprit = failed.at(-1)!;
  return {
    ...rollout,
    state: "halted",
    finishedAt: new Date().toISOString(),
    reason: `halted at ${culprit.name} (${culprit.hostId}): ${culprit.reason ?? "update failed"}`,
  };
}

/** Starts the next group once every earlier host has finished; pending hosts of it are dispatched. */
function _nextDispatches(ctx: ServerContext, rollout: RolloutRecord) {
  const toDispatch: RolloutHost[] = [];
  const open = rollout.hosts.filter((h) => h.state === "pending" || h.state === "in_progress");
  if (open.length === 0) return { next: rollout, toDispatch };
  const group = Math.min(...open.map((h) => h.group));
  const now = Date.now();
  const hosts = rollout.hosts.map((h): RolloutHost => {
    if (h.group !== group || h.state !== "pending") return h;
    const record = ctx.store.getHost(h.hostId);
    const stamp = new Date(now).toISOString();
    if (!record) return { ...h, state: "skipped", reason: "host was deleted", finishedAt: stamp };
    // Planned hosts on the target were skipped up front; one can have got there since (by hand).
    if (hostRunsTarget(record, rollout.target)) {
      return {
        ...h,
        state: "skipped",
        reason: alreadyAt(rolloutTargetText(rollout.target)),
        finishedAt: stamp,
      };
    }
    if (!ctx.presence.isOnline(h.hostId, now)) {
      if (rollout.options.includeOffline === "skip")
        return { ...h, state: "skipped", reason: "offline", finishedAt: stamp };
      return h; // wait for it
    }
    const updating: RolloutHost = { ...h, state: "in_progress", jobId: newJobId(), startedAt: stamp };
    toDispatch.push(updating);
    return updating;
  });
  return { next: { ...rollout, hosts }, toDispatch };
}

/** The host's agent is the rollout's pinned version and build for its platform. */
export function hostRunsTarget(host: Readonly<HostRecord>, target: RolloutTarget): boolean {
  if (target.kind !== "update" || !host.platform || !host.arch) return false;
  // A rollout from before pinning (0.1.x) pinned only the version (its sha256 map is empty).
  const sha256 = target.sha256[targetOf(host.platform, host.arch)];
  return host.version === target.version && (sha256 === undefined || host.sha256 === sha256);
}

async function _dispatch(ctx: ServerContext, rollout: RolloutRecord, host: RolloutHost): Promise<void> {
  try {
    if (rollout.target.kind !== "update")
      throw new Error("config deploys are not built into this fleetd yet");
    await dispatchUpdate(
      ctx,
      host.hostId,
      { allowDowngrade: rollout.target.allowDowngrade },
      `rollout:${rollout.id}`,
      { jobId: host.jobId, timeoutSeconds: rollout.options.timeoutSeconds, pinned: rollout.target },
    );
  } catch (err) {
    // Not dispatchable (e.g. no artifact for its platform): a failure of this host.
    const current = ctx.store.getRollout(rollout.id) ?? rollout;
    const hosts = current.hosts.map((h) =>
      h.hostId === host.hostId
        ? {
            ...h,
            state: "failed" as const,
            reason: (err as Error).message,
            finishedAt: new Date().toISOString(),
          }
        : h,
    );
    await ctx.store.putRollout({ ...current, hosts });
    kickRollouts(ctx);
  }
}

/** Audit entries for state changes, the halt alert, and resolving it on completion. */
async function _afterChange(ctx: ServerContext, before: RolloutRecord, after: RolloutRecord): Promise<void> {
  // By id: a find() per host made every pass quadratic in the rollout's size.
  const was = new Map(before.hosts.map((b) => [b.hostId, b.state]));
  for (const h of after.hosts) {
    if (was.get(h.hostId) !== h.state) {
      await recordAudit(ctx, SYSTEM_ACTOR, `rollout.host_${h.state}`, after.id, {
        hostId: h.hostId,
        ...(h.reason ? { reason: h.reason } : {}),
      });
    }
  }
  if (before.state === after.state) return;
  await recordAudit(
    ctx,
    SYSTEM_ACTOR,
    `rollout.${after.state}`,
    after.id,
    after.reason ? { reason: after.reason } : {},
  );
  if (after.state === "halted")
    await raiseAlert(
      ctx,
      "rollout_halted",
      after.id,
      `rollout ${after.id} to ${rolloutTargetText(after.target)} ${after.reason}`,
    );
  if (after.state === "completed") {
    for (const alert of ctx.store.listAlerts()) {
      if (alert.kind === "rollout_halted" && !alert.resolvedAt) {
        await resolveAlert(ctx, "rollout_halted", alert.subject, `rollout ${after.id} completed`);
      }
    }
  }
}

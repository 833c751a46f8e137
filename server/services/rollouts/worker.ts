// rolloutWorker: drives rollouts forward, thin on purpose. It gathers what the engine needs to
// know (each host's record, presence and job), calls the engine's step, persists the rollout it
// returns, and only then carries out the actions (audit entries, alerts, jobs). So a job id is on
// disk before its job exists, and a fleetd killed in between creates that same job on restart.
// Kicked on every sweeper tick, when a job ends, on an agent's hello or config report, and at the
// moment the engine says time alone moves a host (a soak's end: ctx.wakeups).
import type { Rollout, RolloutHost } from "../../../protocol/rollouts.ts";
import type { ServerContext } from "../../context.ts";
import { type RolloutRecord, rolloutToWire } from "../../store/records/rollout.ts";
import { raiseAlert, resolveAlert } from "../alerts.ts";
import { recordAudit, SYSTEM_ACTOR } from "../audit.ts";
import { newJobId } from "../ids.ts";
import { cancelJob, createJob } from "../jobs.ts";
import { failHost, type HostSeen, type Observed, type RolloutAction, step } from "./engine.ts";
import { kindOf } from "./kinds/index.ts";

const _running = new WeakSet<ServerContext>();
const _again = new WeakSet<ServerContext>();

/** Advances the rollouts on the replica that leads them; concurrent calls coalesce into one more pass. */
export function kickRollouts(ctx: ServerContext): void {
  if (!ctx.coordinator.leadership("rollouts").isLeader()) return;
  if (_running.has(ctx)) {
    _again.add(ctx);
    return;
  }
  _running.add(ctx);
  void (async () => {
    try {
      do {
        _again.delete(ctx);
        await _advance(ctx);
      } while (_again.has(ctx));
    } catch (err) {
      ctx.log.error("advancing the rollout failed", err);
    } finally {
      _running.delete(ctx);
    }
  })();
}

const _inFlight = (h: RolloutHost) => h.state === "in_progress" || h.state === "soaking";

async function _advance(ctx: ServerContext): Promise<void> {
  const leader = ctx.coordinator.leadership("rollouts");
  // Halted, paused and cancelled rollouts still follow their in-flight hosts to the end.
  for (const rollout of ctx.store.listRollouts()) {
    // A replica that lost the lead stops between rollouts; the new leader redoes the step.
    if (!leader.isLeader()) return;
    if (rollout.state === "running" || rollout.hosts.some(_inFlight)) await _advanceOne(ctx, rollout);
  }
}

async function _advanceOne(ctx: ServerContext, start: Readonly<RolloutRecord>): Promise<void> {
  const before = rolloutToWire(start);
  const { rollout, actions, wakeAt } = step(before, observe(ctx, before), Date.now());
  if (JSON.stringify(rollout) !== JSON.stringify(before)) {
    // An operator paused or cancelled it meanwhile: the next pass steps from what is stored now.
    if ((await ctx.repo.updateRollout(start, rollout)).kind === "changed_meanwhile") {
      kickRollouts(ctx);
      return;
    }
  }
  // A soak ends when it ends, not at the sweeper's next tick after it.
  if (wakeAt !== null) ctx.wakeups.at(wakeAt);
  await _carryOut(ctx, rollout, actions);
}

/** What the engine is told about each host not yet finished in the rollout. */
export function observe(ctx: ServerContext, rollout: Rollout, now = Date.now()): Observed {
  const kind = kindOf(rollout.target);
  const hosts = new Map<string, HostSeen>();
  const { startedAt } = ctx.coordinator.presence;
  // Agents reconnect to a restarted fleetd within about a poll window; until then, "unknown".
  const reconnectMs = ctx.config.pollWindowMs + ctx.config.offlineGraceMs;
  for (const h of rollout.hosts) {
    if (h.state !== "pending" && !_inFlight(h)) continue;
    const record = ctx.store.getHost(h.hostId);
    const job = h.jobId ? ctx.store.getJob(h.jobId) : undefined;
    const seenJob = job ? { state: job.state, reason: job.reason, outcome: job.outcome } : null;
    if (!record || record.revokedAt) {
      const gone = record ? "host was revoked" : "host was deleted";
      const step = { problem: gone };
      hosts.set(h.hostId, {
        gone,
        presence: "offline",
        onTarget: false,
        step,
        unconfirmed: gone,
        job: seenJob,
      });
      continue;
    }
    const online = ctx.coordinator.presence.isOnline(h.hostId, now);
    const unknown =
      !online && !ctx.coordinator.presence.heardSinceStart(h.hostId) && now - startedAt < reconnectMs;
    hosts.set(h.hostId, {
      gone: null,
      presence: online ? "online" : unknown ? "unknown" : "offline",
      onTarget: kind.onTarget(ctx, record, rollout.target),
      step: kind.stepFor(ctx, record, rollout.target, rollout.options),
      unconfirmed: kind.unconfirmed(ctx, record, rollout.target),
      job: seenJob,
    });
  }
  return { hosts, reportGraceMs: ctx.config.deployReportGraceMs, newJobId };
}

/**
 * All at once: the audit entries of a step share one append and one fsync, its alerts one write of
 * alerts.json, a batch's jobs one write of jobs.json. One after another, the 250 "done" entries of
 * one batch took 250 fsyncs before the next batch's jobs were even created.
 */
async function _carryOut(ctx: ServerContext, rollout: Rollout, actions: readonly RolloutAction[]) {
  await Promise.all(actions.map((action) => _carryOutOne(ctx, rollout, action)));
}

function _carryOutOne(ctx: ServerContext, rollout: Rollout, action: RolloutAction): Promise<unknown> {
  switch (action.type) {
    case "audit":
      return recordAudit(ctx, SYSTEM_ACTOR, action.action, action.target, action.details);
    case "raise_alert":
      return raiseAlert(ctx, action.kind, action.subject, action.message);
    case "resolve_alert":
      return _resolve(ctx, action);
    case "cancel_job":
      return cancelJob(ctx, action.jobId, SYSTEM_ACTOR).catch(() => {});
    case "create_job":
      return _create(ctx, rollout, action);
  }
}

async function _create(
  ctx: ServerContext,
  rollout: Rollout,
  action: Extract<RolloutAction, { type: "create_job" }>,
): Promise<void> {
  try {
    await createJob(ctx, action.hostId, action.spec, `rollout:${rollout.id}`, {
      rolloutId: rollout.id,
      jobId: action.jobId,
    });
  } catch (err) {
    // Not creatable after all (revoked meanwhile, say): a failure of this host.
    for (;;) {
      const current = ctx.store.getRollout(rollout.id);
      if (!current) return;
      const failed = failHost(rolloutToWire(current), action.hostId, (err as Error).message, Date.now());
      if ((await ctx.repo.updateRollout(current, failed.rollout)).kind === "changed_meanwhile") continue;
      await _carryOut(ctx, failed.rollout, failed.actions);
      return;
    }
  }
}

async function _resolve(ctx: ServerContext, action: Extract<RolloutAction, { type: "resolve_alert" }>) {
  const subjects = action.subject
    ? [action.subject]
    : ctx.store
        .listAlerts()
        .filter((a) => a.kind === action.kind && !a.resolvedAt)
        .map((a) => a.subject);
  for (const subject of subjects) await resolveAlert(ctx, action.kind, subject, action.resolution);
}

// The once-a-second housekeeping that time alone triggers: hosts going offline (and the alerts
// that raises or resolves, see alert-conditions.ts), jobs whose host vanished mid-run becoming
// lost, queued jobs whose TTL ran out expiring, and cancelled dispatched jobs their agent never
// answered ending; and notifications due for another attempt.
import type { ServerContext } from "../context.ts";
import type { JobRecord } from "../store/records/job.ts";
import { checkHostConditions, checkHostOffline } from "./alert-conditions.ts";
import { SYSTEM_ACTOR } from "./audit.ts";
import { ENROLL_TOKEN_MEMORY_MS } from "./enroll.ts";
import { finishJob } from "./job-lifecycle.ts";
import { kickRollouts } from "./rollouts/worker.ts";
import { sweepUpdates } from "./updates.ts";

export const JOB_EXPIRED = "expired: host did not come online within the TTL";
/** The host was there but busy: blaming its absence would send the operator looking in the wrong place. */
export const JOB_EXPIRED_WHILE_BUSY =
  "expired: still queued behind the host's other jobs when the TTL ran out";

export const CANCEL_UNANSWERED =
  "cancelled by operator; the agent never started the job nor answered the cancel";

export const jobLostReason = (lostAfterMs: number): string =>
  `host went offline during the job and did not come back within ${Number((lostAfterMs / 1000).toFixed(1))} s`;

/**
 * How long a host may be offline before its running job counts as lost. A deploy's switch may cut
 * the host off for its whole confirmation window, and its rollback waits that long again for the
 * agent to come back, before the runner's result can be sent: lost any sooner, a rollback the
 * host did by itself would be recorded as a vanished job.
 */
export function offlineAllowanceMs(job: Readonly<JobRecord>, jobLostAfterMs: number): number {
  if (job.op !== "deploy") return jobLostAfterMs;
  return jobLostAfterMs + 2 * job.args.confirmSeconds * 1000;
}

/** Forgetting old enroll tokens is a scan of them all: once a minute, not every sweep or token. */
const ENROLL_TOKEN_PRUNE_EVERY_MS = 60_000;

/**
 * Each tick does what this replica leads: the sweep itself, and alert evaluation. The rollout
 * engine and the outbox are kicked either way; each runs only where it leads (one replica may
 * lead the rollouts and another the sweep).
 */
export function startSweeper(ctx: ServerContext): { stop(): void } {
  const wasOnline = new Map<string, boolean>();
  const behindSince = new Map<string, number>();
  const sweeper = ctx.coordinator.leadership("sweeper");
  const alerts = ctx.coordinator.leadership("alerts");
  let prunedAt = 0;
  let conditionsCheckedAt = 0;
  const timer = setInterval(() => {
    try {
      const leadsSweep = sweeper.isLeader();
      if (leadsSweep) sweep(ctx, wasOnline);
      else {
        // What the leader saw meanwhile is its own; a lead regained starts from what is seen then.
        wasOnline.clear();
        kickRollouts(ctx);
        ctx.outbox.kick();
      }
      const now = Date.now();
      // A pass over every host: every few seconds, not every sweep.
      if (alerts.isLeader() && now - conditionsCheckedAt >= ctx.config.alertCheckIntervalMs) {
        conditionsCheckedAt = now;
        for (const write of checkHostConditions(ctx, behindSince, now))
          write.catch((err) => ctx.log.error("raising or resolving a host alert failed", err));
      }
      if (leadsSweep && now - prunedAt >= ENROLL_TOKEN_PRUNE_EVERY_MS) {
        prunedAt = now;
        ctx.store.pruneEnrollTokens(new Date(now - ENROLL_TOKEN_MEMORY_MS));
      }
    } catch (err) {
      ctx.log.error("sweep failed", err);
    }
  }, ctx.config.sweepIntervalMs);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}

/** More hosts than this changing at once (a network blip, fleetd restarting) are logged as one line. */
const TRANSITIONS_LOGGED_ONE_BY_ONE = 10;

/**
 * Looks only at the hosts whose state can have changed (FleetPresence.takeCandidates), not the whole
 * fleet. A host not looked at before was offline: fleetd counts every host offline until it is seen.
 */
export function sweep(ctx: ServerContext, wasOnline: Map<string, boolean>, now = Date.now()): void {
  const changed = { online: [] as string[], offline: [] as string[] };
  const settle = (promise: Promise<unknown> | undefined) =>
    promise?.catch((err) => ctx.log.error("recording a lost or expired job or an alert failed", err));
  for (const id of ctx.coordinator.presence.takeCandidates()) {
    const host = ctx.store.getHost(id);
    if (!host) {
      wasOnline.delete(id);
      continue;
    }
    const online = ctx.coordinator.presence.isOnline(host.id, now);
    const before = wasOnline.get(host.id) ?? false;
    if (before !== online) {
      changed[online ? "online" : "offline"].push(`${host.name} (${host.id})`);
      // From now on its lastSeen is what the board shows for it: worth a write (not every poll is).
      if (!online) ctx.store.settleLastSeen(host.id);
    }
    wasOnline.set(host.id, online);
    settle(checkHostOffline(ctx, host, now));
  }
  for (const state of ["online", "offline"] as const) logTransitions(ctx, state, changed[state]);

  sweepDue(ctx, now);
  ctx.outbox.kick();
  for (const job of ctx.store.activeJobs()) {
    if (job.state === "queued") {
      if (Date.parse(job.expiresAt) <= now) {
        const reason = ctx.coordinator.presence.isOnline(job.hostId, now)
          ? JOB_EXPIRED_WHILE_BUSY
          : JOB_EXPIRED;
        settle(finishJob(ctx, job, { state: "lost", reason }, SYSTEM_ACTOR, "job.lost"));
      }
      continue;
    }
    if (job.state === "dispatched" && job.cancelRequested) {
      const asked = Date.parse(job.cancelRequestedAt ?? job.dispatchedAt ?? job.createdAt);
      if (now - asked > ctx.config.cancelUnansweredMs) {
        const ending = { state: "cancelled" as const, reason: CANCEL_UNANSWERED };
        settle(finishJob(ctx, job, ending, SYSTEM_ACTOR, "job.cancelled"));
        continue;
      }
    }
    const offlineSince = ctx.coordinator.presence.offlineSince(job.hostId, now);
    const lostAfterMs = offlineAllowanceMs(job, ctx.config.jobLostAfterMs);
    if (offlineSince !== null && now - offlineSince > lostAfterMs) {
      const reason = jobLostReason(lostAfterMs);
      settle(finishJob(ctx, job, { state: "lost", reason }, SYSTEM_ACTOR, "job.lost"));
    }
  }
}

/**
 * What a moment known in advance makes due: updates whose soak passed (or that went silent too
 * long), and the rollouts, whose hosts soak and time out. Run by every sweep and by ctx.wakeups at
 * the moment something asked for (wakeups.ts), so a soak ends when it ends, not at the next tick.
 */
export function sweepDue(ctx: ServerContext, now = Date.now()): void {
  // Updates' soaks are the sweep's: only where this replica leads it (kickRollouts checks its own).
  if (ctx.coordinator.leadership("sweeper").isLeader())
    for (const ending of sweepUpdates(ctx, now))
      ending.catch((err) => ctx.log.error("recording the end of an update failed", err));
  kickRollouts(ctx);
}

function logTransitions(ctx: ServerContext, state: "online" | "offline", hosts: string[]): void {
  if (hosts.length <= TRANSITIONS_LOGGED_ONE_BY_ONE) {
    for (const host of hosts) ctx.log.info(`host ${host} is ${state}`);
    return;
  }
  const shown = hosts.slice(0, TRANSITIONS_LOGGED_ONE_BY_ONE).join(", ");
  const more = (hosts.length - TRANSITIONS_LOGGED_ONE_BY_ONE).toLocaleString("en-US");
  ctx.log.info(`${hosts.length.toLocaleString("en-US")} hosts are ${state}: ${shown} and ${more} more`);
}

// The rollout engine: one pure step from (rollout, what was observed, now) to (rollout, actions),
// the same for every kind. It never reads the store or the clock and never writes: the worker
// gathers the observations, persists the rollout it returns, then carries out the actions. A
// host's job id is chosen here and persisted before the job exists, so a step after a crash
// asks for that same job again instead of a second one.
import type { AlertKind } from "../../../protocol/alerts.ts";
import type { AuditAction } from "../../../protocol/audit.ts";
import type { JobSpec } from "../../../protocol/job-ops.ts";
import { isTerminal } from "../../../protocol/jobs.ts";
import { rolloutTargetText } from "../../../protocol/rollout-text.ts";
import type { Rollout, RolloutHost } from "../../../protocol/rollouts.ts";
import { kindOf } from "./kinds/index.ts";
import type { HostStep, JobSeen } from "./kinds/kind.ts";
import { alreadyAt } from "./plan.ts";

/** A host of the rollout as the worker saw it just now. */
export interface HostSeen {
  /** Why the host can take no part any more ("host was deleted", "... revoked"), else null. */
  gone: string | null;
  /**
   * "unknown": not heard from since fleetd started, only a short while ago: it may be online and
   * not yet reconnected, so the engine neither skips it as offline nor fails its soak for it.
   */
  presence: "online" | "offline" | "unknown";
  /** Already on the target, by the kind's rule. */
  onTarget: boolean;
  /** The job it would get now, or why it cannot. */
  step: HostStep;
  /** While soaking: null once its reports show the target, else what they show. */
  unconfirmed: string | null;
  /** The job with the host's jobId; null while there is none (not created yet). */
  job: JobSeen | null;
}

export interface Observed {
  /** By host id; hosts that are finished in the rollout may be left out. */
  hosts: ReadonlyMap<string, HostSeen>;
  /** After a job succeeded, the least time to wait for the host's report confirming it. */
  reportGraceMs: number;
  newJobId(): string;
}

export type RolloutAction =
  | { type: "create_job"; hostId: string; jobId: string; spec: JobSpec }
  | { type: "cancel_job"; jobId: string; reason: string }
  | { type: "audit"; action: AuditAction; target: string; details: Record<string, unknown> }
  | { type: "raise_alert"; kind: AlertKind; subject: string; message: string }
  /** Without a subject: every open alert of the kind. */
  | { type: "resolve_alert"; kind: AlertKind; subject?: string; resolution: string };

export interface StepResult {
  rollout: Rollout;
  actions: RolloutAction[];
  /**
   * The next moment at which time alone changes the rollout (a soak or a report's grace ends, a
   * host times out), for the worker to step again then; null when only what hosts do can change it.
   */
  wakeAt: number | null;
}

const FINISHED = new Set(["done", "skipped", "failed"]);
const _iso = (ms: number) => new Date(ms).toISOString();

export function step(rollout: Rollout, observed: Observed, now: number): StepResult {
  const actions: RolloutAction[] = [];
  const creates: RolloutAction[] = [];
  let hosts = rollout.hosts.map((h) => _follow(rollout, h, observed, now, creates));
  let next: Rollout = { ...rollout, hosts };
  next = _haltIfTooManyFailures(next, now);
  // A group that ends without a job (every host skipped, say) hands on to the next in the same step.
  while (next.state === "running") {
    const asked = creates.length;
    hosts = _dispatch(next, observed, now, creates);
    const moved = hosts.some((h, i) => h !== next.hosts[i]);
    next = _haltIfTooManyFailures({ ...next, hosts }, now);
    if (!moved || creates.length > asked) break;
  }
  if (next.state === "running" && next.hosts.every((h) => FINISHED.has(h.state))) {
    next = { ...next, state: "completed", finishedAt: _iso(now) };
  }
  actions.push(..._consequences(rollout, next), ...creates);
  return { rollout: next, actions, wakeAt: nextWakeAt(next, observed, now) };
}

/** When the earliest host in flight is due to move by the clock alone (see StepResult.wakeAt). */
export function nextWakeAt(rollout: Rollout, observed: Pick<Observed, "reportGraceMs">, now: number) {
  const soakMs = rollout.options.soakSeconds * 1000;
  const limitMs = rollout.options.timeoutSeconds * 1000;
  const timesOut = kindOf(rollout.target).engineTimesOut;
  let earliest = Number.POSITIVE_INFINITY;
  const consider = (at: number) => {
    if (at > now && at < earliest) earliest = at;
  };
  for (const h of rollout.hosts) {
    if (h.state === "soaking" && h.soakingSince) {
      const since = Date.parse(h.soakingSince);
      consider(since + soakMs);
      // Past the soak with its report still to come: failed when the report's grace is over.
      consider(since + Math.max(soakMs, observed.reportGraceMs));
    } else if (h.state === "in_progress" && timesOut && h.startedAt) {
      // _follow fails it once more than the limit has passed.
      consider(Date.parse(h.startedAt) + limitMs + 1);
    }
  }
  return Number.isFinite(earliest) ? earliest : null;
}

/** A host in flight moves on by its job and, after that, its soak; a missing job is asked for again. */
function _follow(
  rollout: Rollout,
  h: RolloutHost,
  observed: Observed,
  now: number,
  creates: RolloutAction[],
): RolloutHost {
  if (h.state !== "in_progress" && h.state !== "soaking") return h;
  const seen = observed.hosts.get(h.hostId);
  if (!seen) return h;
  const kind = kindOf(rollout.target);
  const fail = (reason: string): RolloutHost => ({ ...h, state: "failed", reason, finishedAt: _iso(now) });
  if (seen.gone) return fail(seen.gone);
  let host = h;
  if (host.state === "in_progress") {
    if (!host.jobId) return fail("no job was chosen for it");
    const job = seen.job;
    if (!job) {
      // Chosen and persisted, but never created (fleetd stopped in between): create it now.
      if ("problem" in seen.step) return fail(seen.step.problem);
      creates.push({ type: "create_job", hostId: h.hostId, jobId: host.jobId, spec: seen.step.spec });
      return host;
    }
    if (!isTerminal(job.state)) {
      const started = Date.parse(host.startedAt ?? _iso(now));
      const limitMs = rollout.options.timeoutSeconds * 1000;
      if (kind.engineTimesOut && now - started > limitMs) {
        const reason = `no result within ${rollout.options.timeoutSeconds} s of dispatch`;
        creates.push({ type: "cancel_job", jobId: host.jobId, reason });
        return fail(reason);
      }
      return host;
    }
    const withOutcome = job.outcome ? { ...host, outcome: job.outcome } : host;
    const failure = kind.judge(rollout.target, job);
    if (failure !== null) return { ...withOutcome, state: "failed", reason: failure, finishedAt: _iso(now) };
    host = {
      ...withOutcome,
      state: "soaking",
      soakingSince: _iso(now),
      ...(job.reason ? { reason: job.reason } : {}),
    };
  }
  return _soak(rollout, host, seen, observed, now);
}

/** Done once the soak has passed with the host online and its reports on the target. */
function _soak(
  rollout: Rollout,
  h: RolloutHost,
  seen: HostSeen,
  observed: Observed,
  now: number,
): RolloutHost {
  const soakMs = rollout.options.soakSeconds * 1000;
  const elapsed = now - Date.parse(h.soakingSince ?? _iso(now));
  const fail = (reason: string): RolloutHost => ({ ...h, state: "failed", reason, finishedAt: _iso(now) });
  if (seen.presence === "offline") {
    return fail(
      `went offline while soaking (after ${Math.floor(elapsed / 1000)} s of ${rollout.options.soakSeconds} s)`,
    );
  }
  if (elapsed < soakMs) return h;
  if (seen.unconfirmed === null) {
    if (seen.presence !== "online") return h;
    return { ...h, state: "done", finishedAt: _iso(now) };
  }
  if (elapsed >= Math.max(soakMs, observed.reportGraceMs)) return fail(seen.unconfirmed);
  return h;
}

function _haltIfTooManyFailures(rollout: Rollout, now: number): Rollout {
  if (rollout.state !== "running") return rollout;
  const failed = rollout.hosts.filter((h) => h.state === "failed");
  if (failed.length <= rollout.options.maxFailures) return rollout;
  const culprit = failed.reduce((a, b) => ((b.finishedAt ?? "") > (a.finishedAt ?? "") ? b : a));
  return {
    ...rollout,
    state: "halted",
    finishedAt: _iso(now),
    reason: `halted at ${culprit.name} (${culprit.hostId}): ${culprit.reason ?? "its step failed"}`,
  };
}

/**
 * The next group starts once every earlier host has finished. Its pending hosts are dispatched in
 * order until a failure beyond maxFailures: from then on no host is dispatched.
 */
function _dispatch(
  rollout: Rollout,
  observed: Observed,
  now: number,
  creates: RolloutAction[],
): RolloutHost[] {
  const open = rollout.hosts.filter((h) => !FINISHED.has(h.state));
  if (open.length === 0) return rollout.hosts;
  const group = Math.min(...open.map((h) => h.group));
  const stamp = _iso(now);
  let failures = rollout.hosts.filter((h) => h.state === "failed").length;
  return rollout.hosts.map((h): RolloutHost => {
    if (h.group !== group || h.state !== "pending" || failures > rollout.options.maxFailures) return h;
    const seen = observed.hosts.get(h.hostId);
    if (!seen) return h;
    const skip = (reason: string): RolloutHost => ({ ...h, state: "skipped", reason, finishedAt: stamp });
    if (seen.gone) return skip(seen.gone);
    // Planned hosts on the target were skipped up front; one can have got there since (by hand).
    if (seen.onTarget) return skip(alreadyAt(rolloutTargetText(rollout.target)));
    if (seen.presence === "unknown") return h;
    if (seen.presence === "offline") return rollout.options.includeOffline === "skip" ? skip("offline") : h;
    if ("problem" in seen.step) {
      failures++;
      return { ...h, state: "failed", reason: seen.step.problem, finishedAt: stamp };
    }
    const jobId = observed.newJobId();
    creates.push({ type: "create_job", hostId: h.hostId, jobId, spec: seen.step.spec });
    return { ...h, state: "in_progress", jobId, startedAt: stamp };
  });
}

/** Audit entries for every change, and the alerts hosts and the rollout raise or resolve. */
function _consequences(before: Rollout, after: Rollout): RolloutAction[] {
  const kind = kindOf(after.target);
  const out: RolloutAction[] = [];
  // By id: a find() per host made every pass quadratic in the rollout's size.
  const was = new Map(before.hosts.map((b) => [b.hostId, b.state]));
  for (const h of after.hosts) {
    if (was.get(h.hostId) === h.state) continue;
    out.push({
      type: "audit",
      action: `rollout.host_${h.state}`,
      target: after.id,
      details: {
        hostId: h.hostId,
        kind: after.target.kind,
        ...(h.jobId ? { jobId: h.jobId } : {}),
        ...(h.reason ? { reason: h.reason } : {}),
        ...(h.outcome ? { outcome: h.outcome.kind } : {}),
      },
    });
    if (h.state === "failed") {
      const message = kind.failureMessage(after.target, h.name, h.reason ?? "its step failed");
      out.push({ type: "raise_alert", kind: kind.alert, subject: h.hostId, message });
    }
    if (h.state === "done") {
      out.push({
        type: "resolve_alert",
        kind: kind.alert,
        subject: h.hostId,
        resolution: `done in rollout ${after.id}`,
      });
    }
  }
  if (before.state === after.state) return out;
  out.push({
    type: "audit",
    action: `rollout.${after.state}`,
    target: after.id,
    details: {
      kind: after.target.kind,
      target: rolloutTargetText(after.target),
      ...(after.reason ? { reason: after.reason } : {}),
    },
  });
  if (after.state === "halted") {
    const message = `rollout ${after.id} to ${rolloutTargetText(after.target)} ${after.reason}`;
    out.push({ type: "raise_alert", kind: "rollout_halted", subject: after.id, message });
  }
  if (after.state === "completed") {
    out.push({ type: "resolve_alert", kind: "rollout_halted", resolution: `rollout ${after.id} completed` });
  }
  return out;
}

/** A host whose job could not be created after all (say, revoked meanwhile) fails like any other. */
export function failHost(rollout: Rollout, hostId: string, reason: string, now: number): StepResult {
  const hosts = rollout.hosts.map(
    (h): RolloutHost =>
      h.hostId === hostId && !FINISHED.has(h.state)
        ? { ...h, state: "failed", reason, finishedAt: _iso(now) }
        : h,
  );
  const next = _haltIfTooManyFailures({ ...rollout, hosts }, now);
  return { rollout: next, actions: _consequences(rollout, next), wakeAt: null };
}

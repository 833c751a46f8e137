// Starting, pausing, resuming and cancelling rollouts: the operator's side. At most one
// rollout of any kind is active (running or paused) at a time; its target is pinned here, once;
// every change is persisted before it is acknowledged and audited.
import { rolloutTargetText } from "../../../protocol/rollout-text.ts";
import {
  DeployRolloutTarget,
  type Rollout,
  RolloutOptions,
  type RolloutState,
  type StartRolloutRequest,
  type UpdateRolloutTarget,
} from "../../../protocol/rollouts.ts";
import type { ServerContext } from "../../context.ts";
import { badRequest, conflict, notFound } from "../../errors.ts";
import type { HostRecord } from "../../store/records/host.ts";
import { isActiveRollout, type RolloutRecord, rolloutToWire } from "../../store/records/rollout.ts";
import { recordAudit, SYSTEM_ACTOR } from "../audit.ts";
import { requireUsableHost } from "../hosts.ts";
import { newRolloutId } from "../ids.ts";
import { kindOf } from "./kinds/index.ts";
import { planRollout } from "./plan.ts";
import { kickRollouts } from "./worker.ts";

export const isActive: (state: RolloutState) => boolean = isActiveRollout;

export function activeRollout(ctx: ServerContext): Readonly<RolloutRecord> | undefined {
  return ctx.store.listRollouts().find((r) => isActive(r.state));
}

export function requireRollout(ctx: ServerContext, id: string): Readonly<RolloutRecord> {
  const rollout =
    id === "current" ? (activeRollout(ctx) ?? ctx.store.listRollouts().at(-1)) : ctx.store.getRollout(id);
  if (!rollout) throw notFound(id === "current" ? "no rollout has run yet" : `no rollout with id "${id}"`);
  return rollout;
}

/** The API's answers; newest first. */
export function listRollouts(ctx: ServerContext): Rollout[] {
  return ctx.store.listRollouts().map(rolloutToWire).reverse();
}

export const getRollout = (ctx: ServerContext, id: string): Rollout => rolloutToWire(requireRollout(ctx, id));

type StartDeploy = Extract<StartRolloutRequest, { kind: "deploy" }>;

export async function startRollout(
  ctx: ServerContext,
  request: StartRolloutRequest,
  actor: string,
): Promise<Rollout> {
  const running = activeRollout(ctx);
  if (running) throw _alreadyActive(running);
  const target = request.kind === "deploy" ? await _deployTarget(ctx, request) : _updateTarget(ctx, request);
  const kind = kindOf(target);
  const hosts = _selectHosts(ctx, request);
  const options = RolloutOptions.parse({ ...kind.defaults(ctx.config), ..._given(request) });
  const now = new Date().toISOString();
  const text = rolloutTargetText(target);
  const planHosts = hosts.map((h) => ({
    id: h.id,
    name: h.name,
    current: kind.onTarget(ctx, h, target),
    online: ctx.coordinator.presence.isOnline(h.id),
  }));
  const planned = planRollout(planHosts, options, text, request.canaryHosts, now);
  // Nothing to do is an answer, not an error: `update --all` on a current fleet succeeds at once.
  const nothingToDo = planned.every((h) => h.state === "skipped");
  const rollout: RolloutRecord = {
    id: newRolloutId(),
    state: nothingToDo ? "completed" : "running",
    target,
    options,
    hosts: planned,
    createdAt: now,
    createdBy: actor,
    ...(nothingToDo ? { finishedAt: now, reason: `nothing to do: every host is already at ${text}` } : {}),
  };
  // Checked again where it is stored: the target may have taken a fetch, and another start may
  // have landed meanwhile.
  const started = await ctx.repo.startRollout(rollout);
  if (started.kind === "already_active") throw _alreadyActive(started.active);
  await recordAudit(ctx, actor, "rollout.started", rollout.id, {
    kind: target.kind,
    target: text,
    ...(target.kind === "update" ? { targetVersion: target.version } : { commit: target.commit }),
    ...(request.kind === "deploy" && request.retryFailed ? { retryFailed: true } : {}),
    hosts: rollout.hosts.length,
    alreadyCurrent: planned.filter((h) => h.state === "skipped").length,
    ...options,
  });
  if (nothingToDo) {
    await recordAudit(ctx, SYSTEM_ACTOR, "rollout.completed", rollout.id, { reason: rollout.reason });
  }
  kickRollouts(ctx);
  return rolloutToWire(ctx.store.getRollout(rollout.id) ?? rollout);
}

const _alreadyActive = (active: Readonly<RolloutRecord>) =>
  conflict(`rollout ${active.id} is ${active.state}; wait for it, or cancel it first`, {
    rolloutId: active.id,
  });

/** Pinned now: a build dropped in mid-rollout must not change what the remaining hosts install. */
function _updateTarget(ctx: ServerContext, request: StartRolloutRequest): UpdateRolloutTarget {
  const manifest = ctx.artifacts.manifest();
  if (!manifest) throw conflict("fleetd serves no artifacts to roll out (start it with --artifacts DIR)");
  return {
    kind: "update",
    version: manifest.version,
    sha256: Object.fromEntries(
      manifest.artifacts.filter((a) => a.program === "fleet-agent").map((a) => [a.target, a.sha256]),
    ),
    allowDowngrade: (request.kind === "update" && request.allowDowngrade) || false,
  };
}

/** The commit given, else the config target now; pinned, with its subject when fleetd knows it. */
async function _deployTarget(ctx: ServerContext, request: StartDeploy): Promise<DeployRolloutTarget> {
  const commit = request.commit ?? ctx.configTarget.current()?.commit;
  if (!commit) {
    throw conflict(
      "there is no config target to deploy: give a commit (fleetctl deploy --commit SHA), " +
        "pin one (fleetctl target pin SHA), or start fleetd with --config-repo",
    );
  }
  if (!(await ctx.configTarget.knowsCommit(commit)))
    throw badRequest(`${commit} is not a commit of the config repo (fleetd fetched it just now)`);
  const info = await ctx.configTarget.commitInfo(commit);
  return DeployRolloutTarget.parse({
    kind: "deploy",
    commit,
    subject: info?.subject ?? null,
    confirmSeconds: request.confirmSeconds,
    test: request.test,
    rollback: request.rollback,
  });
}

/**
 * Named hosts (each must exist and not be revoked), else every usable host; then those with the
 * tag; for a retry, only those that failed in the newest deploy.
 */
function _selectHosts(ctx: ServerContext, request: StartRolloutRequest): Readonly<HostRecord>[] {
  // A revoked host can never say hello again: named, it is an error; by default, left out.
  let hosts = request.hosts
    ? request.hosts.map((id) => requireUsableHost(ctx, id))
    : ctx.store.listHosts().filter((h) => !h.revokedAt);
  const { tag } = request;
  if (tag !== undefined) {
    hosts = hosts.filter((h) => h.tags?.includes(tag));
    if (hosts.length === 0) throw conflict(`no host to roll out to is tagged "${tag}"`);
  }
  if (request.kind === "deploy" && request.retryFailed) {
    const failed = _failedInLastDeploy(ctx);
    hosts = hosts.filter((h) => failed.has(h.id));
    if (hosts.length === 0) throw conflict("none of the hosts that failed in the last deploy is selected");
  }
  if (hosts.length === 0) throw conflict(`no hosts to ${request.kind === "deploy" ? "deploy to" : "update"}`);
  return hosts;
}

function _failedInLastDeploy(ctx: ServerContext): Set<string> {
  const last = ctx.store
    .listRollouts()
    .filter((r) => r.target.kind === "deploy")
    .at(-1);
  if (!last) throw conflict("no deploy has run yet, so none failed; start one with fleetctl deploy");
  const failed = last.hosts.filter((h) => h.state === "failed").map((h) => h.hostId);
  if (failed.length === 0) throw conflict(`no host failed in the last deploy (${last.id}); nothing to retry`);
  return new Set(failed);
}

/** The options the request gives; the kind's defaults and then the schema's fill in the rest. */
function _given(request: StartRolloutRequest): Partial<RolloutOptions> {
  const keys = Object.keys(RolloutOptions.shape) as (keyof RolloutOptions)[];
  return Object.fromEntries(keys.filter((k) => request[k] !== undefined).map((k) => [k, request[k]]));
}

const TRANSITIONS = {
  pause: { from: ["running"], to: "paused", action: "rollout.paused" },
  resume: { from: ["paused"], to: "running", action: "rollout.resumed" },
  cancel: { from: ["running", "paused"], to: "cancelled", action: "rollout.cancelled" },
} as const;

/** Pause and resume only change dispatching; cancel also drops the hosts not yet started. */
export async function changeRollout(
  ctx: ServerContext,
  id: string,
  change: keyof typeof TRANSITIONS,
  actor: string,
): Promise<Rollout> {
  const rule = TRANSITIONS[change];
  for (;;) {
    const rollout = requireRollout(ctx, id);
    if (!(rule.from as readonly string[]).includes(rollout.state)) {
      throw conflict(`rollout ${rollout.id} is ${rollout.state}; cannot ${change} it`);
    }
    const now = new Date().toISOString();
    const next: RolloutRecord = { ...rollout, state: rule.to };
    if (change === "cancel") {
      next.finishedAt = now;
      next.reason = `cancelled by ${actor}`;
      next.hosts = rollout.hosts.map((h) =>
        h.state === "pending" ? { ...h, state: "skipped", reason: "rollout cancelled", finishedAt: now } : h,
      );
    }
    // The worker (or another operator) stepped it since it was read: check the change again.
    if ((await ctx.repo.updateRollout(rollout, next)).kind === "changed_meanwhile") continue;
    await recordAudit(ctx, actor, rule.action, rollout.id, { kind: rollout.target.kind });
    kickRollouts(ctx);
    return rolloutToWire(next);
  }
}

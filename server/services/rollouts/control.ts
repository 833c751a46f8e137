// Starting, pausing, resuming and cancelling rollouts: the operator's side. At most one
// rollout is active (running or paused) at a time; every change is persisted before it
// is acknowledged and audited.
import {
  type Rollout,
  RolloutOptions,
  type RolloutState,
  type StartRolloutRequest,
  type UpdateRolloutTarget,
} from "../../../protocol/rollouts.ts";
import type { ServerContext } from "../../context.ts";
import { conflict, notFound } from "../../errors.ts";
import { type RolloutRecord, rolloutToWire } from "../../store/records/rollout.ts";
import { recordAudit, SYSTEM_ACTOR } from "../audit.ts";
import { requireUsableHost } from "../hosts.ts";
import { newRolloutId } from "../ids.ts";
import { planRollout } from "./plan.ts";
import { hostRunsTarget, kickRollouts } from "./worker.ts";

export const isActive = (state: RolloutState) => state === "running" || state === "paused";

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

export async function startRollout(
  ctx: ServerContext,
  request: StartRolloutRequest,
  actor: string,
): Promise<Rollout> {
  const running = activeRollout(ctx);
  if (running) {
    throw conflict(`rollout ${running.id} is ${running.state}; wait for it, or cancel it first`, {
      rolloutId: running.id,
    });
  }
  if (request.kind === "deploy") throw conflict("config deploys are not built into this fleetd yet");
  const manifest = ctx.artifacts.manifest();
  if (!manifest) throw conflict("fleetd serves no artifacts to roll out (start it with --artifacts DIR)");
  // Pinned now: a build dropped in mid-rollout must not change what the remaining hosts install.
  const target: UpdateRolloutTarget = {
    kind: "update",
    version: manifest.version,
    sha256: Object.fromEntries(
      manifest.artifacts.filter((a) => a.program === "fleet-agent").map((a) => [a.target, a.sha256]),
    ),
    allowDowngrade: request.allowDowngrade ?? false,
  };
  // A revoked host can never say hello again: named, it is an error; by default, left out.
  const hosts = request.hosts
    ? request.hosts.map((id) => requireUsableHost(ctx, id))
    : ctx.store.listHosts().filter((h) => !h.revokedAt);
  if (hosts.length === 0) throw conflict("no hosts to update");
  const options = RolloutOptions.parse(request);
  const now = new Date().toISOString();
  const planHosts = hosts.map((h) => ({
    id: h.id,
    name: h.name,
    current: hostRunsTarget(h, target),
    online: ctx.presence.isOnline(h.id),
  }));
  const planned = planRollout(planHosts, options, manifest.version, request.canaryHosts, now);
  // Nothing to update is an answer, not an error: `update --all` on a current fleet succeeds at once.
  const nothingToDo = planned.every((h) => h.state === "skipped");
  const rollout: RolloutRecord = {
    id: newRolloutId(),
    state: nothingToDo ? "completed" : "running",
    target,
    options,
    hosts: planned,
    createdAt: now,
    createdBy: actor,
    ...(nothingToDo
      ? { finishedAt: now, reason: `nothing to do: every host is already at ${manifest.version}` }
      : {}),
  };
  await ctx.store.putRollout(rollout);
  await recordAudit(ctx, actor, "rollout.started", rollout.id, {
    targetVersion: target.version,
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
  const rollout = requireRollout(ctx, id);
  const rule = TRANSITIONS[change];
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
  await ctx.store.putRollout(next);
  await recordAudit(ctx, actor, rule.action, rollout.id, {});
  kickRollouts(ctx);
  return rolloutToWire(next);
}

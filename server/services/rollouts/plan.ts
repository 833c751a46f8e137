// The order a rollout takes: hosts already on the target are skipped up front (they need no
// step, and a canary that changes nothing proves nothing), then canary hosts (named ones, else
// the first by name that need the step, online ones first), then the rest in batches (of the
// size asked for, or growing: 1 %, 5 %, 25 %, the rest), all by a stable order so a resumed
// rollout sees the same plan.
import { batchSizes } from "../../../protocol/rollout-batches.ts";
import type { RolloutHost, RolloutOptions } from "../../../protocol/rollouts.ts";
import { badRequest } from "../../errors.ts";

export interface PlanHost {
  id: string;
  name: string;
  /** Already on the target (by the rollout kind's rule): nothing to do. */
  current?: boolean;
  /** Online when the rollout starts; an offline canary would be skipped or waited for. */
  online?: boolean;
}

export const alreadyAt = (version: string) => `already at ${version}`;

export function planRollout(
  hosts: readonly PlanHost[],
  options: RolloutOptions,
  target: string,
  canaryIds: readonly string[] = [],
  now = new Date().toISOString(),
): RolloutHost[] {
  const byName = [...hosts].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const known = new Map(byName.map((h) => [h.id, h]));
  const unknown = canaryIds.filter((id) => !known.has(id));
  if (unknown.length) throw badRequest(`canary hosts are not in this rollout: ${unknown.join(", ")}`);
  const currentCanary = canaryIds.map((id) => known.get(id)!).find((h) => h.current);
  if (currentCanary) {
    throw badRequest(
      `canary host ${currentCanary.name} is ${alreadyAt(target)}, so a step there would test nothing; ` +
        "name a host that is not on the target, or leave the canary to fleetd",
    );
  }
  const planned: RolloutHost[] = byName
    .filter((h) => h.current)
    .map((h) => ({
      hostId: h.id,
      name: h.name,
      phase: "none",
      group: 0,
      state: "skipped",
      reason: alreadyAt(target),
      finishedAt: now,
    }));
  const todo = byName.filter((h) => !h.current);
  const preferred = [...todo.filter((h) => h.online !== false), ...todo.filter((h) => h.online === false)];
  const canaries = canaryIds.length
    ? canaryIds.map((id) => known.get(id)!)
    : preferred.slice(0, Math.min(options.canary, todo.length));
  const canarySet = new Set(canaries.map((h) => h.id));
  for (const h of canaries) {
    planned.push({ hostId: h.id, name: h.name, phase: "canary", group: 0, state: "pending" });
  }
  const rest = todo.filter((h) => !canarySet.has(h.id));
  const groupOf = batchGroups(rest.length, options.batch);
  rest.forEach((h, i) => {
    planned.push({ hostId: h.id, name: h.name, phase: "batch", group: groupOf(i), state: "pending" });
  });
  return planned;
}

/**
 * The batch (1, 2, ...) of the i-th of `count` hosts after the canary: fixed groups of `batch`, or
 * without one the growing batches (protocol/rollout-batches.ts), none empty.
 */
export function batchGroups(count: number, batch: number | undefined): (i: number) => number {
  if (batch !== undefined) return (i) => 1 + Math.floor(i / batch);
  const ends: number[] = [];
  for (const size of batchSizes(count)) ends.push((ends.at(-1) ?? 0) + size);
  return (i) => 1 + ends.findIndex((end) => i < end);
}

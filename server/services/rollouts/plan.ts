// The order a rollout takes: canary hosts first (named ones, else the first by name),
// then the rest in batches, all by a stable order so a resumed rollout sees the same plan.
import type { RolloutHost, RolloutOptions } from "../../../protocol/rollouts.ts";
import { badRequest } from "../../errors.ts";

export interface PlanHost {
  id: string;
  name: string;
}

export function planRollout(
  hosts: readonly PlanHost[],
  options: RolloutOptions,
  canaryIds: readonly string[] = [],
) {
  const byName = [...hosts].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const known = new Set(byName.map((h) => h.id));
  const unknown = canaryIds.filter((id) => !known.has(id));
  if (unknown.length) throw badRequest(`canary hosts are not in this rollout: ${unknown.join(", ")}`);
  const canaries = canaryIds.length
    ? canaryIds.map((id) => byName.find((h) => h.id === id)!)
    : byName.slice(0, Math.min(options.canary, byName.length));
  const canarySet = new Set(canaries.map((h) => h.id));
  const rest = byName.filter((h) => !canarySet.has(h.id));
  const planned: RolloutHost[] = canaries.map((h) => ({
    hostId: h.id,
    name: h.name,
    phase: "canary",
    group: 0,
    state: "pending",
  }));
  rest.forEach((h, i) => {
    planned.push({
      hostId: h.id,
      name: h.name,
      phase: "batch",
      group: 1 + Math.floor(i / options.batch),
      state: "pending",
    });
  });
  return planned;
}

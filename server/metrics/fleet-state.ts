// What the fleet looks like right now, counted at scrape time from the store, presence and the
// poll hub: the same reads the hosts list and the board make, so a gauge and `fleetctl hosts`
// agree, and nothing is kept in a second copy that could drift. One pass over the hosts per scrape
// (and one over the outbox, for its pending deliveries).
import { AlertKind } from "../../protocol/alerts.ts";
import { ConfigStateName } from "../../protocol/config-state.ts";
import { RolloutHostState, RolloutKind, RolloutState } from "../../protocol/rollouts.ts";
import { isAgentOutdated } from "../artifacts.ts";
import type { ServerContext } from "../context.ts";
import { hostConfigOf } from "../services/config/host-config.ts";
import type { ChannelSnapshot } from "./notify.ts";
import { type FleetSnapshot, type HostCounts, PLATFORM_LABELS, type PlatformLabel } from "./snapshot.ts";

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export function fleetSnapshot(ctx: ServerContext, now = Date.now()): FleetSnapshot {
  const hosts = Object.fromEntries(
    PLATFORM_LABELS.map((p) => [p, { enrolled: 0, online: 0, outdated: 0 }]),
  ) as Record<PlatformLabel, HostCounts>;
  const configStates = zeros(ConfigStateName.options);
  const manifest = ctx.artifacts.manifest();
  const target = ctx.configTarget.current();
  for (const record of ctx.store.listHosts()) {
    if (record.revokedAt) continue;
    const counts = hosts[record.platform ?? "unknown"];
    counts.enrolled++;
    if (ctx.coordinator.presence.isOnline(record.id, now)) counts.online++;
    if (isAgentOutdated(manifest, record)) counts.outdated++;
    configStates[hostConfigOf(ctx, record, target).config.state]++;
  }

  const rollouts = Object.fromEntries(
    RolloutKind.options.map((kind) => [kind, zeros(RolloutState.options)]),
  ) as FleetSnapshot["rollouts"];
  const activeRolloutHosts = zeros(RolloutHostState.options);
  for (const rollout of ctx.store.listRollouts()) {
    rollouts[rollout.target.kind][rollout.state]++;
    if (rollout.state === "running" || rollout.state === "paused")
      for (const host of rollout.hosts) activeRolloutHosts[host.state]++;
  }

  const openAlerts = zeros(AlertKind.options);
  for (const alert of ctx.store.listAlerts()) if (!alert.resolvedAt) openAlerts[alert.kind]++;

  return {
    hosts,
    configStates,
    heldPolls: ctx.hub.heldCount(),
    rollouts,
    activeRolloutHosts,
    openAlerts,
    channels: _channels(ctx),
  };
}

function _channels(ctx: ServerContext): ChannelSnapshot[] {
  const pending = new Map<string, number>();
  for (const d of ctx.store.listDeliveries())
    if (d.state === "pending") pending.set(d.channelId, (pending.get(d.channelId) ?? 0) + 1);
  return ctx.store
    .listChannels()
    .map((c) => ({ id: c.id, name: c.name, type: c.type, pending: pending.get(c.id) ?? 0 }));
}

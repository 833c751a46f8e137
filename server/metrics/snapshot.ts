// The fleet's state as the scrape-time gauges read it (fleet-state.ts fills it, registry.ts shows
// it), with the closed sets its labels come from.
import type { AlertKind } from "../../protocol/alerts.ts";
import { Platform } from "../../protocol/common.ts";
import type { ConfigStateName } from "../../protocol/config-state.ts";
import type { RolloutHostState, RolloutKind, RolloutState } from "../../protocol/rollouts.ts";
import type { ChannelSnapshot } from "./notify.ts";

/** A host that has not said hello yet has no platform. */
export const PLATFORM_LABELS = [...Platform.options, "unknown"] as const;
export type PlatformLabel = (typeof PLATFORM_LABELS)[number];

export interface HostCounts {
  enrolled: number;
  online: number;
  outdated: number;
}

export interface FleetSnapshot {
  /** Hosts whose token is not revoked, by platform. */
  hosts: Record<PlatformLabel, HostCounts>;
  configStates: Record<ConfigStateName, number>;
  heldPolls: number;
  rollouts: Record<RolloutKind, Record<RolloutState, number>>;
  /** The hosts of the active (running or paused) rollout by their state; all 0 without one. */
  activeRolloutHosts: Record<RolloutHostState, number>;
  openAlerts: Record<AlertKind, number>;
  /** Every notification channel, with its deliveries pending in the outbox. */
  channels: ChannelSnapshot[];
}

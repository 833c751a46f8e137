// The alerts that time raises: a host offline longer than offlineAlertSeconds, a checkout behind
// the config target longer than behindAlertSeconds, and a system that needs a reboot. Each is
// derived from what fleetd already knows (presence, the host's config report, the target) and
// resolved by the same check once the condition is over; the sweeper runs the checks.
import type { ServerContext } from "../context.ts";
import type { HostRecord } from "../store/records/host.ts";
import { openAlert, raiseAlert, resolveAlert } from "./alerts.ts";
import { hostConfigOf } from "./config/host-config.ts";

/** "6 min", "26 h": alert messages are read at a glance. */
export function spanText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

/** "12:03 UTC" today, "2026-11-30 12:03 UTC" before. */
export function clockText(iso: string, now: number): string {
  const at = new Date(iso).toISOString();
  const day = at.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return `${day ? "" : `${at.slice(0, 10)} `}${at.slice(11, 16)} UTC`;
}

const _serviceCheck = (host: Readonly<HostRecord>): string =>
  host.platform === "darwin"
    ? "launchctl print gui/$(id -u)/dev.fleet.agent, or system/dev.fleet.agent for a system install"
    : "systemctl status fleet-agent";

/**
 * host_offline for one host the sweeper looked at (a host not holding a poll, or one with traffic):
 * raised once it has been offline for offlineAlertSeconds, resolved when it is back online.
 * Returns the write, or undefined when nothing changed.
 */
export function checkHostOffline(
  ctx: ServerContext,
  host: Readonly<HostRecord>,
  now: number,
): Promise<void> | undefined {
  const offlineSince = ctx.coordinator.presence.offlineSince(host.id, now);
  const open = openAlert(ctx, "host_offline", host.id);
  if (offlineSince === null)
    return open && resolveAlert(ctx, "host_offline", host.id, `${host.name} is back online`);
  if (open || host.revokedAt || now - offlineSince < ctx.config.offlineAlertSeconds * 1000) return;
  // Its lastSeen says how long it has been gone; offlineSince only since fleetd started.
  const lastSeen = host.lastSeen ?? new Date(offlineSince).toISOString();
  const gone = Math.max(now - Date.parse(lastSeen), now - offlineSince);
  const message =
    `${host.name} has been offline for ${spanText(gone)} (last seen ${clockText(lastSeen, now)}); ` +
    `check that the host is up and reachable and its fleet-agent service runs (${_serviceCheck(host)})`;
  return raiseAlert(ctx, "host_offline", host.id, message);
}

/**
 * host_offline, config_behind and needs_reboot for every host, the last two from its derived
 * config. host_offline is checked here too for the hosts the sweep never looks at: those not seen
 * since fleetd started (see FleetPresence.takeCandidates). `behindSince` remembers
 * when this fleetd first saw each host behind: fleetd keeps no history of the target, so after a
 * restart the clock starts again (an alert comes late, never early).
 */
export function checkHostConditions(
  ctx: ServerContext,
  behindSince: Map<string, number>,
  now: number,
): Promise<void>[] {
  const writes: (Promise<void> | undefined)[] = [];
  const target = ctx.configTarget.current();
  const seen = new Set<string>();
  for (const host of ctx.store.listHosts()) {
    if (host.revokedAt) continue;
    seen.add(host.id);
    writes.push(checkHostOffline(ctx, host, now));
    const { config, system } = hostConfigOf(ctx, host, target);
    const behind = target !== null && config.commit !== null && config.commit !== target.commit;
    if (!behind) {
      behindSince.delete(host.id);
      const why = target === null ? "fleetd has no config target any more" : `${host.name} is at the target`;
      if (openAlert(ctx, "config_behind", host.id))
        writes.push(resolveAlert(ctx, "config_behind", host.id, why));
    } else {
      const since = behindSince.get(host.id) ?? now;
      behindSince.set(host.id, since);
      if (now - since >= ctx.config.behindAlertSeconds * 1000 && config.commit && target) {
        const by =
          config.behindBy === null
            ? ""
            : `, ${config.behindBy} commit${config.behindBy === 1 ? "" : "s"} behind`;
        const message =
          `${host.name} has been behind the config target for more than ${spanText(now - since)} ` +
          `(at ${config.commit.slice(0, 12)}, target ${target.commit.slice(0, 12)}${by}); ` +
          `bring it up to date: fleetctl run pull ${host.name} --wait && fleetctl run switch ${host.name} --wait, ` +
          "or start a rollout; if its pull fails, look at the job's output";
        if (!openAlert(ctx, "config_behind", host.id))
          writes.push(raiseAlert(ctx, "config_behind", host.id, message));
      }
    }
    writes.push(_checkReboot(ctx, host, system?.needsReboot ?? null));
  }
  for (const id of behindSince.keys()) if (!seen.has(id)) behindSince.delete(id);
  return writes.filter((w): w is Promise<void> => w !== undefined);
}

function _checkReboot(
  ctx: ServerContext,
  host: Readonly<HostRecord>,
  needsReboot: boolean | null,
): Promise<void> | undefined {
  const open = openAlert(ctx, "needs_reboot", host.id);
  if (needsReboot !== true)
    return (
      open && resolveAlert(ctx, "needs_reboot", host.id, `${host.name} runs the kernel of its current system`)
    );
  if (open) return;
  const message =
    `${host.name} was switched to a system whose kernel or initrd differs from the booted one; ` +
    `reboot it when convenient (ssh ${host.hostname ?? host.name} sudo systemctl reboot) so the switch takes full effect`;
  return raiseAlert(ctx, "needs_reboot", host.id, message);
}

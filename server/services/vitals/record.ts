// A host's vitals sample (POST /agent/vitals): kept in memory (book.ts), and the disk_full alert
// raised or resolved from it. Only a change of the alert is written at once; an open alert is not
// touched again while the disk stays full, so a full disk costs no write per message.
import type { HostVitals } from "../../../protocol/vitals.ts";
import { fullestDisk } from "../../../protocol/vitals-math.ts";
import type { ServerContext } from "../../context.ts";
import { badRequest, unauthorized } from "../../errors.ts";
import { openAlert, raiseAlert, resolveAlert } from "../alerts.ts";

/** A sample this far ahead of fleetd's clock would shadow every later one (see book.ts): refused. */
export const MAX_VITALS_AHEAD_MS = 5 * 60_000;
/** disk_full resolves only this far under its limit, so a disk hovering at the limit does not flap. */
const RESOLVE_MARGIN_PERCENT = 1;

export async function recordVitals(ctx: ServerContext, hostId: string, vitals: HostVitals): Promise<void> {
  const host = ctx.store.getHost(hostId);
  // Revoked or deleted between auth and here: the sample has no host to land on.
  if (!host || host.revokedAt) throw unauthorized("host token revoked");
  const aheadMs = Date.parse(vitals.at) - Date.now();
  if (aheadMs > MAX_VITALS_AHEAD_MS) {
    throw badRequest(
      `vitals sample at ${vitals.at} is ${Math.round(aheadMs / 1000)} s ahead of fleetd's clock ` +
        `(at most ${MAX_VITALS_AHEAD_MS / 1000} s); check the host's clock`,
    );
  }
  if (!ctx.vitals.record(hostId, vitals)) return;
  await _checkDiskFull(ctx, hostId, host.name, vitals);
}

async function _checkDiskFull(ctx: ServerContext, hostId: string, name: string, vitals: HostVitals) {
  const fullest = fullestDisk(vitals);
  if (!fullest) return;
  const limit = ctx.config.diskFullPercent;
  const open = openAlert(ctx, "disk_full", hostId);
  const percent = Math.round(fullest.percent * 10) / 10;
  if (fullest.percent > limit && !open) {
    await raiseAlert(
      ctx,
      "disk_full",
      hostId,
      `${fullest.disk.path} on ${name} is ${percent} % full (limit ${limit} %)`,
    );
  } else if (open && fullest.percent <= limit - RESOLVE_MARGIN_PERCENT) {
    await resolveAlert(ctx, "disk_full", hostId, `${fullest.disk.path} is ${percent} % full`);
  }
}

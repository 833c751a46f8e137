// What is wrong with fleetd itself, as health, the board and `fleetctl doctor` show it. Derived
// from the store and the config target each time, never stored: a condition about a full disk
// could not be written.
// The message names no path: the public board shows it too (the path is in fleetd's log).
import type { ServerCondition } from "../../protocol/common.ts";
import type { ServerContext } from "../context.ts";

export function serverConditions(ctx: ServerContext): ServerCondition[] {
  const config = ctx.configTarget.condition();
  return [..._diskCondition(ctx), ...(config ? [config] : [])];
}

function _diskCondition(ctx: ServerContext): ServerCondition[] {
  const disk = ctx.store.diskState();
  if (!disk.full || !disk.since) return [];
  const free = disk.freeBytes !== undefined ? ` (${Math.floor(disk.freeBytes / 1024)} KiB free now)` : "";
  return [
    {
      code: "disk_full",
      message:
        `fleetd's data disk is full${free}: changes are refused (507 disk_full) and change ` +
        "nothing until a write lands again; free space on the disk of fleetd's data directory",
      since: disk.since,
    },
  ];
}

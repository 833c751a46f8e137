// Putting the new binary in place and, if it proves unhealthy, the old one back.
// POSIX: two renames in one directory (the running process keeps its inode), so at every
// instant `<bin>` is a complete binary, old or new. Windows cannot rename a running exe:
// there scripts/update.cmd, started detached, waits for the agent to exit and swaps.
import { spawn } from "node:child_process";
import { existsSync, linkSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { fsyncDir, writeFileAtomic } from "../../lib/atomic-write.ts";
import updateCmd from "../../scripts/update.cmd" with { type: "text" };
import { statePaths } from "../paths.ts";

export const oldPath = (bin: string) => `${bin}.old`;
export const newPath = (bin: string) => `${bin}.new`;
export const rejectedPath = (bin: string) => `${bin}.rejected`;

export function swapInNew(bin: string): void {
  renameSync(bin, oldPath(bin));
  renameSync(newPath(bin), bin);
  fsyncDir(dirname(bin));
}

/** Restores `<bin>.old`; the rejected binary is kept as `<bin>.rejected` for a post-mortem. */
export function rollBack(bin: string): void {
  if (!existsSync(oldPath(bin))) throw new Error(`${oldPath(bin)} is missing; cannot roll back`);
  rmSync(rejectedPath(bin), { force: true });
  try {
    linkSync(bin, rejectedPath(bin));
  } catch {
    // keeping the rejected binary is a courtesy
  }
  renameSync(oldPath(bin), bin);
  fsyncDir(dirname(bin));
}

/**
 * Windows: write update.cmd to the state dir and start it detached in its own process
 * group. It waits for `agentPid` to exit, swaps the files and runs `restart` (e.g.
 * `sc start fleet-agent`), logging to update.log.
 */
export function startWindowsSwap(stateDir: string, bin: string, agentPid: number, restart: string): void {
  const { windowsSwapScript: script, windowsSwapLog } = statePaths(stateDir);
  writeFileAtomic(script, updateCmd.replace(/\r?\n/g, "\r\n"));
  const child = spawn(
    "cmd.exe",
    ["/d", "/c", script, String(agentPid), bin, newPath(bin), windowsSwapLog, restart],
    { detached: true, stdio: "ignore", windowsHide: true },
  );
  child.unref();
}

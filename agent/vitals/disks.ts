// Disk use by statfs(2) (fs.statfsSync), the same numbers df prints: no child process.
import { existsSync, statfsSync } from "node:fs";
import type { VitalsDisk } from "../../protocol/vitals.ts";

/** The disks a sample reports: "/", "/nix" only where it exists, and the agent's state dir. */
export function readDisks(stateDir: string): {
  root: VitalsDisk | null;
  nix: VitalsDisk | null;
  state: VitalsDisk | null;
} {
  return {
    root: diskOf("/"),
    nix: existsSync("/nix") ? diskOf("/nix") : null,
    state: diskOf(stateDir),
  };
}

/** null when statfs fails (the path vanished, a platform without it): never a guess. */
export function diskOf(path: string): VitalsDisk | null {
  try {
    const fs = statfsSync(path);
    const block = Number(fs.bsize);
    const total = Number(fs.blocks) * block;
    const available = Number(fs.bavail) * block;
    const used = Math.max(0, total - Number(fs.bfree) * block);
    return { path, totalBytes: total, availableBytes: available, usedBytes: used };
  } catch {
    return null;
  }
}

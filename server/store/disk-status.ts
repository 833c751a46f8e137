// Whether the data directory's disk refuses writes for want of space: set by the first write
// refused with ENOSPC (or EDQUOT, a quota), cleared by the next write that lands; and, before any
// write is refused, whenever the file system has no space left at all (statfs). Health, the
// board and `fleetctl doctor` read it, so an operator hears "disk full" instead of bare 500s.
import { statfsSync } from "node:fs";

export interface DiskState {
  full: boolean;
  /** When the first refused write of this episode happened. */
  since?: string;
  /** The file whose write was refused. */
  path?: string;
  /** Space left for fleetd on the data directory's file system, when it can be read. */
  freeBytes?: number;
}

/** The errors that mean "no space left" rather than a broken disk or file. */
export function isDiskFullError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

export class DiskStatus {
  private fullSince: Date | null = null;
  private path: string | null = null;
  /** When statfs first showed no space left, while it still does. */
  private noSpaceSince: Date | null = null;

  constructor(private readonly dataDir: string) {}

  writeFailed(path: string, err: unknown): void {
    if (!isDiskFullError(err)) return;
    this.fullSince ??= new Date();
    this.path = path;
  }

  writeOk(): void {
    this.fullSince = null;
    this.path = null;
  }

  current(): DiskState {
    const freeBytes = _freeBytes(this.dataDir);
    this.noSpaceSince = freeBytes === 0 ? (this.noSpaceSince ?? new Date()) : null;
    const since = this.fullSince ?? this.noSpaceSince;
    if (!since) return { full: false, ...(freeBytes !== undefined ? { freeBytes } : {}) };
    return {
      full: true,
      since: since.toISOString(),
      ...(this.path ? { path: this.path } : {}),
      ...(freeBytes !== undefined ? { freeBytes } : {}),
    };
  }
}

function _freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

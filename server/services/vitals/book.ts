// Every host's vitals in memory: the last sample whole and an hour of points (hour-ring.ts).
// Persisted coalesced: vitals.json holds each host's last sample and is rewritten at most every
// vitalsSnapshotMs (when anything changed) and at shutdown, never per message; a fleetd killed
// with SIGKILL loses what arrived since the last snapshot, and after any restart a host's hour
// starts again from its last sample. Vitals are for looking at, not records: a damaged vitals.json
// is set aside with a warning instead of refusing to start.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../../../lib/atomic-write.ts";
import { Id } from "../../../protocol/common.ts";
import { HostVitals, type VitalsPoint } from "../../../protocol/vitals.ts";
import { vitalsPoint } from "../../../protocol/vitals-math.ts";
import { HourRing } from "./hour-ring.ts";

export const VITALS_FILE = "vitals.json";
const VitalsFile = z.object({ hosts: z.record(Id, HostVitals) });

interface HostEntry {
  last: HostVitals;
  hour: HourRing;
}

export interface VitalsBookOptions {
  dataDir: string;
  snapshotMs: number;
  log: { warn(...args: unknown[]): void };
  /** Each snapshot written, and how long it took (the store-write metric). */
  onWrite?: (file: string, seconds: number) => void;
  /** Whether a host still exists: a snapshot's host deleted since (a crash in between) is dropped. */
  hostExists: (hostId: string) => boolean;
}

export class VitalsBook {
  private readonly hosts = new Map<string, HostEntry>();
  private readonly path: string;
  private dirty = false;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly options: VitalsBookOptions) {
    this.path = join(options.dataDir, VITALS_FILE);
    this._load();
    this.timer = setInterval(() => this.flush(), options.snapshotMs);
    this.timer.unref?.();
  }

  /** Stores a sample newer than the host's last; false (nothing changed) for a repeat or a late one. */
  record(hostId: string, vitals: HostVitals): boolean {
    const entry = this.hosts.get(hostId);
    if (entry && !(Date.parse(vitals.at) > Date.parse(entry.last.at))) return false;
    const hour = entry?.hour ?? new HourRing();
    hour.add(vitalsPoint(vitals));
    this.hosts.set(hostId, { last: vitals, hour });
    this.dirty = true;
    return true;
  }

  last(hostId: string): HostVitals | null {
    return this.hosts.get(hostId)?.last ?? null;
  }

  hour(hostId: string): VitalsPoint[] {
    return this.hosts.get(hostId)?.hour.points() ?? [];
  }

  /** The hour's CPU readings, oldest first. */
  cpuHour(hostId: string): number[] {
    return this.hosts.get(hostId)?.hour.cpu() ?? [];
  }

  forget(hostId: string): void {
    if (this.hosts.delete(hostId)) this.dirty = true;
  }

  /** Writes the snapshot when anything changed since the last; a refused write is tried next time. */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const hosts: Record<string, HostVitals> = {};
    for (const [id, entry] of this.hosts) hosts[id] = entry.last;
    const started = performance.now();
    try {
      writeFileAtomic(this.path, JSON.stringify({ hosts }), 0o600);
      this.options.onWrite?.("vitals", (performance.now() - started) / 1000);
    } catch (err) {
      this.dirty = true;
      this.options.log.warn(`cannot write ${this.path}: ${(err as Error).message}; trying again later`);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }

  private _load(): void {
    if (!existsSync(this.path)) return;
    let parsed: z.ZodSafeParseResult<z.infer<typeof VitalsFile>>;
    try {
      parsed = VitalsFile.safeParse(JSON.parse(readFileSync(this.path, "utf8")));
    } catch (err) {
      this.options.log.warn(
        `${this.path} is not valid JSON (${(err as Error).message}); starting without vitals`,
      );
      return;
    }
    if (!parsed.success) {
      this.options.log.warn(`${this.path} is not a vitals snapshot; starting without vitals`);
      return;
    }
    for (const [id, last] of Object.entries(parsed.data.hosts))
      if (this.options.hostExists(id)) this.record(id, last);
    this.dirty = false;
  }
}

// One host's hour of vitals as compact points: one slot per minute of the hour, so the ring holds
// 60 points however often the agent sends (a second sample in the same minute replaces the first)
// and always spans the last hour. Points are a few numbers in a Float64Array: 10,000 hosts cost
// about 24 MB, where the samples themselves as objects would cost gigabytes.
import type { VitalsPoint } from "../../../protocol/vitals.ts";

export const HOUR_SLOTS = 60;
const SLOT_MS = 60_000;
/** at (ms), load1, cpu %, memory %, fullest disk %; NaN stands for null. */
const FIELDS = 5;

export class HourRing {
  private readonly values = new Float64Array(HOUR_SLOTS * FIELDS).fill(Number.NaN);
  private newestMs = Number.NEGATIVE_INFINITY;

  /** The newest point's time, or -Infinity when empty. */
  get newestAt(): number {
    return this.newestMs;
  }

  /** Only a point newer than the newest is taken: a repeat or a late one changes nothing. */
  add(point: VitalsPoint): boolean {
    const atMs = Date.parse(point.at);
    if (!(atMs > this.newestMs)) return false;
    this.newestMs = atMs;
    const base = (Math.floor(atMs / SLOT_MS) % HOUR_SLOTS) * FIELDS;
    this.values[base] = atMs;
    this.values[base + 1] = point.load1 ?? Number.NaN;
    this.values[base + 2] = point.cpuPercent ?? Number.NaN;
    this.values[base + 3] = point.memoryPercent ?? Number.NaN;
    this.values[base + 4] = point.diskPercent ?? Number.NaN;
    return true;
  }

  /** The points of the hour before the newest, oldest first. */
  points(): VitalsPoint[] {
    return this._slotsOldestFirst().map((slot) => {
      const base = slot * FIELDS;
      return {
        at: new Date(this.values[base]!).toISOString(),
        load1: _orNull(this.values[base + 1]!),
        cpuPercent: _orNull(this.values[base + 2]!),
        memoryPercent: _orNull(this.values[base + 3]!),
        diskPercent: _orNull(this.values[base + 4]!),
      };
    });
  }

  /** The hour's CPU readings, oldest first, without building a point per slot (the board's). */
  cpu(): number[] {
    const out: number[] = [];
    for (const slot of this._slotsOldestFirst()) {
      const value = this.values[slot * FIELDS + 2]!;
      if (!Number.isNaN(value)) out.push(value);
    }
    return out;
  }

  /** The slots of the hour before the newest point, oldest first: the one after the newest's wraps. */
  private _slotsOldestFirst(): number[] {
    if (this.newestMs === Number.NEGATIVE_INFINITY) return [];
    const since = this.newestMs - HOUR_SLOTS * SLOT_MS;
    const newestSlot = Math.floor(this.newestMs / SLOT_MS) % HOUR_SLOTS;
    const slots: number[] = [];
    for (let i = 1; i <= HOUR_SLOTS; i++) {
      const slot = (newestSlot + i) % HOUR_SLOTS;
      if (this.values[slot * FIELDS]! > since) slots.push(slot);
    }
    return slots;
  }
}

const _orNull = (value: number): number | null => (Number.isNaN(value) ? null : value);

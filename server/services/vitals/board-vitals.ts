// What the board draws of hosts' vitals: each one's last percentages, rounded, and its hour of CPU
// averaged into a few buckets, so 10,000 hosts cost a few dozen bytes each. A document of its own
// (GET /api/v1/board/vitals), not part of the board's: with 10,000 hosts sampling every minute,
// ~166 samples land each second, and in the board they would change its ETag on every rebuild, so
// every open page would download the whole board again every round. Rebuilt at most every
// boardVitalsCacheMs however many pages poll it, which the page does less often than the board.
import { BOARD_SPARK_POINTS, type BoardHostVitals, type BoardVitals } from "../../../protocol/board.ts";
import type { HostVitals } from "../../../protocol/vitals.ts";
import { fullestDisk, memoryPercent } from "../../../protocol/vitals-math.ts";
import type { ServerContext } from "../../context.ts";
import { type Versioned, versioned } from "../versioned-doc.ts";

const _cache = new WeakMap<ServerContext, { at: number; value: Versioned<BoardHostVitals> }>();

/** The board's vitals, rebuilt when the cached document is older than boardVitalsCacheMs. */
export function currentBoardVitals(ctx: ServerContext, now = Date.now()): Versioned<BoardHostVitals> {
  const cached = _cache.get(ctx);
  if (cached && now - cached.at < ctx.config.boardVitalsCacheMs) return cached.value;
  const value = versioned(buildBoardVitals(ctx, now));
  _cache.set(ctx, { at: now, value });
  return value;
}

/** Every host that sent vitals, by id. */
export function buildBoardVitals(ctx: ServerContext, now = Date.now()): BoardHostVitals {
  const hosts: Record<string, BoardVitals> = {};
  for (const record of ctx.store.listHosts()) {
    const vitals = boardVitals(ctx.vitals.last(record.id), ctx.vitals.cpuHour(record.id));
    if (vitals) hosts[record.id] = vitals;
  }
  return { generatedAt: new Date(now).toISOString(), hosts };
}

export function boardVitals(last: HostVitals | null, cpuHour: readonly number[]): BoardVitals | null {
  if (!last) return null;
  return {
    at: last.at,
    cpuPercent: _percent(last.cpuPercent),
    memoryPercent: _percent(memoryPercent(last)),
    diskPercent: _percent(fullestDisk(last)?.percent ?? null),
    cpu: cpuSeries(cpuHour),
  };
}

/** The hour's CPU readings in at most BOARD_SPARK_POINTS consecutive buckets, each their mean. */
export function cpuSeries(cpu: readonly number[], points = BOARD_SPARK_POINTS): number[] {
  const buckets = Math.min(points, cpu.length);
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const slice = cpu.slice(
      Math.floor((b * cpu.length) / buckets),
      Math.floor(((b + 1) * cpu.length) / buckets),
    );
    out.push(_percent(slice.reduce((sum, v) => sum + v, 0) / slice.length) ?? 0);
  }
  return out;
}

function _percent(value: number | null): number | null {
  return value === null ? null : Math.min(100, Math.max(0, Math.round(value)));
}

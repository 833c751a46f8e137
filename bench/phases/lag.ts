// fleetd's event-loop delay over one phase, from its own GET /metrics: prom-client's delay
// histogram starts again at every scrape (nodejs_eventloop_lag_*), so a scrape as a phase starts
// and one as it ends give the p99 and the longest delay of that phase alone. This is what issue 21
// asks to see next to dispatch p99: a stall holds every held poll's answer behind it. The baseline
// serves no /metrics, so its figure is null; so is fleetd's when the scrape fails.
import type { Target } from "../targets.ts";

export interface EventLoopLag {
  p99Ms: number;
  maxMs: number;
}

async function _scrape(target: Target): Promise<string | null> {
  if (target.name !== "fleetd") return null;
  try {
    const res = await fetch(`${target.url}/metrics`, {
      headers: { authorization: `Bearer ${target.adminToken}` },
    });
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

const _seconds = (text: string, name: string): number => {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : Number.NaN;
};

/** Runs `phase` between two scrapes and answers its result with the delay seen meanwhile. */
export async function withLag<T>(target: Target, phase: () => Promise<T>): Promise<[T, EventLoopLag | null]> {
  await _scrape(target);
  const result = await phase();
  const text = await _scrape(target);
  if (text === null) return [result, null];
  const lag = {
    p99Ms: _seconds(text, "nodejs_eventloop_lag_p99_seconds") * 1000,
    maxMs: _seconds(text, "nodejs_eventloop_lag_max_seconds") * 1000,
  };
  return [result, Number.isFinite(lag.p99Ms) ? lag : null];
}

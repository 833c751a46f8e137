// What a Prometheus scrape of GET /metrics costs fleetd with the whole fleet enrolled, every host
// holding its poll and its config state stored (issue 19): the fleet's gauges are counted per
// scrape, one pass over the hosts, so the time grows with the fleet while the size must not
// (every label value is from a closed set). Scrapes are sequential, a few seconds apart, as a
// Prometheus server would send them.
import { cpuMs } from "../proc.ts";
import { percentile } from "../stats.ts";
import type { Target } from "../targets.ts";

export interface ScrapeResult {
  scrapes: number;
  p50Ms: number;
  maxMs: number;
  /** fleetd's CPU time while a scrape was answered (10 ms clock ticks), per scrape. */
  cpuMsPerScrape: number;
  bytes: number;
  /** Sample lines (not comments) in one answer. */
  samples: number;
}

export async function measureScrapes(target: Target, scrapes: number, gapMs: number): Promise<ScrapeResult> {
  const times: number[] = [];
  let bytes = 0;
  let samples = 0;
  let cpu = 0;
  for (let i = 0; i < scrapes; i++) {
    if (i > 0) await Bun.sleep(gapMs);
    const cpu0 = cpuMs(target.proc.pid);
    const t0 = performance.now();
    const res = await fetch(`${target.url}/metrics`, {
      headers: { authorization: `Bearer ${target.adminToken}` },
    });
    const text = await res.text();
    times.push(performance.now() - t0);
    cpu += cpuMs(target.proc.pid) - cpu0;
    if (!res.ok) throw new Error(`GET /metrics: ${res.status} ${text.slice(0, 200)}`);
    bytes = Buffer.byteLength(text);
    samples = text.split("\n").filter((line) => line !== "" && !line.startsWith("#")).length;
  }
  times.sort((a, b) => a - b);
  return {
    scrapes,
    p50Ms: percentile(times, 50),
    maxMs: times.at(-1) ?? Number.NaN,
    cpuMsPerScrape: cpu / scrapes,
    bytes,
    samples,
  };
}

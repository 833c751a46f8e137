// The backoff's shape on one request path of a real agent, as the backoff e2e tests measure it
// (request times at a FlakyFleetd, or log lines when nothing listens).
import { expect } from "bun:test";
import { gapsOf } from "../harness/flaky-fleetd.ts";

export interface Shape {
  /** The agent's backoff cap. */
  capS: number;
  /** How long fleetd was sick; the rate is measured from cappedAfterMs to here. */
  sickMs: number;
  /** From this long after the failures began, every gap must be at least minGapS... */
  cappedAfterMs: number;
  /** ...which is half the cap once the cap is reached (equal jitter: [cap/2, cap]). */
  minGapS: number;
}

/** Loopback and scheduling noise allowed on every measured gap. */
const SLACK_S = 0.15;

/**
 * Each gap at least the one before (equal jitter doubles the floor each step) until half the
 * cap; every gap that starts once the agent should be capped at least minGapS; none longer
 * than the cap: it never stops trying. Answers the rate once capped, in requests per second.
 */
export function expectBackedOff(what: string, times: number[], since: number, shape: Shape): number {
  const gaps = gapsOf(times.map((at) => ({ at, route: what, status: 0 })));
  const capped = since + shape.cappedAfterMs;
  const late = times.filter((at) => at >= capped);
  const rate = late.length / ((shape.sickMs - shape.cappedAfterMs) / 1000);
  const all = times.length / (shape.sickMs / 1000);
  console.log(
    `${what}: ${times.length} in ${shape.sickMs / 1000} s (${all.toFixed(2)}/s), ` +
      `${rate.toFixed(2)}/s once capped; gaps ${gaps.join(" ")}`,
  );
  expect(times.length).toBeGreaterThanOrEqual(4);
  // On failure the log line above shows the gaps; these say which rule broke.
  const shrank = gaps.filter((gap, i) => i > 0 && gap < Math.min(gaps[i - 1]!, shape.capS / 2) - SLACK_S);
  expect({ what, shrank }).toEqual({ what, shrank: [] });
  const shortOnceCapped = gaps.filter((gap, i) => times[i]! >= capped && gap < shape.minGapS - SLACK_S);
  expect({ what, shortOnceCapped }).toEqual({ what, shortOnceCapped: [] });
  expect(Math.max(...gaps)).toBeLessThanOrEqual(shape.capS + 1);
  return rate;
}

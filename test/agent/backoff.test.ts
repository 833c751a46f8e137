// Retry backoff: grows exponentially, stays under the cap, jitters within [ceiling/2, ceiling],
// and comes from config.json's `backoff` when it is set.
import { expect, test } from "bun:test";
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, Backoff } from "../../agent/backoff.ts";
import { AgentConfig, backoffLimits } from "../../agent/config.ts";

test("backoff ceilings double up to the cap; reset starts over", () => {
  const max = new Backoff(100, 1000, () => 1);
  expect([max.next(), max.next(), max.next(), max.next(), max.next(), max.next()]).toEqual([
    100, 200, 400, 800, 1000, 1000,
  ]);
  max.reset();
  expect(max.next()).toBe(100);
});

test("the lowest draw is half the ceiling: once capped no retry comes sooner than cap/2", () => {
  const min = new Backoff(100, 1000, () => 0);
  expect([min.next(), min.next(), min.next(), min.next(), min.next(), min.next()]).toEqual([
    50, 100, 200, 400, 500, 500,
  ]);
});

test("delays are jittered across [ceiling/2, ceiling]", () => {
  const values = new Set<number>();
  const b = new Backoff(1000, 30_000);
  for (let i = 0; i < 20; i++) {
    b.reset();
    values.add(b.next());
  }
  expect(values.size).toBeGreaterThan(10);
  for (const v of values) expect(v).toBeGreaterThanOrEqual(500);
  for (const v of values) expect(v).toBeLessThanOrEqual(1000);
});

test("capped delays of many agents spread over [cap/2, cap] and average 3/4 of the cap", () => {
  const delays = Array.from({ length: 2000 }, () => {
    const b = new Backoff();
    for (let i = 0; i < 10; i++) b.next();
    return b.next();
  });
  expect(Math.min(...delays)).toBeGreaterThanOrEqual(BACKOFF_CAP_MS / 2);
  expect(Math.max(...delays)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
  const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
  expect(Math.abs(mean - 0.75 * BACKOFF_CAP_MS)).toBeLessThan(0.05 * BACKOFF_CAP_MS);
  // In ten buckets of the range none is empty: the fleet does not come back in lockstep.
  const buckets = new Set(delays.map((d) => Math.min(9, Math.floor((d / BACKOFF_CAP_MS - 0.5) * 20))));
  expect(buckets.size).toBe(10);
});

test("the tiny floor holds for tiny bases", () => {
  expect(new Backoff(1, 1, () => 0).next()).toBe(50);
});

test("config.json's backoff, in seconds, becomes the limits; a cap below the base is the base", () => {
  const base = { server: "http://fleet.test", name: "h" };
  expect(backoffLimits(AgentConfig.parse(base))).toEqual({ baseMs: BACKOFF_BASE_MS, capMs: BACKOFF_CAP_MS });
  expect(
    backoffLimits(AgentConfig.parse({ ...base, backoff: { baseSeconds: 0.25, maxSeconds: 4 } })),
  ).toEqual({
    baseMs: 250,
    capMs: 4000,
  });
  expect(backoffLimits(AgentConfig.parse({ ...base, backoff: { baseSeconds: 2, maxSeconds: 1 } }))).toEqual({
    baseMs: 2000,
    capMs: 2000,
  });
  expect(AgentConfig.safeParse({ ...base, backoff: { maxSeconds: 0 } }).success).toBe(false);
});

// Reconnect backoff: grows exponentially, stays under the cap, and jitters.
import { expect, test } from "bun:test";
import { Backoff } from "../../agent/backoff.ts";

test("backoff ceilings double up to the cap; reset starts over", () => {
  const max = new Backoff(100, 1000, () => 1);
  expect([max.next(), max.next(), max.next(), max.next(), max.next(), max.next()]).toEqual([
    100, 200, 400, 800, 1000, 1000,
  ]);
  max.reset();
  expect(max.next()).toBe(100);
});

test("delays are jittered across [floor, ceiling]", () => {
  const values = new Set<number>();
  const b = new Backoff(1000, 30_000);
  for (let i = 0; i < 20; i++) {
    b.reset();
    values.add(b.next());
  }
  expect(values.size).toBeGreaterThan(10);
  for (const v of values) expect(v).toBeGreaterThanOrEqual(50);
  for (const v of values) expect(v).toBeLessThanOrEqual(1000);
});

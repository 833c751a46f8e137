// lib/map-limit.ts, shared by the build (compiles) and `fleetctl board export` (host details):
// results come back in input order, and no more than `limit` calls are ever in flight.
import { expect, test } from "bun:test";
import { mapLimit } from "../../lib/map-limit.ts";

test("keeps input order and never has more than limit in flight", async () => {
  let inFlight = 0;
  let most = 0;
  const items = [30, 5, 20, 1, 10, 15, 2];
  const out = await mapLimit(items, 3, async (ms) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await Bun.sleep(ms);
    inFlight--;
    return ms * 2;
  });
  expect(out).toEqual(items.map((ms) => ms * 2));
  expect(most).toBe(3);
});

test("a limit above the item count is fine, and no items means no calls", async () => {
  const seen: number[] = [];
  const double = async (n: number) => {
    seen.push(n);
    return n * 2;
  };
  expect(await mapLimit([1, 2], 10, double)).toEqual([2, 4]);
  expect(await mapLimit([], 4, double)).toEqual([]);
  expect(seen).toEqual([1, 2]);
});

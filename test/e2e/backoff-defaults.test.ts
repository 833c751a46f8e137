// The backoff at its real defaults (0.5 s doubling to a 30 s cap, equal jitter): a real agent with
// a result waiting, against a fleetd answering 500 to everything for 35 s, has reached its cap
// by ~16 s and from then on makes fewer than one request per 5 s on each path; when fleetd
// recovers it is reached within the cap and the result is delivered exactly once.
// The shape at a short cap, for every failure kind, is test/e2e/backoff.test.ts.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS } from "../../agent/backoff.ts";
import { FlakyFleetd } from "../harness/flaky-fleetd.ts";
import { ensureBinaries, TestFleet, waitFor } from "../harness/index.ts";
import { expectBackedOff } from "./backoff-shape.ts";

const CAP_S = BACKOFF_CAP_MS / 1000;
const SICK_MS = 35_000;
/**
 * Ceilings 0.5, 1, 2, 4, 8, 16, 30 s: the six gaps before the cap take at least 15.75 s, so a gap
 * that starts after 16 s has a ceiling of 16 s or 30 s, and is at least 8 s.
 */
const SHAPE = { capS: CAP_S, sickMs: SICK_MS, cappedAfterMs: 16_000, minGapS: 8 };

let fleet: TestFleet;
let flaky: FlakyFleetd;

beforeAll(async () => {
  expect(BACKOFF_BASE_MS).toBe(500); // the arithmetic above
  fleet = await TestFleet.start(await ensureBinaries());
  flaky = FlakyFleetd.start(fleet.url);
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
  flaky?.stop();
});

test("defaults: under 1 request per 5 s per path once backed off; recovery within the cap, result once", async () => {
  const agent = await fleet.addAgent("sickdefault", {
    config: { server: flaky.url, switch: ["sleep", "3"] },
  });
  await waitFor(async () => (await fleet.host("sickdefault"))?.online, { what: "online" });
  const hostId = (await fleet.host("sickdefault")).id;
  const { job } = await fleet.api("POST", `/api/v1/hosts/${hostId}/jobs`, { op: "switch" });
  await waitFor(async () => (await fleet.api("GET", `/api/v1/jobs/${job.id}`)).job.state === "running", {
    what: "switch running",
  });

  const since = Date.now();
  flaky.set("fail");
  await Bun.sleep(SICK_MS);
  const until = Date.now();
  const hellos = flaky.requests("hello", since, until).map((r) => r.at);
  const deliveries = flaky.seen
    .filter((r) => (r.route === "events" || r.route === "result") && r.at >= since && r.at < until)
    .map((r) => r.at);
  for (const [what, times] of [
    ["hello", hellos],
    ["delivery", deliveries],
  ] as const)
    expect(expectBackedOff(what, times, since, SHAPE)).toBeLessThan(1 / 5);

  flaky.set("pass");
  await waitFor(() => flaky.requests("hello", until).some((r) => r.status === 200), {
    what: "hello after recovery",
    timeoutMs: (CAP_S + 2) * 1000,
  });
  await waitFor(async () => (await fleet.api("GET", `/api/v1/jobs/${job.id}`)).job.state === "succeeded", {
    what: "result delivered",
    timeoutMs: 5_000,
  });
  console.log(
    `recovered: first hello ${((flaky.requests("hello", until)[0]!.at - until) / 1000).toFixed(1)} s after fleetd did`,
  );
  await Bun.sleep(1000);
  expect(flaky.requests("result").filter((r) => r.status === 200)).toHaveLength(1);
  expect(agent.log.filter((l) => l.includes(`job ${job.id}: result succeeded delivered`))).toHaveLength(1);
}, 120_000);

// A frozen agent (SIGSTOP: hung, or its VM suspended) with real binaries. Its held poll keeps
// its TCP connection open, so fleetd can only see it go quiet: the host must show offline within
// the bound docs/troubleshooting.md states (pollWindowMs + offlineGraceMs + sweepIntervalMs), and
// an update dispatched to it must fail saying what was seen (never acknowledged, silent since),
// not that the agent is too old to know the update command. Resumed with SIGCONT at the end.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEFAULT_LIMITS } from "../../server/config.ts";
import { type Binaries, ensureBinaries, type TestAgent, TestFleet, waitFor } from "../harness/index.ts";

let v1: Binaries;
let v2: Binaries;
let fleet: TestFleet;
let agent: TestAgent;
/** The documented bound for a hung agent holding a poll, with fleetd's defaults (36 s). */
const HUNG_BOUND_MS =
  DEFAULT_LIMITS.pollWindowMs + DEFAULT_LIMITS.offlineGraceMs + DEFAULT_LIMITS.sweepIntervalMs;
/** Once fleetd has answered its poll (with a command), only the grace and a sweep remain (11 s). */
const ANSWERED_BOUND_MS = DEFAULT_LIMITS.offlineGraceMs + DEFAULT_LIMITS.sweepIntervalMs;
/** The time between two looks at the host list, which the measurement can be late by. */
const LOOK_MS = 100;

beforeAll(async () => {
  v1 = await ensureBinaries("1.0.0-test");
  v2 = await ensureBinaries("2.0.0-test");
  // Default presence limits: the figures measured here are the ones an operator gets.
  fleet = await TestFleet.start(v2, [], { FLEET_LIMITS: JSON.stringify({ updateSoakMs: 1000 }) });
  agent = await fleet.addAgent("frozen", { binary: v1.agent, config: { update: { soakSeconds: 1 } } });
  await waitFor(async () => (await fleet.host("frozen"))?.online, {
    what: "frozen online",
    timeoutMs: 30_000,
  });
}, 300_000);

afterAll(async () => {
  if (agent?.pid) process.kill(agent.pid, "SIGCONT");
  await fleet?.stop();
});

async function msUntilOffline(since: number, timeoutMs: number): Promise<number> {
  await waitFor(async () => (await fleet.host("frozen")).online === false, {
    what: "frozen offline",
    timeoutMs,
    intervalMs: LOOK_MS,
  });
  return performance.now() - since;
}

test("a SIGSTOPped agent holding a poll shows offline within pollWindowMs + offlineGraceMs + sweepIntervalMs", async () => {
  // It holds a poll nearly all the time; stopped mid-poll, fleetd sees nothing until the window ends.
  const stopped = performance.now();
  process.kill(agent.pid!, "SIGSTOP");
  const ms = await msUntilOffline(stopped, HUNG_BOUND_MS + 5000);
  console.log(
    `idle agent SIGSTOPped → offline after ${(ms / 1000).toFixed(1)} s (bound ${HUNG_BOUND_MS / 1000} s)`,
  );
  expect(ms).toBeLessThanOrEqual(HUNG_BOUND_MS + LOOK_MS);

  process.kill(agent.pid!, "SIGCONT");
  await waitFor(async () => (await fleet.host("frozen")).online, {
    what: "frozen back online",
    timeoutMs: 30_000,
  });
}, 120_000);

test("an update to a SIGSTOPped agent fails saying it was never acknowledged; the host is offline in 11 s", async () => {
  // Back online means its hello arrived; its next poll follows within milliseconds. Frozen in
  // between, it would never get the command (a case fleetd reports as "never reached the agent").
  await Bun.sleep(2000);
  const pid = agent.pid!;
  process.kill(pid, "SIGSTOP");
  const dispatched = performance.now();
  const timeout = 15;
  const updating = fleet.fleetctl(["update", "frozen", "--timeout", String(timeout), "--wait", "--json"]);
  // fleetd answers the held poll with the command at once; from then on only the grace is left.
  const ms = await msUntilOffline(dispatched, ANSWERED_BOUND_MS + 5000);
  console.log(`SIGSTOPped agent handed an update → offline after ${(ms / 1000).toFixed(1)} s`);
  expect(ms).toBeLessThanOrEqual(ANSWERED_BOUND_MS + LOOK_MS + 1000); // + fleetctl starting the rollout

  const r = await updating;
  expect(r.code).not.toBe(0);
  const { rollout } = JSON.parse(r.stdout);
  const { job } = await fleet.api("GET", `/api/v1/jobs/${rollout.hosts[0].jobId}`);
  console.log(`reason: ${job.reason}`);
  expect(job.state).toBe("failed");
  expect(job.reason).toStartWith(
    "the agent never acknowledged the update: the command went out on its poll at",
  );
  expect(job.reason).toContain("nothing heard from the host since");
  expect(job.reason).toContain("offline since");
  expect(job.reason).not.toContain("too old");
  expect(rollout.reason).toContain("never acknowledged");

  // Resumed, the agent reads the command it was handed and may still run it: wait for that to end.
  process.kill(pid, "SIGCONT");
  await waitFor(async () => (await fleet.host("frozen")).online, {
    what: "frozen back online",
    timeoutMs: 30_000,
  });
  await waitFor(
    () =>
      Bun.spawnSync(["pgrep", "-f", `runner --state-dir ${agent.stateDir}`])
        .stdout.toString()
        .trim() === "",
    { what: "no runner left", timeoutMs: 90_000, intervalMs: 500 },
  );
}, 240_000);

// A real compiled agent against a sick fleetd (test/harness/flaky-fleetd.ts: a loopback server in
// front of a real fleetd) backs off on every request path and every kind of failure: 500s with a
// result waiting, hello answered but every poll 500, a command it cannot parse, nothing
// listening. The agent runs with a short backoff cap (config.json `backoff`) so each case proves
// the shape in seconds: gaps grow, once at the cap every gap is at least half of it, and when
// fleetd recovers the agent reaches it within the cap and delivers its result exactly once.
// The same at the real defaults is test/e2e/backoff-defaults.test.ts.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { FlakyFleetd, type FlakyMode, type SeenRequest } from "../harness/flaky-fleetd.ts";
import { ensureBinaries, type TestAgent, TestFleet, waitFor } from "../harness/index.ts";
import { expectBackedOff as expectBackedOffShape } from "./backoff-shape.ts";

/** The override under test: ceilings 0.25, 0.5, 1, 2, 4 s, so the cap is reached within ~4 s. */
const BACKOFF = { baseSeconds: 0.25, maxSeconds: 4 };
const CAP_S = BACKOFF.maxSeconds;
/** How long each case keeps fleetd sick, and from when on the agent must be at its cap. */
const SICK_MS = 14_000;
const CAPPED_AFTER_MS = 6_000;

let fleet: TestFleet;
const flakies: FlakyFleetd[] = [];

beforeAll(async () => {
  fleet = await TestFleet.start(await ensureBinaries());
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
  for (const flaky of flakies) flaky.stop();
});

/** An agent that talks to fleetd through its own FlakyFleetd, online and with nothing to do. */
async function sickAgent(name: string, config: Record<string, unknown> = {}) {
  const flaky = FlakyFleetd.start(fleet.url);
  flakies.push(flaky);
  const agent = await fleet.addAgent(name, { config: { server: flaky.url, backoff: BACKOFF, ...config } });
  const stamped = stampLines(agent);
  await waitFor(async () => (await fleet.host(name))?.online, { what: `${name} online` });
  const hostId = (await fleet.host(name)).id as string;
  return { flaky, agent, stamped, hostId };
}

/** The agent's log lines with the time each arrived, for the case where no request reaches a server. */
function stampLines(agent: TestAgent): { at: number; line: string }[] {
  const stamped: { at: number; line: string }[] = [];
  const push = agent.log.push.bind(agent.log);
  agent.log.push = (...lines: string[]) => {
    for (const line of lines) stamped.push({ at: Date.now(), line });
    return push(...lines);
  };
  return stamped;
}

async function startSwitch(hostId: string): Promise<string> {
  const { job } = await fleet.api("POST", `/api/v1/hosts/${hostId}/jobs`, { op: "switch" });
  await waitFor(async () => (await fleet.api("GET", `/api/v1/jobs/${job.id}`)).job.state === "running", {
    what: "switch running",
  });
  return job.id as string;
}

/** Keeps fleetd in `mode` for SICK_MS and returns when that began. */
async function beSick(flaky: FlakyFleetd, mode: FlakyMode): Promise<number> {
  const since = Date.now();
  flaky.set(mode);
  await Bun.sleep(SICK_MS);
  return since;
}

const SHAPE = { capS: CAP_S, sickMs: SICK_MS, cappedAfterMs: CAPPED_AFTER_MS, minGapS: CAP_S / 2 };

/** The shape, and a rate once capped no higher than one request per half cap. */
function expectBackedOff(what: string, times: number[], since: number) {
  const rate = expectBackedOffShape(what, times, since, SHAPE);
  expect(rate).toBeLessThanOrEqual(1 / (CAP_S / 2) + 0.15);
}

/** A poll reached fleetd after `since`: held there (status 0) or answered. */
const pollHeldAfter = (flaky: FlakyFleetd, since: number) =>
  waitFor(() => flaky.requests("poll", since).some((r) => r.status === 0 || r.status === 200), {
    what: "a poll held by fleetd after recovery",
    timeoutMs: (CAP_S + 2) * 1000,
  });

const at = (requests: SeenRequest[]) => requests.map((r) => r.at);

test("500 to everything with a result waiting: hello and delivery back off; on recovery the result lands once", async () => {
  const { flaky, agent, hostId } = await sickAgent("sick500", { switch: ["sleep", "3"] });
  const jobId = await startSwitch(hostId);
  const since = await beSick(flaky, "fail");
  const until = Date.now();

  const delivery = [...flaky.requests("events", since, until), ...flaky.requests("result", since, until)];
  expectBackedOff("delivery", at(delivery.sort((a, b) => a.at - b.at)), since + 3000);
  expectBackedOff("hello", at(flaky.requests("hello", since + 50, until)), since);

  flaky.set("pass");
  await waitFor(() => flaky.requests("hello", until).some((r) => r.status === 200), {
    what: "hello after recovery",
    timeoutMs: (CAP_S + 2) * 1000,
  });
  await waitFor(async () => (await fleet.api("GET", `/api/v1/jobs/${jobId}`)).job.state === "succeeded", {
    what: "result delivered",
    timeoutMs: (CAP_S + 2) * 1000,
  });
  await Bun.sleep(1000);
  expect(flaky.requests("result").filter((r) => r.status === 200)).toHaveLength(1);
  expect(agent.log.filter((l) => l.includes(`job ${jobId}: result succeeded delivered`))).toHaveLength(1);
  // Success reset the delivery backoff: the next job's result is not held back.
  const next = await fleet.api("POST", `/api/v1/hosts/${hostId}/jobs`, { op: "switch" });
  await waitFor(
    async () => (await fleet.api("GET", `/api/v1/jobs/${next.job.id}`)).job.state === "succeeded",
    { what: "next result", timeoutMs: 8_000 },
  );
  await agent.stop();
}, 120_000);

/** Sick polls (a 500, or a command the agent cannot parse): polls and hellos back off, then recover. */
for (const [title, label, mode] of [
  [
    "hello answered but every poll 500: polls back off although each hello succeeds",
    "pollsick",
    "fail-polls",
  ],
  ["a command the agent cannot parse: it backs off instead of asking again at once", "badcmd", "bad-command"],
] as const) {
  test(title, async () => {
    const { flaky, agent } = await sickAgent(label);
    const since = await beSick(flaky, mode);
    const until = Date.now();
    expectBackedOff("poll", at(flaky.requests("poll", since + 50, until)), since);
    expectBackedOff("hello", at(flaky.requests("hello", since, until)), since);
    flaky.set("pass");
    await pollHeldAfter(flaky, until);
    await agent.stop();
  }, 120_000);
}

test("nothing listening, with a result waiting: connects back off; on recovery the result lands once", async () => {
  const { flaky, agent, hostId, stamped } = await sickAgent("refused", { switch: ["sleep", "3"] });
  const jobId = await startSwitch(hostId);
  const since = await beSick(flaky, "down");
  const until = Date.now();
  const lines = stamped.filter((s) => s.at >= since && s.at < until);
  const connects = lines.filter((s) => s.line.includes("cannot reach fleetd (hello)"));
  const deliveries = lines.filter((s) => /cannot deliver/.test(s.line));
  expectBackedOff("hello (log)", at(connects.map((s) => ({ at: s.at, route: "", status: 0 }))), since);
  expectBackedOff(
    "delivery (log)",
    at(deliveries.map((s) => ({ at: s.at, route: "", status: 0 }))),
    since + 3000,
  );

  flaky.set("pass");
  await waitFor(async () => (await fleet.api("GET", `/api/v1/jobs/${jobId}`)).job.state === "succeeded", {
    what: "result delivered",
    timeoutMs: (CAP_S + 2) * 1000,
  });
  await waitFor(() => flaky.requests("hello", until).some((r) => r.status === 200), {
    what: "hello after recovery",
    timeoutMs: (CAP_S + 2) * 1000,
  });
  await Bun.sleep(1000);
  expect(flaky.requests("result").filter((r) => r.status === 200)).toHaveLength(1);
  expect(agent.log.filter((l) => l.includes(`job ${jobId}: result succeeded delivered`))).toHaveLength(1);
  await agent.stop();
}, 120_000);

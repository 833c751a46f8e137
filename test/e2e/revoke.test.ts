// `fleetctl host revoke` against a real compiled agent: the agent's next request gets 401, it
// says in its log that its token was revoked, and it does not spin: a counting proxy between
// agent and fleetd sees only a handful of requests in the seconds after, not one per tick.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { FlakyFleetd } from "../harness/flaky-fleetd.ts";
import { ensureBinaries, type TestAgent, TestFleet, waitFor } from "../harness/index.ts";

let fleet: TestFleet;
/** Every agent request goes through here, so the test can count them. */
let proxy: FlakyFleetd;

beforeAll(async () => {
  fleet = await TestFleet.start(await ensureBinaries());
  proxy = FlakyFleetd.start(fleet.url);
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
  proxy?.stop();
});

test("after revoke the agent gets 401, logs it once per retry and does not spin", async () => {
  const agent: TestAgent = await fleet.addAgent("revokee", {
    // A switch that outlasts the revoke, so its result is still waiting to be delivered.
    config: { server: proxy.url, switch: ["sleep", "3"] },
  });
  await waitFor(async () => (await fleet.host("revokee"))?.online, { what: "revokee online" });
  const { job } = await fleet.api("POST", `/api/v1/hosts/${(await fleet.host("revokee")).id}/jobs`, {
    op: "switch",
  });
  await waitFor(async () => (await fleet.api("GET", `/api/v1/jobs/${job.id}`)).job.state === "running", {
    what: "switch running",
  });

  const revokedAt = Date.now();
  const r = await fleet.fleetctl(["host", "revoke", "revokee", "--json"]);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).host.revokedAt).toBeString();
  const starts = agent.starts.length;

  await Bun.sleep(12_000);
  const after = proxy.seen.filter((s) => s.at > revokedAt);
  const refusals = agent.log.filter((l) => l.includes("fleetd refused this host's token"));
  console.log(
    `in 12 s after the revoke the agent made ${after.length} requests: ${after
      .map((s) => `${s.route} ${s.status}`)
      .join(", ")}`,
  );
  // Made after the revoke: the next poll (refused) and the spooled result, tried once each.
  expect(after.length).toBeLessThanOrEqual(5);
  expect(after.filter((s) => s.status === 401).length).toBeGreaterThanOrEqual(1);
  expect(refusals).toHaveLength(1);
  expect(refusals[0]).toContain("this host's token was revoked at");
  expect(agent.starts.length).toBe(starts); // the same process: no crash loop either

  const { host } = await fleet.api("GET", `/api/v1/hosts/${(await fleet.host("revokee")).id}`);
  expect(host.online).toBe(false);
  expect((await fleet.api("GET", `/api/v1/jobs/${job.id}`)).job.state).toBe("lost");
  const { entries } = await fleet.fleetctlJson(["audit", "--limit", "50"]);
  expect(entries.some((e: { action: string }) => e.action === "host.revoked")).toBe(true);
}, 120_000);

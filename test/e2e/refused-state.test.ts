// A fleetd that refuses the host's config state must not keep the agent from connecting. Between a
// real compiled agent and a real fleetd sits a proxy on loopback that answers every hello carrying
// a state with fleetd's 400 envelope, as a fleetd of another release whose schema refuses a field
// would: the agent says hello again without the state, holds its polls, runs commands, and logs
// why its state is not reported.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { statePaths } from "../../agent/paths.ts";
import { ensureBinaries, type TestAgent, TestFleet, waitFor } from "../harness/index.ts";

let fleet: TestFleet;
let agent: TestAgent;
let proxy: ReturnType<typeof Bun.serve>;
const hellos: { withState: boolean; status: number }[] = [];

beforeAll(async () => {
  fleet = await TestFleet.start(await ensureBinaries());
  proxy = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 255,
    async fetch(request) {
      const url = new URL(request.url);
      const body = request.method === "GET" ? undefined : await request.arrayBuffer();
      if (url.pathname === "/api/v1/agent/hello") {
        const withState = JSON.parse(new TextDecoder().decode(body)).state !== undefined;
        if (withState) {
          hellos.push({ withState, status: 400 });
          const message = "body.state.system.generation: expected number, received null";
          return Response.json({ error: { code: "validation_failed", message } }, { status: 400 });
        }
        hellos.push({ withState, status: 200 });
      }
      return fetch(`${fleet.url}${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body,
        signal: request.signal,
      });
    },
  });
  agent = await fleet.addAgent("refused", { config: { server: `http://127.0.0.1:${proxy.port}` } });
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  proxy?.stop(true);
});

test("a hello refused for its state is said again without it; the host is online and runs commands", async () => {
  await waitFor(async () => (await fleet.host("refused"))?.online === true, { what: "the host online" });
  expect(hellos[0]).toEqual({ withState: true, status: 400 });
  expect(hellos[1]).toEqual({ withState: false, status: 200 });
  expect(agent.log.join("\n")).toContain("fleetd refused this host's config state (");

  const host = await fleet.host("refused");
  const job = await fleet.api("POST", `/api/v1/hosts/${host.id}/jobs`, { op: "pull" });
  await waitFor(
    async () => {
      const { job: now } = await fleet.api("GET", `/api/v1/jobs/${job.job.id}`);
      return now.state !== "queued" && now.state !== "dispatched";
    },
    { what: "the pull picked up" },
  );
});

test("the refused state is held back: later hellos carry no state, and nothing is acknowledged", async () => {
  agent.kill("SIGKILL");
  const count = hellos.length;
  await waitFor(async () => hellos.length > count, { what: "the restarted agent's hello" });
  // A restarted agent has forgotten the refusal: it tries its state once more, then goes without.
  expect(hellos.slice(count).every((h, i) => h.withState === (i === 0))).toBe(true);
  await waitFor(async () => (await fleet.host("refused"))?.online === true, { what: "online again" });
  expect(hellos.filter((h) => h.status === 200).every((h) => !h.withState)).toBe(true);
  expect(existsSync(statePaths(agent.stateDir).stateAcked)).toBe(false);
});

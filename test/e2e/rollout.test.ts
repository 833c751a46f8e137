// `fleetctl update --all`: rolling updates of real compiled v1 agents to the v2 build
// fleetd serves: order, halting on a crashing build, surviving a fleetd SIGKILL,
// pause/resume/cancel, offline hosts.
import { afterEach, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import {
  addBrokenAgent,
  type Binaries,
  copyArtifacts,
  ensureBinaries,
  type TestAgent,
  TestFleet,
  waitFor,
} from "../harness/index.ts";

let v1: Binaries;
let v2: Binaries;
let fleet: TestFleet;
const LIMITS = { FLEET_LIMITS: JSON.stringify({ updateSoakMs: 1000, updateTimeoutMs: 60_000 }) };
const agentConfig = { update: { healthGraceSeconds: 15, soakSeconds: 1 } };

beforeAll(async () => {
  v1 = await ensureBinaries("1.0.0-test");
  v2 = await ensureBinaries("2.0.0-test");
}, 300_000);

afterEach(async () => {
  await fleet?.stop();
});

/** A fresh fleetd serving v2 and `n` v1 agents named h1..hn, all online. */
async function fleetOf(n: number, config: (name: string) => Record<string, unknown> = () => ({})) {
  fleet = await TestFleet.start(v2, [], LIMITS);
  const agents: TestAgent[] = [];
  for (let i = 1; i <= n; i++) {
    const name = `h${i}`;
    agents.push(
      await fleet.addAgent(name, { binary: v1.agent, config: { ...agentConfig, ...config(name) } }),
    );
  }
  await waitFor(async () => (await fleet.hosts()).filter((h) => h.online).length === n, {
    what: `${n} hosts online`,
    timeoutMs: 30_000,
  });
  return agents;
}

async function updateJobsPerHost(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const host of await fleet.hosts()) {
    const { jobs } = await fleet.api("GET", `/api/v1/jobs?host=${host.id}`);
    counts.set(host.name, jobs.filter((j: any) => j.op === "update").length);
  }
  return counts;
}

test("five agents: canary first, then batches in the printed order; all on v2", async () => {
  await fleetOf(5);
  const started = performance.now();
  const r = await fleet.fleetctl(["update", "--all", "--batch", "2", "--wait"]);
  const seconds = (performance.now() - started) / 1000;
  console.log(`rollout of 5 hosts (canary 1, batch 2): ${seconds.toFixed(1)} s\n${r.stdout}`);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("order: canary: h1 · batch 1: h2, h3 · batch 2: h4, h5");
  expect(r.stdout).toMatch(/completed \(wall time [\d.]+ s\)/);
  for (const h of await fleet.hosts()) expect(h.version).toBe(v2.version);
  const { rollout } = await fleet.api("GET", "/api/v1/rollouts/current");
  const at = (name: string, key: "startedAt" | "finishedAt") =>
    Date.parse(rollout.hosts.find((h: any) => h.name === name)[key]);
  // Each group starts only after every host of the group before it has finished.
  expect(at("h2", "startedAt")).toBeGreaterThanOrEqual(at("h1", "finishedAt"));
  expect(at("h4", "startedAt")).toBeGreaterThanOrEqual(
    Math.max(at("h2", "finishedAt"), at("h3", "finishedAt")),
  );
});

test("the third host gets a crashing v2: halt after it, four and five untouched, three rolled back", async () => {
  // Test hook: h3 talks to fleetd through a proxy whose manifest names a crashing build, and whose
  // update commands pin that build, as a fleetd serving it would (an agent installs only what the
  // job pins).
  const broken = copyArtifacts(v2);
  await addBrokenAgent(broken, v2.version, "crash");
  const crashing = broken.manifest.artifacts.find((a) => a.file === "fleet-agent-broken-crash")!;
  const proxy = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 120,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/api/v1/artifacts/manifest.json") return Response.json(broken.manifest);
      if (url.pathname === "/api/v1/artifacts/fleet-agent-broken-crash") {
        return new Response(Bun.file(join(broken.dir, "fleet-agent-broken-crash")));
      }
      const upstream = await fetch(`${fleet.url}${url.pathname}${url.search}`, {
        method: req.method,
        headers: req.headers,
        body: req.method === "GET" ? undefined : await req.arrayBuffer(),
      });
      if (url.pathname !== "/api/v1/agent/poll" || !upstream.ok) return upstream;
      const polled = (await upstream.json()) as {
        command: { op?: string; args?: { sha256?: string } } | null;
      };
      if (polled.command?.op === "update" && polled.command.args)
        polled.command.args.sha256 = crashing.sha256;
      return Response.json(polled);
    },
  });
  try {
    await fleetOf(5, (name) => (name === "h3" ? { server: `http://127.0.0.1:${proxy.port}` } : {}));
    fleet.agents[2]!.kill("SIGTERM"); // restart h3 so its new server setting is in effect
    await waitFor(async () => (await fleet.host("h3"))?.online, { what: "h3 online via the proxy" });
    const r = await fleet.fleetctl(["update", "--all", "--wait"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain("halted at h3");
    expect(r.stdout).toContain("rolled back");
    const { rollout } = await fleet.api("GET", "/api/v1/rollouts/current");
    expect(rollout.state).toBe("halted");
    const state = Object.fromEntries(rollout.hosts.map((h: any) => [h.name, h.state]));
    expect(state).toEqual({ h1: "done", h2: "done", h3: "failed", h4: "pending", h5: "pending" });
    const jobs = await updateJobsPerHost();
    expect([jobs.get("h4"), jobs.get("h5")]).toEqual([0, 0]);
    await waitFor(
      async () => {
        const h3 = await fleet.host("h3");
        return h3.online && h3.version === v1.version;
      },
      { what: "h3 back on v1", timeoutMs: 30_000 },
    );
    const { alerts } = await fleet.fleetctlJson(["alerts"]);
    expect(alerts.some((a: any) => a.kind === "rollout_halted" && a.subject === rollout.id)).toBe(true);
  } finally {
    proxy.stop(true);
  }
}, 180_000);

test("fleetd SIGKILLed mid-rollout: it resumes, completes, and no host gets two update commands", async () => {
  const agents = await fleetOf(4);
  const r = await fleet.fleetctl(["update", "--all", "--json"]);
  expect(r.code).toBe(0);
  const id = JSON.parse(r.stdout).rollout.id;
  await waitFor(
    async () => {
      const { rollout } = await fleet.api("GET", `/api/v1/rollouts/${id}`);
      return (
        rollout.hosts.filter((h: any) => h.state === "done").length >= 1 &&
        rollout.hosts.some((h: any) => h.state === "in_progress")
      );
    },
    { what: "canary done, batch 1 in flight", timeoutMs: 60_000, intervalMs: 50 },
  );
  await fleet.kill();
  await Bun.sleep(500);
  await fleet.restart();
  const done = await waitFor(
    async () => {
      const { rollout } = await fleet.api("GET", `/api/v1/rollouts/${id}`);
      return rollout.state !== "running" && rollout;
    },
    { what: "rollout finished after restart", timeoutMs: 120_000, intervalMs: 250 },
  );
  expect(`${done.state} ${done.reason ?? ""}`).toBe("completed ");
  for (const h of await fleet.hosts()) expect(h.version).toBe(v2.version);
  expect([...(await updateJobsPerHost()).values()]).toEqual([1, 1, 1, 1]);
  // And on the hosts themselves: one update job each ever reached the agent.
  for (const agent of agents) {
    const spooled = Bun.spawnSync([
      "sh",
      "-c",
      `grep -l '"op":"update"' ${agent.stateDir}/jobs/*/job.json | wc -l`,
    ]);
    expect(spooled.stdout.toString().trim()).toBe("1");
  }
}, 180_000);

test("pause stops dispatching, resume continues, cancel skips the rest; a second rollout is refused", async () => {
  await fleetOf(4);
  const id = JSON.parse((await fleet.fleetctl(["update", "--all", "--json"])).stdout).rollout.id;
  const second = await fleet.fleetctl(["update", "--all"]);
  expect(second.code).not.toBe(0);
  expect(second.stderr).toContain(`rollout ${id} is running`);

  expect((await fleet.fleetctl(["rollout", "pause"])).code).toBe(0);
  const get = async () => (await fleet.api("GET", `/api/v1/rollouts/${id}`)).rollout;
  await waitFor(async () => !(await get()).hosts.some((h: any) => h.state === "in_progress"), {
    what: "in-flight hosts finished while paused",
    timeoutMs: 60_000,
  });
  const paused = await get();
  await Bun.sleep(3000);
  expect((await get()).hosts.map((h: any) => h.state)).toEqual(paused.hosts.map((h: any) => h.state));
  expect(paused.hosts.some((h: any) => h.state === "pending")).toBe(true);

  expect((await fleet.fleetctl(["rollout", "resume"])).code).toBe(0);
  await waitFor(
    async () =>
      (await get()).hosts.filter((h: any) => h.state === "done").length >
      paused.hosts.filter((h: any) => h.state === "done").length,
    {
      what: "progress after resume",
      timeoutMs: 60_000,
    },
  );
  expect((await fleet.fleetctl(["rollout", "cancel"])).code).toBe(0);
  const cancelled = await get();
  expect(cancelled.state).toBe("cancelled");
  expect(cancelled.hosts.some((h: any) => h.state === "skipped" && h.reason === "rollout cancelled")).toBe(
    true,
  );
  const status = await fleet.fleetctl(["rollout", "status"]);
  expect(status.stdout).toContain("cancelled");
}, 180_000);

test("an offline host is skipped and listed, or waited for with --include-offline wait", async () => {
  const agents = await fleetOf(2);
  await agents[1]!.halt();
  await waitFor(async () => (await fleet.host("h2")).online === false, {
    what: "h2 offline",
    timeoutMs: 20_000,
  });
  const skip = await fleet.fleetctl(["update", "--all", "--wait"]);
  expect(skip.code).toBe(0);
  expect(skip.stdout).toContain("h2 (batch 1): skipped — offline");

  const wait = fleet.fleetctl(["update", "h2", "--include-offline", "wait", "--wait", "--json"]);
  await Bun.sleep(3000);
  agents[1]!.supervise();
  const r = await wait;
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).rollout.hosts[0].state).toBe("done");
  expect((await fleet.host("h2")).version).toBe(v2.version);
}, 180_000);

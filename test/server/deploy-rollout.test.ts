// Config deploys across the fleet through the API, with simulated agents speaking the agent API:
// hello with their ops, poll the deploy job, report the new config state and post a result with a
// DeployOutcome. Halting, retrying the failed hosts, fleetd restarting mid-deploy, agents too old
// to deploy, and bad input to the start route.
import { afterEach, describe, expect, test } from "bun:test";
import {
  enroll,
  helloBody,
  hostStateBody,
  removeTempDirs,
  startTestApp,
  type TestApp,
  tempDir,
  waitFor,
} from "./helpers.ts";

const OLD = "0".repeat(40);
const NEW = "1".repeat(40);
const OPS = ["pull", "switch", "test", "restart", "update", "deploy", "rollback"];
const FAST = { sweepIntervalMs: 50, deployReportGraceMs: 200 };

interface Agent {
  id: string;
  name: string;
  token: string;
}

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  removeTempDirs();
});

const admin = (method: string, path: string, json?: unknown) =>
  app!.call(method, path, { token: app!.adminToken, ...(json !== undefined ? { json } : {}) });

async function hello(agent: Agent, over: Record<string, unknown> = {}) {
  const reply = await app!.call("POST", "/api/v1/agent/hello", {
    token: agent.token,
    json: helloBody({ ops: OPS, state: hostStateBody(OLD), ...over }),
  });
  expect(reply.status).toBe(200);
}

async function fleetOf(
  names: string[],
  dataDir = tempDir(),
  limits: Partial<typeof FAST> = {},
): Promise<Agent[]> {
  app = await startTestApp({ ...FAST, ...limits }, dataDir);
  const agents: Agent[] = [];
  for (const name of names) {
    const { hostId, hostToken } = await enroll(app, name);
    const agent = { id: hostId, name, token: hostToken };
    await hello(agent);
    agents.push(agent);
  }
  return agents;
}

const startDeploy = (body: Record<string, unknown> = {}) =>
  admin("POST", "/api/v1/rollouts", { kind: "deploy", commit: NEW, soakSeconds: 0, ...body });

const rollout = async (id = "current") => (await admin("GET", `/api/v1/rollouts/${id}`)).body.rollout;

async function hostJobs(agent: Agent) {
  return (await admin("GET", `/api/v1/jobs?host=${agent.id}&limit=50`)).body.jobs as any[];
}

/** The agent's side of one deploy: take the job, switch, report, post the outcome. */
async function deploy(agent: Agent, how: "deployed" | "rolled_back" = "deployed") {
  const queued = async () => (await hostJobs(agent)).some((job) => job.state === "queued");
  await waitFor(queued, 3000, `a job for ${agent.name}`);
  const poll = await app!.call("GET", "/api/v1/agent/poll?wait=0", { token: agent.token });
  const command = poll.body.command;
  expect(command).toMatchObject({ type: "run", op: "deploy", args: { commit: NEW, confirmSeconds: 90 } });
  const result =
    how === "deployed"
      ? {
          state: "succeeded",
          exitCode: 0,
          outcome: { op: "deploy", kind: "deployed", commit: NEW, generationBefore: 41, generationAfter: 42 },
        }
      : {
          state: "failed",
          exitCode: 1,
          reason: "nginx test failed",
          outcome: {
            op: "deploy",
            kind: "rolled_back",
            cause: "tests_failed",
            commit: NEW,
            generationBefore: 41,
            generationAfter: 41,
          },
        };
  if (how === "deployed") {
    const state = hostStateBody(NEW, {
      lastSwitch: { commit: NEW, dirty: false, generation: 42, at: new Date().toISOString() },
    });
    expect((await app!.call("POST", "/api/v1/agent/state", { token: agent.token, json: state })).status).toBe(
      200,
    );
  }
  const posted = await app!.call("POST", `/api/v1/agent/jobs/${command.jobId}/result`, {
    token: agent.token,
    json: result,
  });
  expect(posted.status).toBe(200);
  return command.jobId as string;
}

const waitForState = (state: string, id = "current") =>
  waitFor(async () => (await rollout(id)).state === state, 5000, `rollout ${state}`);

describe("fleetctl deploy's rollout", () => {
  test("canary then batches: every host deploys the pinned commit and the rollout completes", async () => {
    const agents = await fleetOf(["web1", "web2", "web3"]);
    const started = await startDeploy({ batch: 2 });
    expect(started.status).toBe(201);
    expect(started.body.rollout.target).toEqual({
      kind: "deploy",
      commit: NEW,
      subject: null,
      confirmSeconds: 90,
      test: true,
      rollback: true,
    });
    expect(started.body.rollout.options).toMatchObject({ timeoutSeconds: 900, soakSeconds: 0 });
    for (const agent of agents) await deploy(agent);
    await waitForState("completed");
    const done = await rollout();
    expect(done.hosts.map((h: any) => [h.name, h.state, h.outcome?.generationAfter])).toEqual([
      ["web1", "done", 42],
      ["web2", "done", 42],
      ["web3", "done", 42],
    ]);
    const audit = (await admin("GET", "/api/v1/audit?limit=200")).body.entries;
    expect(audit.find((e: any) => e.action === "rollout.started").details).toMatchObject({
      kind: "deploy",
      commit: NEW,
    });
    // Now on the commit, a second deploy has nothing to do.
    const again = await startDeploy();
    expect(again.body.rollout).toMatchObject({
      state: "completed",
      reason: `nothing to do: every host is already at config ${NEW.slice(0, 12)}`,
    });
  });

  test("a soak ends when it ends: the next host goes out then, not at the sweeper's next tick", async () => {
    // One sweep a minute: only the wakeup the engine asks for can end web1's soak in time.
    const agents = await fleetOf(["web1", "web2"], tempDir(), { sweepIntervalMs: 60_000 });
    expect((await startDeploy({ soakSeconds: 1 })).status).toBe(201);
    await deploy(agents[0]!);
    await deploy(agents[1]!);
    await waitForState("completed");
    const [web1, web2] = (await rollout()).hosts;
    const at = (iso: string) => Date.parse(iso);
    // Each host done a soak (1 s) after its job, no sooner and not a tick (60 s) later.
    for (const host of [web1, web2]) {
      const soaked = at(host.finishedAt) - at(host.soakingSince);
      expect(soaked).toBeGreaterThanOrEqual(1000);
      expect(soaked).toBeLessThan(3000);
    }
    // web2 went out the moment web1 was done.
    expect(at(web2.startedAt) - at(web1.finishedAt)).toBeLessThan(500);
  });

  test("the third host fails: the rollout halts, hosts 4 and 5 are never dispatched, alerts are raised; retry-failed redeploys only it", async () => {
    const agents = await fleetOf(["web1", "web2", "web3", "web4", "web5"]);
    expect((await startDeploy()).status).toBe(201);
    await deploy(agents[0]!);
    await deploy(agents[1]!);
    await deploy(agents[2]!, "rolled_back");
    await waitForState("halted");
    const halted = await rollout();
    expect(halted.hosts.map((h: any) => h.state)).toEqual(["done", "done", "failed", "pending", "pending"]);
    expect(halted.reason).toContain("halted at web3");
    expect(halted.hosts[2].reason).toBe("rolled back to generation 41 (tests failed): nginx test failed");
    expect(await hostJobs(agents[3]!)).toEqual([]);
    expect(await hostJobs(agents[4]!)).toEqual([]);
    // Raised right after the halted rollout is persisted.
    const openAlerts = async () =>
      ((await admin("GET", "/api/v1/alerts")).body.alerts as any[])
        .map((a) => `${a.kind}:${a.subject}`)
        .sort();
    // The rollout's deploy_failed and halt, and the host's own rolled_back from its job's outcome.
    const expected = [
      `deploy_failed:${agents[2]!.id}`,
      `rolled_back:${agents[2]!.id}`,
      `rollout_halted:${halted.id}`,
    ];
    await waitFor(
      async () => JSON.stringify(await openAlerts()) === JSON.stringify(expected),
      3000,
      "alerts",
    );
    const audit = (await admin("GET", "/api/v1/audit?limit=200")).body.entries.map((e: any) => e.action);
    expect(audit).toContain("rollout.halted");
    expect(audit).toContain("rollout.host_failed");

    const retry = await startDeploy({ retryFailed: true });
    expect(retry.status).toBe(201);
    expect(retry.body.rollout.hosts.map((h: any) => h.name)).toEqual(["web3"]);
    await deploy(agents[2]!);
    await waitForState("completed", retry.body.rollout.id);
    await waitFor(async () => (await openAlerts()).length === 0, 3000, "alerts resolved");
    // The last deploy had no failure: nothing to retry.
    const nothing = await startDeploy({ retryFailed: true });
    expect(nothing.status).toBe(409);
    expect(nothing.body.error.message).toContain("no host failed in the last deploy");
  });

  test("fleetd restarted mid-deploy resumes it without dispatching any host twice", async () => {
    const dataDir = tempDir();
    const agents = await fleetOf(["web1", "web2", "web3"], dataDir);
    await startDeploy();
    await deploy(agents[0]!);
    await waitFor(async () => (await hostJobs(agents[1]!)).length === 1, 3000, "web2's job");
    const [web2Job] = await hostJobs(agents[1]!);
    await app!.close();
    app = await startTestApp(FAST, dataDir);
    for (const agent of agents) await hello(agent, { activeJobs: [] });
    const jobId = await deploy(agents[1]!);
    expect(jobId).toBe(web2Job.id);
    await deploy(agents[2]!);
    await waitForState("completed");
    for (const agent of agents) expect((await hostJobs(agent)).length).toBe(1);
  });

  test("an agent too old to deploy fails its host with the reason; a plain deploy or rollback job is refused", async () => {
    const agents = await fleetOf(["web1"]);
    await hello(agents[0]!, { ops: undefined, version: "0.1.0" });
    const message = "agent 0.1.0 on web1 cannot deploy; update it first (fleetctl update)";
    await startDeploy();
    await waitForState("halted");
    expect((await rollout()).hosts[0]).toMatchObject({ state: "failed", reason: message });
    expect(await hostJobs(agents[0]!)).toEqual([]);
    for (const [op, args] of [
      ["deploy", { commit: NEW }],
      ["rollback", {}],
    ] as const) {
      const refused = await admin("POST", `/api/v1/hosts/${agents[0]!.id}/jobs`, { op, args });
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toBe(message.replace("deploy;", `${op};`));
    }
    expect(await hostJobs(agents[0]!)).toEqual([]);
  });

  test("the commit defaults to the config target; with none, the start is refused", async () => {
    app = await startTestApp(FAST);
    await enroll(app, "web1"); // no host has reported a commit: there is no target yet
    const none = await admin("POST", "/api/v1/rollouts", { kind: "deploy" });
    expect(none.status).toBe(409);
    expect(none.body.error.message).toContain("there is no config target to deploy");
    expect((await admin("POST", "/api/v1/config/target/pin", { commit: NEW })).status).toBe(200);
    const started = await admin("POST", "/api/v1/rollouts", { kind: "deploy" });
    expect(started.status).toBe(201);
    expect(started.body.rollout.target.commit).toBe(NEW);
    // One rollout of any kind at a time.
    const second = await startDeploy();
    expect(second.status).toBe(409);
    expect(second.body.error.message).toContain("wait for it, or cancel it first");
  });

  test("bad input is refused with a clear error and starts nothing", async () => {
    const agents = await fleetOf(["web1", "web2"]);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ commit: "not-a-sha" }, 400, "a commit is 40 or 64 lowercase hex digits"],
      [{ commit: "ABC" }, 400, "a commit is 40 or 64 lowercase hex digits"],
      [{ hosts: ["h_nosuchhost0"] }, 404, 'no host with id "h_nosuchhost0"'],
      [{ retryFailed: true }, 409, "no deploy has run yet"],
      [{ tag: "db" }, 409, 'no host to roll out to is tagged "db"'],
      [{ canaryHosts: ["h_nosuchhost0"] }, 400, "canary hosts are not in this rollout"],
      [{ confirmSeconds: 0 }, 400, ""],
    ];
    for (const [body, status, message] of cases) {
      const reply = await startDeploy(body);
      expect([JSON.stringify(body), reply.status]).toEqual([JSON.stringify(body), status]);
      expect(`${reply.body.error.message} ${JSON.stringify(reply.body.error.details ?? null)}`).toContain(
        message,
      );
    }
    expect((await admin("GET", "/api/v1/rollouts")).body.rollouts).toEqual([]);
    for (const agent of agents) expect(await hostJobs(agent)).toEqual([]);
  });
});

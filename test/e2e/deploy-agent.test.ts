// A deploy on the host, end to end under real Nix: a compiled agent (supervised, so a kill or a
// restart brings it back as a service manager would) whose switch is the stand-in (nix build,
// nix-env --set on a profile of its own) and whose `rollback` is rollback-standin.sh (nix-env
// --switch-generation, then that generation's activate). Each commit carries its own activation
// (hosts/web1/activate.sh), which installs the agent's config.json the way a NixOS generation
// installs /etc files: a bad commit points the agent at a port where nothing listens, and only
// the runner's own rollback, with no word from fleetd, brings the host back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../lib/free-port.ts";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import {
  createNixConfigRepo,
  ensureBinaries,
  git,
  NIX_TEST_CONFIG,
  nixEnv,
  SWITCH_STANDIN,
  type TestAgent,
  TestFleet,
  tempDir,
  waitFor,
  writeExecutable,
} from "../harness/index.ts";
import { ROLLBACK_STANDIN } from "../harness/nix.ts";

const noNix = tierSkipReason("nix");
if (noNix) console.warn(`test/e2e/deploy-agent: skipping deploys under real Nix: ${noNix}`);

/** Small, so a deploy that is never confirmed rolls back within seconds, not the default 90. */
const CONFIRM_SECONDS = 10;
const HOST = "web1";
const TERMINAL = ["succeeded", "failed", "timed_out", "cancelled", "lost", "expired", "skipped"];

type Job = {
  id: string;
  state: string;
  reason?: string;
  outcome?: Record<string, unknown>;
  tests?: { name: string; state: string }[];
  output: { stream: string; data: string }[];
};

let fleet: TestFleet;
let agent: TestAgent;
const repo = noNix ? null : createNixConfigRepo({ hosts: [HOST] });
const root = tempDir("deploy-agent");
const forge = join(root, "forge.git");
const checkout = join(root, "checkout");
const profile = join(root, "profiles", "system");
const hostDir = () => join(repo!.origin, "hosts", HOST);

/** The generation the real profile points at now. */
const activeGeneration = () => Number(/-(\d+)-link$/.exec(readlinkSync(profile))?.[1]);

/** Commits `change` in the operator's clone, pushes it to the forge; returns the new head. */
function commitAndPush(message: string, change: () => void): string {
  change();
  git(repo!.origin, "add", "-A");
  git(repo!.origin, "commit", "-qm", message);
  git(repo!.origin, "push", "-q", "forge", "main");
  return repo!.head();
}

const hostConfig = (text: string) => writeFileSync(join(hostDir(), "config.txt"), `${text}\n`);

/** This commit's activation installs an agent config whose server is `server`; `kill` also SIGKILLs the agent. */
function activation(server: string, kill = false): void {
  writeExecutable(
    join(hostDir(), "activate.sh"),
    [
      `sed -i 's|"server": *"[^"]*"|"server": "${server}"|' "$FLEET_AGENT_CONFIG"`,
      ...(kill ? ['kill -9 "$(head -n 1 "$FLEET_AGENT_LOCK")"'] : []),
    ].join("\n"),
  );
}

async function startDeploy(commit: string, extra: string[] = []): Promise<string> {
  const r = await fleet.fleetctl([
    "run",
    "deploy",
    HOST,
    "--arg",
    `commit=${commit}`,
    "--arg",
    `confirmSeconds=${CONFIRM_SECONDS}`,
    ...extra,
    "--json",
  ]);
  if (r.code !== 0) throw new Error(`fleetctl run deploy: ${r.stderr}`);
  return JSON.parse(r.stdout).jobs[0].id as string;
}

async function job(id: string): Promise<Job> {
  const detail = await fleet.api<{ job: Job; output: Job["output"] }>("GET", `/api/v1/jobs/${id}`);
  return { ...detail.job, output: detail.output };
}

function ended(id: string, timeoutMs = 90_000): Promise<Job> {
  return waitFor(
    async () => {
      const j = await job(id);
      return TERMINAL.includes(j.state) && j;
    },
    { what: `job ${id} to end`, timeoutMs, intervalMs: 250 },
  ).catch((err) => {
    // What the agent and fleetd said last is what explains a job that never ended.
    console.error(`agent:\n${agent.log.slice(-40).join("\n")}\nfleetd:\n${fleet.log.slice(-20).join("\n")}`);
    throw err;
  });
}

const agentLines = (j: Job) => j.output.filter((l) => l.stream === "agent").map((l) => l.data);

describe.skipIf(Boolean(noNix))("deploy on the host under real Nix", () => {
  beforeAll(async () => {
    const bins = await ensureBinaries();
    fleet = await TestFleet.start(bins);
    git(root, "clone", "-q", "--bare", repo!.origin, forge);
    git(repo!.origin, "remote", "add", "forge", forge);
    commitAndPush("web1 installs its agent config, and is tested", () => {
      activation(fleet.url);
      mkdirSync(join(hostDir(), "tests"));
      writeExecutable(join(hostDir(), "tests", "T01-built.sh"), "exit 0");
    });
    git(root, "clone", "-q", forge, checkout);
    const env = nixEnv();
    agent = await fleet.addAgent(HOST, {
      config: {
        repo: { dir: checkout, url: forge, branch: "main" },
        switch: [SWITCH_STANDIN, "{repo}", "{host}", profile],
        rollback: [ROLLBACK_STANDIN, "{profile}", "{generation}"],
        system: { profile },
      },
      env: {
        NIX_CONFIG: NIX_TEST_CONFIG,
        HOME: env.HOME!,
        XDG_CACHE_HOME: env.XDG_CACHE_HOME!,
        FLEET_AGENT_CONFIG: "",
        FLEET_AGENT_LOCK: "",
      },
    });
    agent.env.FLEET_AGENT_CONFIG = join(agent.stateDir, "config.json");
    agent.env.FLEET_AGENT_LOCK = join(agent.stateDir, "agent.lock");
    // The env above is read at each (re)start: restart once so the running agent has it.
    agent.kill();
    await waitFor(async () => (await fleet.host(HOST))?.online === true, { what: "web1 online" });
    const first = await fleet.fleetctl(["run", "switch", HOST, "--wait", "--json"]);
    expect(JSON.parse(first.stdout).jobs[0].state).toBe("succeeded");
    expect(activeGeneration()).toBe(1);
  }, 300_000);

  afterAll(async () => {
    await fleet?.stop();
  }, 30_000);

  test("a deploy to a commit: on it at generation N+1, confirmed by a fresh agent, tests pass", async () => {
    const commit = commitAndPush("web1 v2", () => hostConfig("web1 v2"));
    const startsBefore = agent.starts.length;
    const done = await ended(await startDeploy(commit));
    expect(done.state).toBe("succeeded");
    expect(done.outcome).toEqual({
      op: "deploy",
      kind: "deployed",
      commit,
      generationBefore: 1,
      generationAfter: 2,
    });
    expect(activeGeneration()).toBe(2);
    expect(git(checkout, "rev-parse", "HEAD")).toBe(commit);
    expect(done.tests?.map((t) => t.state)).toEqual(["passed"]);
    // The switch did not restart the agent, so the runner had the service manager do it.
    expect(agent.starts.length).toBeGreaterThan(startsBefore);
    const deployJson = JSON.parse(readFileSync(join(agent.stateDir, "jobs", done.id, "deploy.json"), "utf8"));
    expect(deployJson).toMatchObject({ version: 1, commit, generationBefore: 1 });
  });

  test("a commit whose tests fail → rolled back, the real profile on the previous generation", async () => {
    const commit = commitAndPush("web1 v3, with a test that fails", () => {
      hostConfig("web1 v3");
      writeExecutable(join(hostDir(), "tests", "T02-fails.sh"), "exit 1");
    });
    const done = await ended(await startDeploy(commit));
    expect(done.state).toBe("failed");
    expect(done.outcome).toEqual({
      op: "deploy",
      kind: "rolled_back",
      cause: "tests_failed",
      commit,
      generationBefore: 2,
      generationAfter: 2,
    });
    expect(activeGeneration()).toBe(2);
    expect(done.tests?.map((t) => `${t.name}=${t.state}`)).toEqual([
      "T01-built.sh=passed",
      "T02-fails.sh=failed",
    ]);
    expect(agentLines(done)).toContain("rolled back: generation 2 is active again");
  });

  test("rollback=false (fleetctl deploy --no-rollback) keeps the new generation when its tests fail", async () => {
    const commit = commitAndPush("web1 v3b", () => hostConfig("web1 v3b"));
    const done = await ended(await startDeploy(commit, ["--arg", "rollback=false"]));
    expect(done.state).toBe("failed");
    expect(done.outcome).toMatchObject({ kind: "deployed", commit, generationBefore: 2 });
    const kept = done.outcome!.generationAfter as number;
    expect(kept).toBeGreaterThan(2);
    expect(activeGeneration()).toBe(kept);
    expect(done.reason).toContain("not rolled back (rollback turned off)");
    // One generation back, by the rollback job alone (`fleetctl run rollback`).
    const r = await fleet.fleetctl(["run", "rollback", HOST, "--wait", "--json"]);
    const back = await job(JSON.parse(r.stdout).jobs[0].id);
    expect(back.state).toBe("succeeded");
    expect(back.outcome).toEqual({
      op: "rollback",
      kind: "rolled_back",
      generationBefore: kept,
      generationAfter: kept - 1,
    });
    expect(activeGeneration()).toBe(kept - 1);
    expect(agentLines(back)).toContain(`rolled back: generation ${kept - 1} is active again`);
    await waitFor(async () => (await fleet.host(HOST))?.online === true, { what: "web1 online after it" });
  });

  for (const killed of [false, true]) {
    const how = killed ? " and SIGKILLs the agent during activation" : "";
    test(`a commit whose activation points the agent at a dead port${how} → rolled back by the runner within confirmSeconds + 10 s`, async () => {
      const before = activeGeneration();
      const dead = `http://127.0.0.1:${await freePort()}`;
      const commit = commitAndPush(`web1 breaks its agent${killed ? " and kills it" : ""}`, () => {
        activation(dead, killed);
        rmSync(join(hostDir(), "tests", "T02-fails.sh"), { force: true });
      });
      const startsBefore = agent.starts.length;
      const id = await startDeploy(commit);
      await waitFor(() => activeGeneration() !== before, {
        what: "the switch",
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      const switchedAt = performance.now();
      // The profile moves first, then the activation installs the broken agent config.
      await waitFor(() => readFileSync(agent.env.FLEET_AGENT_CONFIG!, "utf8").includes(dead), {
        what: "the activation to point the agent at the dead port",
        timeoutMs: 30_000,
        intervalMs: 50,
      });
      await waitFor(() => activeGeneration() === before, {
        what: "the runner's own rollback",
        timeoutMs: (CONFIRM_SECONDS + 10) * 1000,
        intervalMs: 100,
      });
      expect(performance.now() - switchedAt).toBeLessThan((CONFIRM_SECONDS + 10) * 1000);
      const done = await ended(id);
      expect(done.state).toBe("failed");
      expect(done.outcome).toEqual({
        op: "deploy",
        kind: "rolled_back",
        cause: "not_confirmed",
        commit,
        generationBefore: before,
        generationAfter: before,
      });
      expect(readFileSync(agent.env.FLEET_AGENT_CONFIG!, "utf8")).toContain(fleet.url);
      expect((await fleet.host(HOST)).online).toBe(true);
      expect(done.reason).toContain(`no fresh agent reached fleetd within ${CONFIRM_SECONDS} s`);
      // Killed, the agent was replaced during the switch: nothing left over to restart for a fresh one.
      const lines = agentLines(done);
      const confirming = lines.slice(
        0,
        lines.findIndex((l) => l.startsWith("rolling back to generation")),
      );
      const restartedOld = confirming.some((l) => l.includes("ran before the switch ended"));
      expect(restartedOld).toBe(!killed);
      expect(agent.starts.length).toBeGreaterThanOrEqual(startsBefore + 2);
    }, 120_000);
  }

  test("a commit the remote does not have → failed_before_switch, nothing changed", async () => {
    const before = activeGeneration();
    const missing = "0123456789abcdef0123456789abcdef01234567";
    const done = await ended(await startDeploy(missing));
    expect(done.state).toBe("failed");
    expect(done.reason).toBe(`the remote origin does not have commit ${missing}; nothing was changed`);
    expect(done.outcome).toEqual({
      op: "deploy",
      kind: "failed_before_switch",
      commit: missing,
      generationBefore: before,
      generationAfter: before,
    });
    expect(activeGeneration()).toBe(before);
    expect(agentLines(done).some((l) => l.startsWith("recorded in deploy.json"))).toBe(false);
  });
});

// `fleetctl deploy` across a fleet, end to end under real Nix: fleetd reading a bare config repo
// (--config-repo) and five compiled, supervised agents whose switch is the stand-in (nix build,
// nix-env --set on a profile of their own) and whose rollback is rollback-standin.sh. So every
// generation below is a real profile generation, every commit git's own, and the hosts' spools
// are read to check what reached them. Canary 1, batch 2: h1, then h2 + h3, then h4 + h5.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import {
  createNixConfigRepo,
  ensureBinaries,
  git,
  NIX_TEST_CONFIG,
  nixEnv,
  SWITCH_STANDIN,
  TestFleet,
  tempDir,
  waitFor,
  writeExecutable,
} from "../harness/index.ts";
import { ROLLBACK_STANDIN } from "../harness/nix.ts";

const noNix = tierSkipReason("nix");
if (noNix) console.warn(`test/e2e/deploy-fleet: skipping fleet deploys under real Nix: ${noNix}`);

const HOSTS = ["h1", "h2", "h3", "h4", "h5"];
const CONFIRM_SECONDS = 20;
const DEPLOY = ["--canary", "1", "--batch", "2", "--confirm-seconds", String(CONFIRM_SECONDS), "--soak", "1"];

type RolloutHost = {
  name: string;
  hostId: string;
  state: string;
  jobId?: string;
  reason?: string;
  outcome?: Record<string, unknown>;
};
type Rollout = { id: string; state: string; reason?: string; hosts: RolloutHost[] };

let fleet: TestFleet;
const repo = noNix ? null : createNixConfigRepo({ hosts: HOSTS });
const root = tempDir("deploy-fleet");
const forge = join(root, "forge.git");
const checkout = (host: string) => join(root, `checkout-${host}`);
const profile = (host: string) => join(root, "profiles", host, "system");
const tests = (host: string) => join(repo!.origin, "hosts", host, "tests");

/** The generation each host's real profile points at now, by name. */
const generations = () =>
  Object.fromEntries(
    HOSTS.map((h) => [h, Number(/-(\d+)-link$/.exec(readlinkSync(profile(h)))?.[1] ?? Number.NaN)]),
  );

/** Every host's config.txt changed in one commit, pushed to the forge fleetd reads; the new head. */
function pushAll(label: string, change: () => void = () => {}): string {
  for (const host of HOSTS) repo!.setHostConfig(host, `${host} ${label}`);
  change();
  git(repo!.origin, "add", "-A");
  git(repo!.origin, "commit", "-qm", label, "--allow-empty");
  git(repo!.origin, "push", "-q", "forge", "main");
  return repo!.head();
}

/** Waits until fleetd's config target is `commit` (its mirror has it, so a deploy may pin it). */
function targetIs(commit: string) {
  return waitFor(
    async () => {
      const { target } = await fleet.api<{ target: { commit: string } | null }>(
        "GET",
        "/api/v1/config/target",
      );
      return target?.commit === commit;
    },
    { what: `the config target at ${commit.slice(0, 12)}`, timeoutMs: 30_000, intervalMs: 250 },
  );
}

async function deploy(args: string[]): Promise<{ code: number; rollout: Rollout; stderr: string }> {
  const r = await fleet.fleetctl(["deploy", ...args, "--json"]);
  const parsed = r.stdout.trim() ? JSON.parse(r.stdout) : {};
  if (!parsed.rollout) throw new Error(`fleetctl deploy ${args.join(" ")}: ${r.code} ${r.stderr}`);
  return { code: r.code, rollout: parsed.rollout, stderr: r.stderr };
}

/** The rollout once no host of it is in progress or soaking any more. */
function settled(id: string): Promise<Rollout> {
  return waitFor(
    async () => {
      const { rollout } = await fleet.api<{ rollout: Rollout }>("GET", `/api/v1/rollouts/${id}`);
      return !rollout.hosts.some((h) => h.state === "in_progress" || h.state === "soaking") && rollout;
    },
    { what: `rollout ${id}'s hosts settled`, timeoutMs: 60_000, intervalMs: 250 },
  );
}

const byName = (rollout: Rollout) => Object.fromEntries(rollout.hosts.map((h) => [h.name, h]));

/** fleetd's deploy jobs for `commit`, per host name. */
async function deployJobs(commit: string): Promise<Record<string, number>> {
  const { jobs } = await fleet.api<{ jobs: { hostId: string; op: string; args: { commit?: string } }[] }>(
    "GET",
    "/api/v1/jobs?limit=1000",
  );
  const names = new Map((await fleet.hosts()).map((h) => [h.id, h.name as string]));
  const count: Record<string, number> = Object.fromEntries(HOSTS.map((h) => [h, 0]));
  for (const job of jobs)
    if (job.op === "deploy" && job.args.commit === commit) count[names.get(job.hostId)!]!++;
  return count;
}

/** The deploy jobs for `commit` that reached each host, from its own spool. */
function spooledDeploys(commit: string): Record<string, number> {
  const count: Record<string, number> = {};
  for (const agent of fleet.agents) {
    const jobsDir = join(agent.stateDir, "jobs");
    count[agent.name] = readdirSync(jobsDir).filter((id) => {
      const file = join(jobsDir, id, "job.json");
      if (!existsSync(file)) return false;
      const job = JSON.parse(readFileSync(file, "utf8"));
      return job.op === "deploy" && job.args?.commit === commit;
    }).length;
  }
  return count;
}

describe.skipIf(Boolean(noNix))("fleetctl deploy under real Nix", () => {
  beforeAll(async () => {
    const bins = await ensureBinaries();
    for (const host of HOSTS) {
      mkdirSync(tests(host));
      writeExecutable(join(tests(host), "T01-built.sh"), "exit 0");
    }
    git(repo!.origin, "add", ".");
    git(repo!.origin, "commit", "-qm", "tests for every host");
    git(root, "clone", "-q", "--bare", repo!.origin, forge);
    git(repo!.origin, "remote", "add", "forge", forge);
    fleet = await TestFleet.start(bins, ["--config-repo", forge], {
      FLEET_LIMITS: JSON.stringify({ configRefreshSeconds: 1, deploySoakMs: 1000 }),
    });
    const env = nixEnv();
    for (const host of HOSTS) {
      git(root, "clone", "-q", forge, checkout(host));
      await fleet.addAgent(host, {
        config: {
          repo: { dir: checkout(host), url: forge, branch: "main" },
          switch: [SWITCH_STANDIN, "{repo}", "{host}", profile(host)],
          rollback: [ROLLBACK_STANDIN, "{profile}", "{generation}"],
          system: { profile: profile(host) },
        },
        env: { NIX_CONFIG: NIX_TEST_CONFIG, HOME: env.HOME!, XDG_CACHE_HOME: env.XDG_CACHE_HOME! },
      });
    }
    await waitFor(async () => (await fleet.hosts()).every((h) => h.online), { what: "five hosts online" });
    // C1, generation 1 everywhere: what the fleet runs before the first deploy.
    const switched = await fleet.fleetctl(["run", "switch", "--all", "--wait", "--json"]);
    expect(switched.code).toBe(0);
    expect(generations()).toEqual({ h1: 1, h2: 1, h3: 1, h4: 1, h5: 1 });
  }, 300_000);

  afterAll(async () => {
    await fleet?.stop();
  }, 30_000);

  test("C2 to all five: canary, then batches of two; every host on C2 at N+1, tested; exit 0", async () => {
    const c2 = pushAll("v2");
    await targetIs(c2);
    const { code, rollout, stderr } = await deploy(["--all", ...DEPLOY, "--wait"]);
    expect(`${code} ${rollout.state} ${rollout.reason ?? ""} ${stderr}`.trim()).toBe("0 completed");
    const hosts = byName(rollout);
    expect(HOSTS.map((h) => `${h}:${hosts[h]!.state}`)).toEqual(HOSTS.map((h) => `${h}:done`));
    for (const host of HOSTS) {
      expect(hosts[host]!.outcome).toEqual({
        op: "deploy",
        kind: "deployed",
        commit: c2,
        generationBefore: 1,
        generationAfter: 2,
      });
    }
    expect(generations()).toEqual({ h1: 2, h2: 2, h3: 2, h4: 2, h5: 2 });
    const { hosts: listed } = await fleet.fleetctlJson<{ hosts: { name: string; config: any }[] }>(["hosts"]);
    for (const h of listed) expect(h.config).toMatchObject({ state: "current", builtFrom: c2 });
  }, 240_000);

  test("C3 breaks h3's tests: halted at h3, which is back on C2's generation; h4 and h5 never dispatched", async () => {
    const c3 = pushAll("v3", () => writeExecutable(join(tests("h3"), "T02-fails.sh"), "exit 1"));
    await targetIs(c3);
    const { code, rollout: halted } = await deploy(["--all", ...DEPLOY, "--wait"]);
    expect(code).not.toBe(0);
    expect(halted.state).toBe("halted");
    expect(halted.reason).toContain("h3");
    // h2, in h3's batch, may still be soaking at the halt: a halted rollout follows it to the end.
    const rollout = await settled(halted.id);
    const hosts = byName(rollout);
    expect(HOSTS.map((h) => hosts[h]!.state)).toEqual(["done", "done", "failed", "pending", "pending"]);
    expect(hosts.h3!.outcome).toMatchObject({
      kind: "rolled_back",
      cause: "tests_failed",
      generationBefore: 2,
      generationAfter: 2,
    });
    // The real profile points at C2's generation again; h1 and h2 moved on, h4 and h5 never did.
    expect(generations()).toEqual({ h1: 3, h2: 3, h3: 2, h4: 2, h5: 2 });
    expect(await deployJobs(c3)).toEqual({ h1: 1, h2: 1, h3: 1, h4: 0, h5: 0 });
    expect(spooledDeploys(c3)).toEqual({ h1: 1, h2: 1, h3: 1, h4: 0, h5: 0 });
    const { alerts } = await fleet.fleetctlJson<{ alerts: { kind: string; subject: string }[] }>(["alerts"]);
    expect(alerts.some((a) => a.kind === "deploy_failed" && a.subject === hosts.h3!.hostId)).toBe(true);
    expect(alerts.some((a) => a.kind === "rollout_halted" && a.subject === rollout.id)).toBe(true);
  }, 240_000);

  test("--retry-failed after a fix commit brings only h3 forward", async () => {
    const fix = pushAll("v3 fixed", () => rmSync(join(tests("h3"), "T02-fails.sh")));
    await targetIs(fix);
    const { code, rollout } = await deploy(["--retry-failed", ...DEPLOY, "--wait"]);
    expect(`${code} ${rollout.state}`).toBe("0 completed");
    expect(rollout.hosts.map((h) => `${h.name}:${h.state}`)).toEqual(["h3:done"]);
    expect(rollout.hosts[0]!.outcome).toMatchObject({ kind: "deployed", commit: fix });
    expect(generations()).toEqual({ h1: 3, h2: 3, h3: 4, h4: 2, h5: 2 });
    expect(await deployJobs(fix)).toEqual({ h1: 0, h2: 0, h3: 1, h4: 0, h5: 0 });
  }, 180_000);

  test("fleetd SIGKILLed mid-deploy: it resumes and completes; every host ran exactly one deploy job", async () => {
    const c5 = pushAll("v5");
    await targetIs(c5);
    const { rollout } = await deploy(["--all", ...DEPLOY]);
    await waitFor(
      async () => {
        const { rollout: now } = await fleet.api<{ rollout: Rollout }>(
          "GET",
          `/api/v1/rollouts/${rollout.id}`,
        );
        return now.hosts.some((h) => h.state === "done") && now.hosts.some((h) => h.state === "in_progress");
      },
      { what: "the canary done and batch 1 in flight", timeoutMs: 120_000, intervalMs: 50 },
    );
    await fleet.kill();
    await Bun.sleep(500);
    await fleet.restart();
    const done = await waitFor(
      async () => {
        const { rollout: now } = await fleet.api<{ rollout: Rollout }>(
          "GET",
          `/api/v1/rollouts/${rollout.id}`,
        );
        return now.state !== "running" && now;
      },
      { what: "the deploy finished after the restart", timeoutMs: 240_000, intervalMs: 250 },
    );
    expect(`${done.state} ${done.reason ?? ""}`).toBe("completed ");
    const once = { h1: 1, h2: 1, h3: 1, h4: 1, h5: 1 };
    expect(await deployJobs(c5)).toEqual(once);
    expect(spooledDeploys(c5)).toEqual(once);
    expect(generations()).toEqual({ h1: 4, h2: 4, h3: 5, h4: 3, h5: 3 });
  }, 360_000);
});

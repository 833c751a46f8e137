// End to end with the compiled binaries: fleetd plus two agents in temp dirs, a real git
// config repo, stub nixos-rebuild / home-manager on PATH, everything driven by fleetctl.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { hostStateHash } from "../../agent/state/state-hash.ts";
import type { HostState } from "../../protocol/config-state.ts";
import {
  createConfigRepo,
  createSwitchStubs,
  ensureBinaries,
  git,
  type TestAgent,
  TestFleet,
  waitFor,
} from "../harness/index.ts";

let fleet: TestFleet;
let alpha: TestAgent;
const repo = createConfigRepo();
const stubs = createSwitchStubs();

function agentConfig(agent: string, switchArgv: string[]) {
  return {
    repo: { dir: join("REPO", agent), url: repo.origin, branch: "main" },
    switch: switchArgv,
    timeouts: { testSeconds: 2, killGraceSeconds: 0.5 },
  };
}

beforeAll(async () => {
  const bins = await ensureBinaries();
  fleet = await TestFleet.start(bins);
  repo.addTest("alpha", "T01-ok.sh", "echo all good");
  // An unusual duration: the leftover check below looks machine-wide and must not match another sleep.
  repo.addTest("alpha", "T02-hangs.sh", "sleep 3017 & sleep 3017");
  repo.addTest("alpha", "T03-ok.sh", "echo still runs");
  repo.addTest("beta", "T01-ok.sh", "echo beta fine");
  const env = { PATH: stubs.path };
  const withRepo = (name: string, argv: string[]) => {
    const config = agentConfig(name, argv);
    return { ...config, repo: { ...config.repo, dir: join(stubs.dir, `checkout-${name}`) } };
  };
  alpha = await fleet.addAgent("alpha", {
    config: withRepo("alpha", ["nixos-rebuild", "switch", "--flake", "{repo}#{host}"]),
    env,
  });
  await fleet.addAgent("beta", {
    config: withRepo("beta", ["home-manager", "switch", "--flake", "{repo}#{user}@{host}"]),
    env,
  });
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("a fleet of two real agents", () => {
  test("both hosts come online with the build's version", async () => {
    const hosts = await waitFor(
      async () => {
        const { hosts } = await fleet.fleetctlJson<{ hosts: any[] }>(["hosts"]);
        return hosts.length === 2 && hosts.every((h) => h.online) && hosts;
      },
      { what: "two hosts online in fleetctl hosts --json", timeoutMs: 20_000 },
    );
    expect(hosts.map((h) => h.name).sort()).toEqual(["alpha", "beta"]);
    for (const h of hosts) {
      expect(h.version).toBe(fleet.bins.version);
      expect(h.outdated).toBe(false);
      expect(h.platform).toBe(process.platform);
    }
  });

  test("an agent never holds its own ~100 MB binary in memory (it hashes itself in chunks)", () => {
    const binaryBytes = statSync(alpha.bin).size;
    const peakKb = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${alpha.pid}/status`, "utf8"))?.[1]);
    expect(binaryBytes).toBeGreaterThan(50 * 1024 * 1024);
    // Reading itself whole put the agent's peak at ~160 MB; streamed, it stays near its idle ~55 MB.
    expect(peakKb * 1024).toBeLessThan(binaryBytes);
  });

  test("pull brings both checkouts to the origin head", async () => {
    const r = await fleet.fleetctl(["run", "pull", "alpha", "beta", "--wait", "--json"]);
    expect(r.code).toBe(0);
    const { jobs } = JSON.parse(r.stdout);
    expect(jobs.map((j: any) => j.state)).toEqual(["succeeded", "succeeded"]);
    for (const name of ["alpha", "beta"]) {
      expect(git(join(stubs.dir, `checkout-${name}`), "rev-parse", "HEAD")).toBe(repo.head());
    }
  });

  test("switch runs each platform's switch command, with its output recorded", async () => {
    const r = await fleet.fleetctl(["run", "switch", "--all", "--wait", "--json"]);
    expect(r.code).toBe(0);
    const calls = stubs.calls();
    expect(calls).toContain(`nixos-rebuild switch --flake ${join(stubs.dir, "checkout-alpha")}#alpha`);
    expect(calls.some((c) => /^home-manager switch --flake .*checkout-beta#.+@beta$/.test(c))).toBe(true);
    const { jobs } = JSON.parse(r.stdout);
    const detail = await fleet.fleetctlJson(["job", jobs[0].id]);
    const lines = detail.output.map((l: any) => l.data);
    expect(lines).toContain("building the system configuration...");
    expect(lines).toContain("activating the configuration...");
    const seqs: number[] = detail.output.map((l: { seq: number }) => l.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
  });

  test("a hung test is killed at its timeout with its children and the next test still runs", async () => {
    const r = await fleet.fleetctl(["run", "test", "alpha", "--wait", "--json"]);
    expect(r.code).not.toBe(0);
    const [job] = JSON.parse(r.stdout).jobs;
    expect(job.state).toBe("timed_out");
    expect(job.tests.map((t: any) => `${t.name}=${t.state}`)).toEqual([
      "T01-ok.sh=passed",
      "T02-hangs.sh=timed_out",
      "T03-ok.sh=passed",
    ]);
    expect(job.progress).toMatchObject({ current: 3, total: 3, passed: 2 });
    const leftovers = Bun.spawnSync(["pgrep", "-f", "sleep 3017"]).stdout.toString().trim();
    expect(leftovers).toBe("");
    const beta = await fleet.fleetctl(["run", "test", "beta", "--wait", "--json"]);
    expect(beta.code).toBe(0);
  });

  test("a second agent on the same state dir refuses to start and names the holder", async () => {
    const r = await alpha.runOnce();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`another fleet-agent (pid ${alpha.pid})`);
  });

  test("restart runs through a runner like every op: the agent exits, a new one says hello, the job names both", async () => {
    const before = alpha.pid;
    const r = await fleet.fleetctl(["run", "restart", "alpha", "--wait", "--json"]);
    expect(r.code).toBe(0);
    const [job] = JSON.parse(r.stdout).jobs;
    expect(job.state).toBe("succeeded");
    expect(alpha.pid).not.toBe(before);
    expect(job.reason).toBe(`agent restarted (pid ${before} → ${alpha.pid})`);
    const detail = await fleet.fleetctlJson(["job", job.id]);
    expect(detail.output.map((l: any) => l.data)).toContain(
      `asked the agent (pid ${before}) to exit so its service manager restarts it`,
    );
    expect((await fleet.host("alpha")).online).toBe(true);
  }, 60_000);

  test("restarted, an agent names its acknowledged config state by hash; fleetd holding another asks for it", async () => {
    const { hostId, hostToken } = JSON.parse(readFileSync(join(alpha.stateDir, "credentials.json"), "utf8"));
    const stored = async () => (await fleet.api(`GET`, `/api/v1/hosts/${hostId}`)).state as HostState | null;
    const ackedHash = () => {
      const note = readFileSync(join(alpha.stateDir, "state-acked.json"), "utf8");
      return JSON.parse(note).hash as string | null;
    };
    // What the agent noted as acknowledged is the hash fleetd keeps alpha's report under.
    const reported = await waitFor(
      async () => {
        const state = await stored();
        return state && hostStateHash(state) === ackedHash() && state;
      },
      { what: "alpha's state at fleetd, and its hash in state-acked.json" },
    );
    // fleetd now holds another report for alpha, as after a data dir restored from a backup.
    const other: HostState = { ...reported, lastSwitchFailed: !reported.lastSwitchFailed };
    const sent = await fetch(`${fleet.url}/api/v1/agent/state`, {
      method: "POST",
      headers: { authorization: `Bearer ${hostToken}`, "content-type": "application/json" },
      body: JSON.stringify(other),
    });
    expect(sent.status).toBe(200);
    expect(hostStateHash((await stored())!)).toBe(hostStateHash(other));
    // The next agent's hello names its own state by hash; fleetd wants it, and the agent sends it.
    const starts = alpha.starts.length;
    alpha.kill("SIGTERM");
    await waitFor(
      async () =>
        alpha.starts.length > starts && hostStateHash((await stored())!) === hostStateHash(reported),
      { what: "alpha's own state back at fleetd after its restart", timeoutMs: 20_000 },
    );
    expect(alpha.log.join("\n")).not.toMatch(/config state|state report/);
  }, 60_000);

  test("SIGKILLed agent goes offline within the grace window and comes back when restarted", async () => {
    await alpha.halt();
    const killedAt = performance.now();
    await waitFor(async () => (await fleet.host("alpha")).online === false, {
      what: "alpha offline",
      timeoutMs: 15_000,
      intervalMs: 250,
    });
    const offlineAfter = performance.now() - killedAt;
    console.log(`alpha offline ${(offlineAfter / 1000).toFixed(1)} s after SIGKILL`);
    expect(offlineAfter).toBeLessThan(12_000);
    expect((await fleet.host("beta")).online).toBe(true);

    alpha.supervise();
    await waitFor(async () => (await fleet.host("alpha")).online, { what: "alpha back online" });
  }, 30_000);
});

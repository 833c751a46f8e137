// Agent self-update end to end: real compiled v1 agents, fleetd serving a v2 build (and
// tampered or broken ones), the harness supervisor restarting agents like systemd does.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ArtifactsDir,
  addBrokenAgent,
  type Binaries,
  copyArtifacts,
  ensureBinaries,
  sign,
  type TestAgent,
  TestFleet,
  waitFor,
} from "../harness/index.ts";

let v1: Binaries;
let v2: Binaries;
let served: ArtifactsDir;
let fleet: TestFleet;
const GRACE_S = 15;
const agentConfig = { update: { healthGraceSeconds: GRACE_S, soakSeconds: 1 } };

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

beforeAll(async () => {
  v1 = await ensureBinaries("1.0.0-test");
  v2 = await ensureBinaries("2.0.0-test");
  served = copyArtifacts(v2);
  fleet = await TestFleet.start(v2, ["--artifacts", served.dir], {
    FLEET_LIMITS: JSON.stringify({ updateSoakMs: 1000, updateTimeoutMs: 60_000 }),
  });
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

async function addV1(name: string, config: Record<string, unknown> = {}): Promise<TestAgent> {
  const agent = await fleet.addAgent(name, { binary: v1.agent, config: { ...agentConfig, ...config } });
  await waitFor(async () => (await fleet.host(name))?.online, { what: `${name} online` });
  return agent;
}

async function update(name: string) {
  const r = await fleet.fleetctl(["update", name, "--wait", "--json"]);
  const out = JSON.parse(r.stdout || "{}");
  const host = out.rollout?.hosts?.[0];
  const job = host?.jobId ? (await fleet.api("GET", `/api/v1/jobs/${host.jobId}`)).job : null;
  return { code: r.code, stderr: r.stderr, rollout: out.rollout, job };
}

async function openAlertFor(hostName: string) {
  const id = (await fleet.host(hostName)).id;
  const { alerts } = await fleet.fleetctlJson(["alerts"]);
  return alerts.find((a: any) => a.kind === "update_failed" && a.subject === id);
}

describe("self-update", () => {
  test("v1 → v2: the host reports v2, .old holds v1 byte for byte, the job succeeded", async () => {
    const agent = await addV1("upd1");
    const started = performance.now();
    let helloAt = 0;
    const watch = waitFor(
      async () => {
        const ok = (await fleet.host("upd1")).version === v2.version;
        if (ok && !helloAt) helloAt = performance.now();
        return ok;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: "upd1 on v2" },
    );
    const result = await update("upd1");
    await watch;
    console.log(`update dispatch → hello on v2: ${((helloAt - started) / 1000).toFixed(2)} s`);
    expect(result.code).toBe(0);
    expect(result.job.state).toBe("succeeded");
    // Whichever ends it first, fleetd's soak or the agent's own gate, says the same.
    expect(result.job.outcome).toEqual({ op: "update", kind: "updated", version: v2.version });
    const host = await fleet.host("upd1");
    expect(host.sha256).toBe(served.agent.sha256);
    expect(host.outdated).toBe(false);
    expect(sha(`${agent.bin}.old`)).toBe(sha(v1.agent));
    expect(sha(agent.bin)).toBe(served.agent.sha256);
  });

  const tampered: [string, () => void, string][] = [
    [
      "a wrong SHA-256",
      () => {
        // Same size and signed entry, other bytes: what a compromised mirror would serve.
        const file = "fleet-agent-swapped";
        const bytes = Buffer.alloc(served.agent.size, 0x90);
        readFileSync(v1.agent).subarray(0, served.agent.size).copy(bytes);
        writeFileSync(join(served.dir, file), bytes);
        served.replaceAgent({ file });
      },
      "SHA-256 of the download",
    ],
    [
      "a bad signature",
      () => served.replaceAgent({ signature: sign({ ...served.agent, size: 1 }, v2.version) }),
      "signature",
    ],
    [
      "a signature by another key",
      () => served.replaceAgent({ signature: sign(served.agent, v2.version, true) }),
      "signature",
    ],
    [
      "a truncated body",
      () => {
        const file = "fleet-agent-truncated";
        writeFileSync(
          join(served.dir, file),
          readFileSync(join(served.dir, served.agent.file)).subarray(0, 1_000_000),
        );
        served.replaceAgent({ file });
      },
      "downloaded 1000000 bytes",
    ],
  ];
  for (const [what, tamper, reason] of tampered) {
    test(`an artifact with ${what} is refused; the binary on disk is untouched; an alert is raised`, async () => {
      const name = `tamper-${what
        .split(" ")
        .at(-1)!
        .replace(/[^a-z0-9]/gi, "")}`;
      const agent = await addV1(name);
      const before = sha(agent.bin);
      const good = structuredClone(served.manifest);
      tamper();
      try {
        const result = await update(name);
        expect(result.code).not.toBe(0);
        expect(result.job.state).toBe("failed");
        expect(result.job.reason).toContain(reason);
        expect(result.job.outcome).toEqual({ op: "update", kind: "failed_before_swap" });
        expect(sha(agent.bin)).toBe(before);
        expect(existsSync(`${agent.bin}.new`)).toBe(false);
        expect((await fleet.host(name)).version).toBe(v1.version);
        expect(await openAlertFor(name)).toBeTruthy();
      } finally {
        served.write(good);
      }
    }, 90_000);
  }
});

describe("automatic rollback", () => {
  for (const mode of ["crash", "silent"] as const) {
    test(`a v3 that ${mode === "crash" ? "exits 1 at start" : "never reaches fleetd"} is rolled back to v2`, async () => {
      const name = `rb-${mode}`;
      const agent = await addV1(name);
      expect((await update(name)).code).toBe(0); // now on v2
      const good = structuredClone(served.manifest);
      await addBrokenAgent(served, "3.0.0-test", mode);
      try {
        const started = performance.now();
        const result = await update(name);
        const seconds = (performance.now() - started) / 1000;
        console.log(`v3 (${mode}) rolled back after ${seconds.toFixed(1)} s`);
        expect(result.code).not.toBe(0);
        expect(result.job.state).toBe("failed");
        // fleetd reads the outcome; the reason is the same story in words.
        expect(result.job.outcome).toMatchObject({ op: "update", kind: "rolled_back", restored: true });
        expect(result.job.reason).toStartWith("rolled back: ");
        expect(seconds).toBeLessThan(GRACE_S + 10 + 10); // grace + 10 s, plus dispatch and download
        expect(result.rollout.state).toBe("halted");
        await waitFor(
          async () => {
            const h = await fleet.host(name);
            return h.online && h.version === v2.version;
          },
          { what: `${name} back online on v2` },
        );
        expect(sha(agent.bin)).toBe(good.artifacts.find((a) => a.file === served.agent.file)!.sha256);
        expect(await openAlertFor(name)).toBeTruthy();
        const { entries } = await fleet.fleetctlJson(["audit", "--limit", "200"]);
        const hostId = (await fleet.host(name)).id;
        expect(entries.some((e: any) => e.action === "host.update_rolled_back" && e.target === hostId)).toBe(
          true,
        );
      } finally {
        served.write(good);
      }
    }, 120_000);
  }
});

describe("an interrupted download", () => {
  test("killing agent and runner mid-download leaves the binary intact; the next update works", async () => {
    // A proxy in front of fleetd that trickles artifact downloads, so there is a "middle".
    let throttle = true;
    const proxy = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      idleTimeout: 120,
      async fetch(req) {
        const url = new URL(req.url);
        const upstream = await fetch(`${fleet.url}${url.pathname}${url.search}`, {
          method: req.method,
          headers: req.headers,
          body: req.method === "GET" ? undefined : await req.arrayBuffer(),
        });
        if (!throttle || !url.pathname.startsWith("/api/v1/artifacts/fleet-agent")) return upstream;
        const reader = upstream.body!.getReader();
        const slow = new ReadableStream({
          async pull(ctrl) {
            await Bun.sleep(50);
            const { value, done } = await reader.read();
            if (done) ctrl.close();
            else ctrl.enqueue(value);
          },
        });
        return new Response(slow, { headers: upstream.headers });
      },
    });
    try {
      const agent = await addV1("interrupted", { server: `http://127.0.0.1:${proxy.port}` });
      agent.kill("SIGTERM"); // restart so the agent talks through the proxy
      await waitFor(async () => (await fleet.host("interrupted"))?.online, { what: "online via proxy" });
      const before = sha(agent.bin);
      const started = fleet.fleetctl(["update", "interrupted", "--wait", "--json"]);
      await waitFor(() => existsSync(`${agent.bin}.new`), { what: "download started", timeoutMs: 30_000 });
      await Bun.sleep(500);
      const runners = Bun.spawnSync(["pgrep", "-f", `runner --state-dir ${agent.stateDir}`])
        .stdout.toString()
        .trim();
      expect(runners).not.toBe("");
      await agent.halt();
      for (const pid of runners.split("\n")) process.kill(Number(pid), "SIGKILL");
      expect(sha(agent.bin)).toBe(before);
      agent.supervise();
      const first = JSON.parse((await started).stdout);
      const job = (await fleet.api("GET", `/api/v1/jobs/${first.rollout.hosts[0].jobId}`)).job;
      expect(job.state).toBe("failed");
      expect(job.reason).toContain("runner process died");
      expect(sha(agent.bin)).toBe(before);

      throttle = false;
      const again = await update("interrupted");
      expect(again.code).toBe(0);
      expect(sha(agent.bin)).toBe(served.agent.sha256);
      expect(existsSync(`${agent.bin}.new`)).toBe(false);
    } finally {
      proxy.stop(true);
    }
  }, 180_000);
});

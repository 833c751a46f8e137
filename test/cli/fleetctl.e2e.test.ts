// fleetctl as the operator runs it: `bun cli/main.ts ...` as a child process against a real
// fleetd on loopback (temp data dir), with a scripted agent where a job needs one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { createConsola } from "consola";
import { EnrollTokenCreated, HostList, JobDetail, JobList, VERSION } from "../../protocol/index.ts";
import { type RunningServer, startServer } from "../../server/app.ts";
import { resolveConfig } from "../../server/config.ts";
import { tempDir } from "../harness/temp-dir.ts";
import { waitFor } from "../harness/wait-for.ts";
import { FakeAgent } from "./fake-agent.ts";

const REPO_ROOT = resolve(import.meta.dir, "../..");
let fleetd: RunningServer;
let adminToken: string;

beforeAll(async () => {
  const config = resolveConfig({ host: "127.0.0.1", port: 0, data: join(tempDir("cli-e2e"), "data") }, {});
  fleetd = await startServer(config, { log: createConsola({ level: -999 }) });
  adminToken = fleetd.fleet.newAdminToken!;
});
afterAll(() => fleetd?.stop());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs fleetctl from source with only the environment a test gives it. */
async function fleetctl(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const proc = Bun.spawn([process.execPath, "cli/main.ts", ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NO_COLOR: "1",
      // As under `bun test` and in CI: consola would go quiet here unless fleetctl sets its level.
      NODE_ENV: "test",
      FLEET_SERVER: fleetd.url,
      FLEET_TOKEN: adminToken,
      FLEET_FOLLOW_POLL_MS: "100",
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

describe("without hosts", () => {
  test("--version prints the build's version", async () => {
    const r = await fleetctl(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  test("hosts --json prints an empty list and nothing else on stdout", async () => {
    const r = await fleetctl(["hosts", "--json"]);
    expect(r.code).toBe(0);
    expect(HostList.parse(JSON.parse(r.stdout))).toEqual({ hosts: [] });
    const human = await fleetctl(["hosts"]);
    expect(human.stdout).toContain("No hosts enrolled yet. Enroll one with: fleetctl enroll-token create");
  });

  test("enroll-token create prints the token and the install one-liner", async () => {
    const r = await fleetctl(["enroll-token", "create", "--ttl", "600"]);
    expect(r.code).toBe(0);
    const token = /^ {2}(\S+)$/m.exec(r.stdout)?.[1];
    expect(token).toBeTruthy();
    expect(r.stdout).toContain(`  curl -fsSL ${fleetd.url}/install.sh | sh -s -- --token ${token}`);
    const json = EnrollTokenCreated.parse(
      JSON.parse((await fleetctl(["enroll-token", "create", "--json"])).stdout),
    );
    expect(json.installCommand).toContain(json.token);
  });

  test("a wrong admin token fails with a clear message and exit 1", async () => {
    const r = await fleetctl(["hosts", "--json"], { FLEET_TOKEN: "not-the-token" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("fleetd rejected the token");
    expect(r.stderr).toContain(
      "set FLEET_TOKEN (the admin token is in <data>/admin-token on the fleetd machine)",
    );
  });

  test("no token at all says where to find it, before any request", async () => {
    const r = await fleetctl(["hosts"], { FLEET_TOKEN: "" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no admin token: pass --token or set FLEET_TOKEN");
  });

  test("an unreachable fleetd: 'is it running?' and exit 1", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const r = await fleetctl(["hosts", "--server", url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach fleetd at ${url}: is it running? (fleetd serve)`);
  });

  test("an unknown host or operation is refused by name", async () => {
    const host = await fleetctl(["run", "pull", "nosuch"]);
    expect(host.code).toBe(1);
    expect(host.stderr).toContain('no host with id or name "nosuch"');
    const op = await fleetctl(["run", "frobnicate", "--all"]);
    expect(op.code).toBe(1);
    expect(op.stderr).toContain('unknown operation "frobnicate"');
  });
});

describe("with a host", () => {
  let agent: FakeAgent;
  beforeAll(async () => {
    agent = await FakeAgent.enroll(fleetd.url, adminToken, "web1");
    await agent.hello("1.0.0");
  });

  test("hosts and host show it by name", async () => {
    const table = await fleetctl(["hosts"]);
    expect(table.stdout).toMatch(/^web1\s+\S+\s+(online|offline)\s+1\.0\.0/m);
    const detail = JSON.parse((await fleetctl(["host", "WEB1", "--json"])).stdout);
    expect(detail.host.id).toBe(agent.hostId);
  });

  test("run queues a job, jobs lists it, cancel cancels it, follow exits non-zero", async () => {
    const created = await fleetctl(["run", "pull", "web1", "--arg", "rev=main", "--json"]);
    expect(created.code).toBe(0);
    const job = JSON.parse(created.stdout).jobs[0];
    expect(job).toMatchObject({ hostId: agent.hostId, op: "pull", args: { rev: "main" }, state: "queued" });

    const listed = JobList.parse(
      JSON.parse((await fleetctl(["jobs", "web1", "--state", "queued", "--json"])).stdout),
    );
    expect(listed.jobs.map((j) => j.id)).toContain(job.id);

    const cancelled = await fleetctl(["cancel", job.id]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`job ${job.id}: cancelled`);

    const follow = await fleetctl(["job", job.id, "--follow"]);
    expect(follow.code).toBe(1);
    expect(follow.stderr).toContain(`job ${job.id} cancelled`);
  });

  test("run --wait follows the job to success; job --follow streams its output once", async () => {
    const waiting = fleetctl(["run", "pull", "web1", "--wait"]);
    const command = await agent.nextRun();
    const follower = fleetctl(["job", command.jobId, "--follow"]);
    await agent.events(command.jobId, { started: true });
    await agent.output(command.jobId, 0, ["fetching", "checking out"]);
    await Bun.sleep(300);
    await agent.output(command.jobId, 2, ["done"]);
    await agent.result(command.jobId, { state: "succeeded", exitCode: 0 });

    const waited = await waiting;
    expect(waited.code).toBe(0);
    expect(waited.stdout).toContain("web1: succeeded");
    expect(waited.stdout).toContain("1/1 done: 1 succeeded, 0 not succeeded");

    const followed = await follower;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe("fetching\nchecking out\ndone\n");

    const detail = JobDetail.parse(JSON.parse((await fleetctl(["job", command.jobId, "--json"])).stdout));
    expect(detail.output.map((l) => l.data)).toEqual(["fetching", "checking out", "done"]);
  });

  test("Ctrl-C while following leaves the job alone and says how to cancel it", async () => {
    const job = JSON.parse((await fleetctl(["run", "test", "web1", "--json"])).stdout).jobs[0];
    const proc = Bun.spawn([process.execPath, "cli/main.ts", "job", job.id, "--follow"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", FLEET_SERVER: fleetd.url, FLEET_TOKEN: adminToken },
      stdout: "pipe",
      stderr: "pipe",
    });
    // Interrupt only once it is really following (its first poll answered), not while it starts up.
    let stderr = "";
    const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    while (!stderr.includes(`following test job ${job.id}`)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`fleetctl exited before following: ${stderr}`);
      stderr += decoder.decode(value);
    }
    proc.kill("SIGINT");
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      stderr += decoder.decode(chunk.value);
    expect(await proc.exited).toBe(130);
    expect(stderr).toContain(`the job(s) keep running on the host. Cancel with: fleetctl cancel ${job.id}`);
    // Still queued, then cancelled so the scripted agent never picks it up in a later test.
    const cancelled = await fleetctl(["cancel", job.id, "--json"]);
    expect(JSON.parse(cancelled.stdout).job.state).toBe("cancelled");
  });

  test("run --wait exits non-zero when the job fails", async () => {
    const waiting = fleetctl(["run", "switch", "web1", "--wait"]);
    const command = await agent.nextRun();
    await agent.result(command.jobId, { state: "failed", exitCode: 3, reason: "switch failed" });
    const r = await waiting;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("web1: failed (exit 3): switch failed");
  });

  test("audit shows what happened", async () => {
    const { entries } = await waitFor(
      async () => {
        const r = JSON.parse((await fleetctl(["audit", "--limit", "50", "--json"])).stdout);
        return r.entries.length > 0 && r;
      },
      { what: "audit entries" },
    );
    expect(entries.some((e: { action: string }) => e.action.startsWith("enroll_token"))).toBe(true);
    const table = await fleetctl(["audit", "--limit", "5"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+TARGET\s+DETAILS$/);
  });
});

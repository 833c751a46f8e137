// fleetctl end to end with a host: a scripted agent takes jobs that fleetctl creates, follows,
// waits for and cancels through a real fleetd.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { JobDetail, JobList } from "../../protocol/index.ts";
import { waitFor } from "../harness/wait-for.ts";
import { CliFixture } from "./cli-fixture.ts";
import { FakeAgent } from "./fake-agent.ts";

let cli: CliFixture;
beforeAll(async () => {
  cli = await CliFixture.start();
});
afterAll(() => cli?.stop());

const fleetctl = (args: string[], env: Record<string, string> = {}) => cli.run(args, env);

describe("with a host", () => {
  let agent: FakeAgent;
  beforeAll(async () => {
    agent = await FakeAgent.enroll(cli.url, cli.adminToken, "web1");
    await agent.hello("1.0.0");
  });

  test("hosts and host show it by name", async () => {
    const table = await fleetctl(["hosts"]);
    expect(table.stdout).toMatch(/^web1\s+\S+\s+(online|offline)\s+1\.0\.0/m);
    const detail = JSON.parse((await fleetctl(["host", "WEB1", "--json"])).stdout);
    expect(detail.host.id).toBe(agent.hostId);
  });

  test("run queues a job, jobs lists it, cancel cancels it, follow exits non-zero", async () => {
    const created = await fleetctl(["run", "pull", "web1", "--json"]);
    expect(created.code).toBe(0);
    const job = JSON.parse(created.stdout).jobs[0];
    expect(job).toMatchObject({ hostId: agent.hostId, op: "pull", args: {}, state: "queued" });

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
    const proc = cli.spawn(["job", job.id, "--follow"]);
    // Interrupt only once it is really following (its first poll answered), not while it starts up.
    let stderr = "";
    const reader = proc.stderr.getReader();
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

  test("job output that would drive the terminal (OSC 52, a title, BEL) is shown escaped; --json is exact", async () => {
    const waiting = fleetctl(["run", "test", "web1", "--wait"]);
    const command = await agent.nextRun();
    const hostile = ["\u001b]52;c;cm0gLXJmIH4=\u0007", "\u001b]0;owned\u0007title", "a\tb"];
    await agent.events(command.jobId, { started: true });
    await agent.output(command.jobId, 0, hostile);
    await agent.result(command.jobId, { state: "failed", exitCode: 1, reason: "bad\u001b[2J" });
    await waiting;

    const shown = await fleetctl(["job", command.jobId]);
    const raw = (text: string) => text.includes("\u001b") || text.includes("\u0007");
    expect(raw(shown.stdout)).toBe(false);
    expect(shown.stdout).toContain("\\x1b]52;c;cm0gLXJmIH4=\\x07\n\\x1b]0;owned\\x07title\na\tb");
    expect(shown.stdout).toContain("bad\\x1b[2J");
    const followed = await fleetctl(["job", command.jobId, "--follow"]);
    expect(raw(followed.stdout + followed.stderr)).toBe(false);
    const exact = JobDetail.parse(JSON.parse((await fleetctl(["job", command.jobId, "--json"])).stdout));
    expect(exact.output.map((l) => l.data)).toEqual(hostile);
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

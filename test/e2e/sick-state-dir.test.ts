// The agent on a sick state dir, for real: a compiled agent whose state dir is a small tmpfs,
// filled to ENOSPC, then made read-only. A job it cannot write down must be reported failed
// at once with the real reason (not sit `dispatched` for ever, nor be taken for a repeat), the log
// must not blame the network, and once the disk is healthy again the next job runs. A cancel ends
// a dispatched job whose agent does not answer at all (SIGSTOPped with the command in hand).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, cpSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import {
  ensureBinaries,
  type TestAgent,
  TestFleet,
  tempDir,
  waitFor,
  writeExecutable,
} from "../harness/index.ts";

const skip = tierSkipReason("mounts");
if (skip) console.warn(`skipping the agent on a sick state dir: ${skip}`);

/** "At once": the failure reaches fleetd within this of the job being created. */
const REPORTED_WITHIN_MS = 5_000;
/** fleetd's cancelUnansweredMs for this fleet, short so the test need not wait 10 s. */
const CANCEL_UNANSWERED_MS = 1_500;

let fleet: TestFleet;
let agent: TestAgent;
let mounted = false;
const tests = tempDir("sick-tests");

function sh(argv: string[]): void {
  const r = Bun.spawnSync(argv, { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
}

/** Fills the file system with one file, to the last byte the kernel will give. */
function fill(path: string): void {
  const fd = openSync(path, "w");
  try {
    for (const size of [65536, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x78);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as { code?: string }).code !== "ENOSPC") throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

async function runTest(): Promise<any> {
  const host = await fleet.host("sick");
  return (await fleet.api("POST", `/api/v1/hosts/${host.id}/jobs`, { op: "test" })).job;
}

async function ended(jobId: string, timeoutMs = 20_000): Promise<any> {
  return waitFor(
    async () => {
      const { job } = await fleet.api("GET", `/api/v1/jobs/${jobId}`);
      return !["queued", "dispatched", "running"].includes(job.state) && job;
    },
    { what: `job ${jobId} to end`, timeoutMs, intervalMs: 50 },
  );
}

const agentLogSince = (mark: number) => agent.log.slice(mark).join("\n");

describe.skipIf(skip !== null)("the agent on a sick state dir", () => {
  beforeAll(async () => {
    const bins = await ensureBinaries();
    fleet = await TestFleet.start(bins, [], {
      FLEET_LIMITS: JSON.stringify({ cancelUnansweredMs: CANCEL_UNANSWERED_MS }),
    });
    // With the flag file, a slow job: a line every 50 ms for 3 s, during which the disk fills.
    writeExecutable(
      join(tests, "T1-ok.sh"),
      `if [ -f '${join(tests, "slow")}' ]; then i=0; while [ $i -lt 60 ]; do echo "line $i"; i=$((i+1)); sleep 0.05; done; fi\necho fine`,
    );
    agent = await fleet.addAgent("sick", { config: { testsDir: tests } });
    await waitFor(async () => (await fleet.host("sick"))?.online, { what: "sick online" });
    // Move the enrolled state dir onto its own small tmpfs, then start the agent on it again.
    await agent.halt();
    const saved = join(tempDir("sick-saved"), "state");
    cpSync(agent.stateDir, saved, { recursive: true });
    rmSync(agent.stateDir, { recursive: true, force: true });
    mkdirSync(agent.stateDir);
    sh(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", agent.stateDir]);
    mounted = true;
    cpSync(saved, agent.stateDir, { recursive: true });
    agent.supervise();
    await waitFor(async () => (await fleet.host("sick"))?.online, { what: "sick online on its tmpfs" });
    expect((await ended((await runTest()).id)).state).toBe("succeeded");
  }, 600_000);

  afterAll(async () => {
    await fleet?.stop();
    // Always, and lazily if something still holds it: a leftover mount outlives the test run.
    // Twice at most: the read-only bind on top, if a failed test left it, then the tmpfs.
    for (let i = 0; mounted && i < 2; i++) mounted = Bun.spawnSync(["umount", "-l", agent.stateDir]).success;
  });

  test("state dir full: the job fails at once saying so, the next runs once space returns", async () => {
    const filler = join(agent.stateDir, "filler");
    const mark = agent.log.length;
    fill(filler);
    try {
      const created = Date.now();
      const job = await ended((await runTest()).id, REPORTED_WITHIN_MS);
      expect(Date.now() - created).toBeLessThan(REPORTED_WITHIN_MS);
      expect(job.state).toBe("failed");
      expect(job.reason).toContain("could not write the job to its state dir");
      expect(job.reason).toContain("ENOSPC");
      // Not taken for a repeat, and a second one fails the same way: the queue keeps moving.
      expect((await ended((await runTest()).id, REPORTED_WITHIN_MS)).reason).toContain("ENOSPC");
    } finally {
      rmSync(filler, { force: true });
    }
    const log = agentLogSince(mark);
    expect(log).toContain("no space left on device");
    expect(log).not.toContain("cannot reach fleetd");
    expect(log).not.toContain("already known");
    const after = await ended((await runTest()).id);
    expect(after).toMatchObject({ state: "succeeded", reason: "1/1 passed" });
  }, 60_000);

  test("state dir read-only: the job fails at once saying so, not 'already known'", async () => {
    const mark = agent.log.length;
    // A read-only bind mount on top: the tmpfs itself cannot be remounted read-only while the
    // agent holds agent.lock open for writing, and this is what the agent sees either way.
    sh(["mount", "--bind", agent.stateDir, agent.stateDir]);
    try {
      sh(["mount", "-o", "remount,bind,ro", agent.stateDir]);
      const job = await ended((await runTest()).id, REPORTED_WITHIN_MS);
      expect(job.state).toBe("failed");
      expect(job.reason).toContain("EROFS");
    } finally {
      sh(["umount", agent.stateDir]);
    }
    const log = agentLogSince(mark);
    expect(log).toContain("read-only file system");
    expect(log).not.toContain("already known");
    expect(log).not.toContain("cannot reach fleetd");
    expect((await ended((await runTest()).id)).state).toBe("succeeded");
  }, 60_000);

  test("the disk fills while a job runs: the runner holds its output and result until space returns", async () => {
    writeFileSync(join(tests, "slow"), "");
    const filler = join(agent.stateDir, "filler");
    try {
      const job = await runTest();
      await waitFor(async () => (await fleet.api("GET", `/api/v1/jobs/${job.id}`)).job.state === "running", {
        what: "the slow job running",
      });
      fill(filler);
      // Full until well after the job's last line and its result.
      await Bun.sleep(4_000);
      expect((await fleet.api("GET", `/api/v1/jobs/${job.id}`)).job.state).toBe("running");
      rmSync(filler, { force: true });
      const done = await ended(job.id);
      expect(done).toMatchObject({ state: "succeeded", reason: "1/1 passed" });
      const { output } = await fleet.api("GET", `/api/v1/jobs/${job.id}`);
      const lines = output.map((l: { data: string }) => l.data).filter((d: string) => d.startsWith("line "));
      expect(lines).toEqual(Array.from({ length: 60 }, (_, i) => `line ${i}`));
      expect(output.map((l: { seq: number }) => l.seq)).toEqual(output.map((_: unknown, i: number) => i));
    } finally {
      rmSync(filler, { force: true });
      rmSync(join(tests, "slow"), { force: true });
    }
  }, 60_000);

  test("an empty spool dir left by a crash between mkdir and job.json does not hold its job for ever", async () => {
    process.kill(agent.pid!, "SIGSTOP");
    const job = await runTest();
    await waitFor(async () => (await fleet.api("GET", `/api/v1/jobs/${job.id}`)).job.state === "dispatched", {
      what: "the job dispatched to the frozen agent",
    });
    // What an agent that died (or met a full disk) right after creating the dir left behind.
    mkdirSync(join(agent.stateDir, "jobs", job.id));
    agent.kill("SIGKILL");
    // The next agent's hello does not claim it, fleetd queues it again, and this time it runs.
    expect((await ended(job.id, 30_000)).state).toBe("succeeded");
  }, 60_000);

  test("cancel ends a dispatched job whose agent never answers, and the next job runs", async () => {
    // Frozen while it holds a poll: fleetd hands it the job, nobody reads it.
    process.kill(agent.pid!, "SIGSTOP");
    const stuck = await runTest();
    await waitFor(
      async () => (await fleet.api("GET", `/api/v1/jobs/${stuck.id}`)).job.state === "dispatched",
      { what: "the job dispatched to the frozen agent" },
    );
    await fleet.api("POST", `/api/v1/jobs/${stuck.id}/cancel`);
    const cancelled = await ended(stuck.id, CANCEL_UNANSWERED_MS + 5_000);
    expect(cancelled.state).toBe("cancelled");
    expect(cancelled.reason).toContain("never started the job nor answered the cancel");
    // The frozen process is killed (SIGKILL ends a stopped one); its supervisor starts a fresh one,
    // which never ran the cancelled job.
    const starts = agent.starts.length;
    agent.kill("SIGKILL");
    await waitFor(async () => agent.starts.length > starts && (await fleet.host("sick"))?.online, {
      what: "sick back",
      timeoutMs: 30_000,
    });
    expect((await ended((await runTest()).id)).state).toBe("succeeded");
  }, 90_000);
});

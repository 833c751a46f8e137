// A job whose output is hostile, through the real compiled agent and fleetd: 200 MB without a
// newline, more lines than the host and fleetd keep, then 100 million one-letter lines. The
// runner's memory stays bounded (peak RSS, VmHWM, sampled from /proc while it runs; before the
// cut-while-reading the long line took it to 1.8 GiB and 80 s, and the flood, counted by its text
// alone, to 2.3 GiB and a 350 MB spool), the job ends in seconds, and where the output was cut is written into
// it, at each cut, so `fleetctl job` shows it and not just a flag.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LINE_CUT_NOTE } from "../../agent/jobs/child.ts";
import { SPOOL_MAX_OUTPUT_BYTES } from "../../agent/jobs/spool-writer.ts";
import { DEFAULT_LIMITS } from "../../server/config.ts";
import { fleetdTruncationNote } from "../../server/services/job-reports.ts";
import { ensureBinaries, TestFleet, tempDir, waitFor, writeExecutable } from "../harness/index.ts";

/** The runner's peak RSS must stay under this whatever the job prints (measured: 100-150 MB). */
const RUNNER_PEAK_RSS_BOUND_KB = 256 * 1024;
/** ...and the job must end within this (measured: 12 s, most of it the flood; before: 80 s for the long line alone). */
const JOB_BOUND_MS = 45_000;

let fleet: TestFleet;
const tests = tempDir("hostile-tests");

/** Peak RSS in kB of `pid` (VmHWM), or null once it is gone. */
function peakRssKb(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

beforeAll(async () => {
  fleet = await TestFleet.start(await ensureBinaries());
  writeExecutable(join(tests, "T1-one-line.sh"), "head -c 200000000 /dev/zero | tr '\\0' x\nsleep 0.5");
  // 6 MB in 1 kB lines: over the host's 4 MiB and fleetd's 1 MiB.
  writeExecutable(
    join(tests, "T2-many-lines.sh"),
    "yes \"$(head -c 1000 /dev/zero | tr '\\0' y)\" | head -c 6000000",
  );
  writeExecutable(join(tests, "T3-flood.sh"), "yes | head -c 200000000");
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

describe.skipIf(process.platform !== "linux")("hostile job output", () => {
  test("200 MB without a newline: bounded runner memory, ends in seconds, cut with a note at each cut", async () => {
    const agent = await fleet.addAgent("noisy", { config: { testsDir: tests } });
    await waitFor(async () => (await fleet.host("noisy"))?.online, { what: "noisy online" });
    const started = Date.now();
    const { job } = await fleet.api("POST", `/api/v1/hosts/${(await fleet.host("noisy")).id}/jobs`, {
      op: "test",
    });
    const lockFile = join(agent.stateDir, "jobs", job.id, "runner.lock");
    const runner = await waitFor(
      () => {
        const pid = Number.parseInt(readFileSync(lockFile, "utf8"), 10);
        return pid > 0 && pid;
      },
      { what: "the runner's pid in runner.lock", intervalMs: 10 },
    );
    let peak = 0;
    for (let kb = peakRssKb(runner); kb !== null; kb = peakRssKb(runner)) {
      peak = Math.max(peak, kb);
      await Bun.sleep(20);
    }
    const ended = await waitFor(
      async () => {
        const detail = await fleet.api("GET", `/api/v1/jobs/${job.id}`);
        return detail.job.state !== "dispatched" && detail.job.state !== "running" && detail;
      },
      { what: "the job to end", timeoutMs: JOB_BOUND_MS },
    );
    const tookMs = Date.now() - started;
    console.log(`runner peak RSS ${Math.round(peak / 1024)} MB, job took ${(tookMs / 1000).toFixed(1)} s`);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(RUNNER_PEAK_RSS_BOUND_KB);
    expect(tookMs).toBeLessThan(JOB_BOUND_MS);
    expect(ended.job).toMatchObject({ state: "succeeded", outputTruncated: true });

    const data: string[] = ended.output.map((l: { data: string }) => l.data);
    // The 200 MB line: its first 16 KiB and the note.
    expect(data.find((d) => d.endsWith(LINE_CUT_NOTE))).toMatch(/^x{16384}… \[line cut\]$/);
    // fleetd's cut, then the agent's own lines past it: its cut, the tests' verdicts, the result.
    const tail = data.slice(data.indexOf(fleetdTruncationNote(DEFAULT_LIMITS.maxOutputBytesPerJob)));
    expect(tail).toEqual([
      fleetdTruncationNote(DEFAULT_LIMITS.maxOutputBytesPerJob),
      `[output truncated at ${SPOOL_MAX_OUTPUT_BYTES} bytes]`,
      "T2-many-lines.sh: passed",
      `$ ${join(tests, "T3-flood.sh")}`,
      "T3-flood.sh: passed",
      "result: succeeded (3/3 passed)",
    ]);
    // The host's spool is bounded too.
    const spool = join(agent.stateDir, "jobs", job.id);
    const sizes = readdirSync(spool).map((f) => readFileSync(join(spool, f)).length);
    expect(Math.max(...sizes)).toBeLessThan(2 * SPOOL_MAX_OUTPUT_BYTES);

    const shown = await fleet.fleetctl(["job", job.id]);
    expect(shown.stdout).toContain(`[agent] ${fleetdTruncationNote(DEFAULT_LIMITS.maxOutputBytesPerJob)}`);
    expect(shown.stdout).toContain(`[agent] [output truncated at ${SPOOL_MAX_OUTPUT_BYTES} bytes]`);
  }, 120_000);
});

// Following jobs against a scripted fleetd: each output line is handed over exactly once,
// polling stops at the terminal state, and many jobs are watched together.
import { afterEach, expect, test } from "bun:test";
import { createApiClient } from "../../cli/api.ts";
import { followJob, waitForJobs } from "../../cli/follow.ts";
import type { Job, JobState, OutputLine } from "../../protocol/index.ts";
import { makeJob } from "./fixtures.ts";

const servers: { stop(force: boolean): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop(true);
});

const line = (seq: number): OutputLine => ({
  seq,
  ts: new Date().toISOString(),
  stream: "stdout",
  data: `line ${seq}`,
});

/** A job that advances one step per poll; `honorAfter: false` mimics a server that ignores ?after. */
function scriptedFleetd(steps: { state: JobState; lines: number }[], honorAfter = true) {
  const afters: (string | null)[] = [];
  let poll = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const url = new URL(req.url);
      const id = url.pathname.split("/").at(-1)!;
      afters.push(url.searchParams.get("after"));
      const step = steps[Math.min(poll++, steps.length - 1)]!;
      const after = honorAfter ? Number(url.searchParams.get("after") ?? -1) : -1;
      const output = Array.from({ length: step.lines }, (_, i) => line(i)).filter((l) => l.seq > after);
      return Response.json({ job: makeJob({ id, state: step.state }), output });
    },
  });
  servers.push(server);
  return { client: createApiClient({ server: `http://127.0.0.1:${server.port}`, token: "t" }), afters };
}

const steps: { state: JobState; lines: number }[] = [
  { state: "dispatched", lines: 0 },
  { state: "running", lines: 2 },
  { state: "running", lines: 5 },
  { state: "succeeded", lines: 6 },
];

test("followJob streams new lines once, asks only for lines after the last seen, stops when terminal", async () => {
  const { client, afters } = scriptedFleetd(steps);
  const seen: string[] = [];
  const states: string[] = [];
  const job = await followJob(client, "j_1", {
    pollMs: 1,
    onOutput: (lines) => seen.push(...lines.map((l) => l.data)),
    onUpdate: (j) => states.push(j.state),
  });
  expect(job.state).toBe("succeeded");
  expect(seen).toEqual(["line 0", "line 1", "line 2", "line 3", "line 4", "line 5"]);
  expect(states).toEqual(["dispatched", "running", "running", "succeeded"]);
  expect(afters).toEqual([null, null, "1", "4"]);
});

test("followJob never prints a line twice even if fleetd ignores ?after", async () => {
  const { client } = scriptedFleetd(steps, false);
  const seen: number[] = [];
  await followJob(client, "j_1", { pollMs: 1, onOutput: (lines) => seen.push(...lines.map((l) => l.seq)) });
  expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
});

test("waitForJobs polls only unfinished jobs and returns each one's final state", async () => {
  const { client, afters } = scriptedFleetd(steps);
  const done = makeJob({ id: "j_done", state: "failed" });
  const pending = makeJob({ id: "j_pending", state: "queued" });
  const rounds: Job[][] = [];
  const final = await waitForJobs(client, [done, pending], {
    pollMs: 1,
    onUpdate: (jobs) => rounds.push(jobs),
  });
  expect(final.map((j) => [j.id, j.state])).toEqual([
    ["j_done", "failed"],
    ["j_pending", "succeeded"],
  ]);
  expect(afters).toHaveLength(4);
  expect(rounds.at(0)!.map((j) => j.state)).toEqual(["failed", "queued"]);
  expect(rounds.at(-1)!.map((j) => j.state)).toEqual(["failed", "succeeded"]);
});

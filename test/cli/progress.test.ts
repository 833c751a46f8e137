// `run --wait` progress: a redrawn bar on a terminal, one line per change when piped.
import { describe, expect, test } from "bun:test";
import { exitCodeForJobState } from "../../cli/follow.ts";
import {
  countJobs,
  createProgressView,
  describeJob,
  renderBar,
  type TrackedJob,
} from "../../cli/progress.ts";
import { makeJob } from "./fixtures.ts";

const tracked = (label: string, overrides: Parameters<typeof makeJob>[0]): TrackedJob => ({
  label,
  job: makeJob({ id: `j_${label}`, ...overrides }),
});

describe("renderBar and describeJob", () => {
  const jobs = [
    tracked("a", { state: "succeeded" }),
    tracked("b", { state: "failed", exitCode: 2, reason: "nixos-rebuild failed" }),
    tracked("c", { state: "running", progress: { current: 3, total: 10, label: "building" } }),
    tracked("d", { state: "queued" }),
  ];

  test("counts done, failed, running and waiting", () => {
    expect(countJobs(jobs)).toEqual({ total: 4, done: 2, succeeded: 1, failed: 1, running: 1, waiting: 1 });
    expect(renderBar(jobs, 8)).toBe("[####----] 2/4 done · 1 failed · 1 running · 1 waiting");
    expect(renderBar([], 4)).toBe("[####] 0/0 done");
  });

  test("a job line shows progress while running and exit code + reason when it did not succeed", () => {
    expect(jobs.map(describeJob)).toEqual([
      "a: succeeded",
      "b: failed (exit 2): nixos-rebuild failed",
      "c: running 3/10 building",
      "d: queued",
    ]);
  });

  test("a reason or step from the host is shown with its control characters escaped", () => {
    const hostile = [
      tracked("e", { state: "failed", exitCode: 1, reason: "bad\u001b]0;owned\u0007" }),
      tracked("f", { state: "running", progress: { current: 1, total: 2, label: "T1\u001b[2J.sh" } }),
    ];
    expect(hostile.map(describeJob)).toEqual([
      "e: failed (exit 1): bad\\x1b]0;owned\\x07",
      "f: running 1/2 T1\\x1b[2J.sh",
    ]);
  });
});

describe("createProgressView", () => {
  test("plain (not a TTY): a line per change, nothing repeated, a summary at the end", () => {
    let out = "";
    const view = createProgressView({ tty: false, write: (t) => (out += t) });
    view.update([tracked("a", { state: "queued" }), tracked("b", { state: "queued" })]);
    view.update([tracked("a", { state: "running" }), tracked("b", { state: "queued" })]);
    const end = [
      tracked("a", { state: "succeeded" }),
      tracked("b", { state: "timed_out", reason: "took too long" }),
    ];
    view.finish(end);
    expect(out).toBe(
      [
        "a: queued",
        "b: queued",
        "a: running",
        "a: succeeded",
        "b: timed_out: took too long",
        "2/2 done: 1 succeeded, 1 not succeeded",
        "",
      ].join("\n"),
    );
    expect(out).not.toContain("\r");
  });

  test("TTY: the bar is redrawn in place and finished jobs scroll above it", () => {
    const writes: string[] = [];
    const view = createProgressView({ tty: true, write: (t) => writes.push(t) });
    view.update([tracked("a", { state: "running" }), tracked("b", { state: "queued" })]);
    view.update([tracked("a", { state: "succeeded" }), tracked("b", { state: "running" })]);
    view.finish([tracked("a", { state: "succeeded" }), tracked("b", { state: "succeeded" })]);
    const clear = "\r\u001b[2K";
    expect(writes[0]).toBe(`${clear}[------------------------] 0/2 done · 1 running · 1 waiting`);
    expect(writes[1]).toBe(`${clear}a: succeeded\n[############------------] 1/2 done · 1 running`);
    expect(writes[2]).toBe(`${clear}b: succeeded\n[########################] 2/2 done\n`);
  });
});

test("exit codes: 0 only for succeeded, 124 for timed out like timeout(1), else 1", () => {
  expect(exitCodeForJobState("succeeded")).toBe(0);
  expect(exitCodeForJobState("timed_out")).toBe(124);
  for (const state of ["failed", "cancelled", "lost", "skipped"] as const)
    expect(exitCodeForJobState(state)).toBe(1);
});

// test: every executable <repo>/<testsDir>/T*.sh in name order, each under its own
// timeout. A failing or hung test does not stop the next one; progress is reported as
// current / total / passed after each. A run that ran its tests to the end is recorded for the
// config state (agent/state/records.ts): passed only when every test passed.
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { JobResult, TestOutcome } from "../../../protocol/index.ts";
import { expandArgv } from "../../config.ts";
import { recordTest } from "../../state/records.ts";
import { type OpContext, type Operation, runStep } from "./context.ts";

export const testOp: Operation<"test"> = (ctx) => runTests(ctx);

/** The test job's run, also a deploy's tests after its switch. */
export async function runTests(ctx: OpContext): Promise<JobResult> {
  const [dirTemplate] = expandArgv([ctx.config.testsDir], ctx.config);
  const base = ctx.config.repo?.dir ?? ".";
  const dir = isAbsolute(dirTemplate!) ? dirTemplate! : join(base, dirTemplate!);
  const tests = _findTests(dir);
  if (tests.length === 0) {
    ctx.line("agent", `no executable T*.sh tests in ${dir}`);
    // Not recorded: nothing passed, so a switched host stays untested instead of passing vacuously.
    return { state: "succeeded", exitCode: 0, reason: `no tests in ${dir}`, tests: [] };
  }
  const timeout = ctx.config.timeouts.testSeconds;
  const outcomes: TestOutcome[] = [];
  let passed = 0;
  ctx.progress({ current: 0, total: tests.length, passed: 0 });
  for (const [i, name] of tests.entries()) {
    if (ctx.signal.aborted) break;
    const started = performance.now();
    const result = await runStep(ctx, [join(dir, name)], timeout, base);
    const state = result.timedOut ? "timed_out" : result.exitCode === 0 ? "passed" : "failed";
    if (state === "passed") passed++;
    outcomes.push({
      name,
      state,
      exitCode: result.exitCode,
      durationMs: Math.round(performance.now() - started),
    });
    ctx.line("agent", `${name}: ${state}${state === "timed_out" ? ` after ${timeout} s` : ""}`);
    ctx.progress({ current: i + 1, total: tests.length, passed, label: name });
  }
  // A cancelled run says nothing about the system; a timeout is a test that did not pass.
  if (!ctx.signal.aborted) _record(ctx, passed === tests.length);
  return _summarise(outcomes, tests.length, ctx.signal.aborted);
}

/**
 * For the state report only: a state dir that cannot take it costs a line, never the job. A record
 * made says nothing the result does not already say, so only a failure to make it is a line.
 */
function _record(ctx: OpContext, allPassed: boolean): void {
  try {
    recordTest(ctx.stateDir, { passed: allPassed });
  } catch (err) {
    ctx.line("agent", `could not record this test run for the config state: ${(err as Error).message}`);
  }
}

function _summarise(outcomes: TestOutcome[], total: number, cancelled: boolean): JobResult {
  const failed = outcomes.filter((t) => t.state === "failed").map((t) => t.name);
  const timedOut = outcomes.filter((t) => t.state === "timed_out").map((t) => t.name);
  const passed = outcomes.length - failed.length - timedOut.length;
  const summary = `${passed}/${total} passed`;
  if (cancelled)
    return { state: "cancelled", exitCode: null, reason: `cancelled after ${summary}`, tests: outcomes };
  if (failed.length > 0) {
    return {
      state: "failed",
      exitCode: 1,
      reason: `${summary}; failed: ${failed.join(", ")}`,
      tests: outcomes,
    };
  }
  if (timedOut.length > 0) {
    return {
      state: "timed_out",
      exitCode: null,
      reason: `${summary}; timed out: ${timedOut.join(", ")}`,
      tests: outcomes,
    };
  }
  return { state: "succeeded", exitCode: 0, reason: summary, tests: outcomes };
}

function _findTests(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^T.*\.sh$/.test(name) && _isExecutable(join(dir, name)))
    .sort();
}

function _isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

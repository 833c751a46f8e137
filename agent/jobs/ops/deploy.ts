// deploy: one pinned commit onto this host, and back off it by itself when it breaks the host.
//   1. refuse what cannot be rolled back, before anything changes
//   2. check out exactly `commit` (checkout-commit.ts)
//   3. record the active generation in jobs/<id>/deploy.json
//   4. switch (the switch job's step), then confirm: a fresh agent reaches fleetd within
//      confirmSeconds (confirm.ts), else roll back
//   5. test (the test job's run); failed tests roll back unless `rollback` is false
// Steps 4-5 and the rollback run with the cancel signal ignored, except the tests: a cancel must
// not leave a host half switched. The outcome says in typed fields where the host ended.
import type { DeployOutcome, JobResult, RollbackCause, TestOutcome } from "../../../protocol/index.ts";
import { isLocked, readHolderPid } from "../../lock.ts";
import { statePaths } from "../../paths.ts";
import { readDeployRecord, writeDeployRecord } from "../deploy-record.ts";
import { jobFiles } from "../spool.ts";
import { checkoutCommit } from "./checkout-commit.ts";
import { confirmFreshAgent } from "./confirm.ts";
import { type OpContext, type Operation, reasonText, uncancellable } from "./context.ts";
import { activeGeneration, planRollback, runRollback } from "./rollback-step.ts";
import { NO_SWITCH_REASON, switchSystem } from "./switch.ts";
import { runTests } from "./test.ts";

const STEPS = 4;

/** A deploy outcome less what every one of them carries: the fields that say how it ended. */
type Ending = DeployOutcome extends infer O
  ? O extends unknown
    ? Omit<O, "op" | "commit" | "generationBefore">
    : never
  : never;

const CAUSE_WORDS: Record<RollbackCause, string> = {
  switch_failed: "the switch failed",
  not_confirmed: "the new generation was not confirmed",
  tests_failed: "the tests failed",
};

export const deploy: Operation<"deploy"> = async (ctx) => {
  const { commit } = ctx.args;
  const files = jobFiles(statePaths(ctx.stateDir).job(ctx.jobId));
  const before = await activeGeneration(ctx);
  const ended = (result: JobResult, outcome: Ending): JobResult => ({
    ...result,
    reason: result.reason === undefined ? undefined : reasonText(result.reason),
    outcome: { op: "deploy", commit, generationBefore: before, ...outcome } as DeployOutcome,
  });
  const unchanged = (result: JobResult) =>
    ended(result, { kind: "failed_before_switch", generationAfter: before });

  ctx.progress({ current: 0, total: STEPS, label: "checkout" });
  if (!ctx.config.switch) return unchanged({ state: "failed", exitCode: null, reason: NO_SWITCH_REASON });
  const plan = planRollback(ctx, before);
  if ("problem" in plan) return unchanged({ state: "failed", exitCode: null, reason: plan.problem });
  const checkoutFailure = await checkoutCommit(ctx, commit);
  if (checkoutFailure) return unchanged(checkoutFailure);
  if (ctx.signal.aborted)
    return unchanged({ state: "cancelled", exitCode: null, reason: "cancelled before the switch" });

  const { lock } = statePaths(ctx.stateDir);
  const agentPid = isLocked(lock) ? readHolderPid(lock) : null;
  try {
    writeDeployRecord(files, { commit, generationBefore: before, agentPid });
  } catch (err) {
    // Without the record there is nothing to roll back to by: do not switch.
    const reason = `cannot record the generation before the switch (${(err as Error).message}); nothing was switched`;
    return unchanged({ state: "failed", exitCode: null, reason });
  }
  ctx.line("agent", `recorded in deploy.json: generation ${before ?? "not known"} before the switch`);

  const guarded = uncancellable(ctx);
  ctx.progress({ current: 1, total: STEPS, label: "switch" });
  const { value: switched, endedAt, revived } = await switchSystem(guarded);
  const rollBack = (cause: RollbackCause, why: string, tests?: TestOutcome[]) =>
    _rollBack(guarded, cause, why, tests).then(({ result, kind, generationAfter }) =>
      ended(result, { kind, cause, generationAfter }),
    );
  if (switched.state !== "succeeded") {
    const now = await activeGeneration(ctx);
    if (before !== null && now === before) {
      const reason = `${switched.reason}; generation ${before} is still active, nothing to roll back`;
      return unchanged({ ...switched, reason });
    }
    return rollBack("switch_failed", switched.reason ?? "switch failed");
  }

  ctx.progress({ current: 2, total: STEPS, label: "confirm" });
  const confirmMs = ctx.args.confirmSeconds * 1000;
  const confirmation = await confirmFreshAgent(
    guarded,
    { change: "switch", stalePid: agentPid, endedAt, revived },
    confirmMs,
  );
  ctx.line("agent", confirmation.how);
  if (!confirmation.confirmed) return rollBack("not_confirmed", confirmation.how);
  const generationAfter = await activeGeneration(ctx);
  const at = `generation ${generationAfter ?? "not known"}`;
  const landed = `deployed ${commit} (${at}); ${confirmation.how}`;
  const deployed = (result: JobResult) => ended(result, { kind: "deployed", generationAfter });
  if (!ctx.args.test) {
    ctx.progress({ current: STEPS, total: STEPS });
    return deployed({ state: "succeeded", exitCode: 0, reason: `${landed}; tests not run` });
  }

  ctx.progress({ current: 3, total: STEPS, label: "test" });
  // The tests' own progress, as the deploy's step 4 of 4, so a watcher sees one bar.
  const tests = await runTests({
    ...ctx,
    progress: (p) => ctx.progress({ current: 3, total: STEPS, label: `test ${p.current}/${p.total}` }),
  });
  ctx.progress({ current: STEPS, total: STEPS });
  if (tests.state === "succeeded") return deployed({ ...tests, reason: `${landed}; tests: ${tests.reason}` });
  if (tests.state === "cancelled" || !ctx.args.rollback) {
    const kept = tests.state === "cancelled" ? "tests cancelled" : "not rolled back (rollback turned off)";
    return deployed({ ...tests, reason: `${tests.reason}; ${at} kept, ${kept}` });
  }
  return rollBack("tests_failed", tests.reason ?? "tests failed", tests.tests);
};

/** Back to the generation deploy.json recorded, then waits for a working agent to say so. */
async function _rollBack(ctx: OpContext<"deploy">, cause: RollbackCause, why: string, tests?: TestOutcome[]) {
  const recorded = readDeployRecord(jobFiles(statePaths(ctx.stateDir).job(ctx.jobId)));
  const target = recorded?.generationBefore ?? null;
  ctx.line("agent", `rolling back to generation ${target ?? "(not known)"}: ${CAUSE_WORDS[cause]}: ${why}`);
  const plan = planRollback(ctx, target);
  const { lock } = statePaths(ctx.stateDir);
  const stalePid = isLocked(lock) ? readHolderPid(lock) : null;
  const rolled =
    "problem" in plan
      ? {
          ok: false,
          generationAfter: await activeGeneration(ctx),
          reason: plan.problem,
          endedAt: Date.now(),
          revived: false,
        }
      : await runRollback(ctx, plan);
  const since = { change: "rollback" as const, stalePid, endedAt: rolled.endedAt, revived: rolled.revived };
  const back = await confirmFreshAgent(ctx, since, ctx.args.confirmSeconds * 1000);
  ctx.line("agent", back.how);
  const agent = back.confirmed ? back.how : `and the agent is not back: ${back.how}`;
  const result: JobResult = {
    state: "failed",
    exitCode: null,
    reason: `${CAUSE_WORDS[cause]} (${why}); ${rolled.reason}; ${agent}`,
    ...(tests ? { tests } : {}),
  };
  return {
    result,
    kind: rolled.ok ? ("rolled_back" as const) : ("rollback_failed" as const),
    generationAfter: rolled.generationAfter,
  };
}

// rollback: the host back to the generation before the active one, on its own (`fleetctl run
// rollback <host>`): the same step a failed deploy takes (rollback-step.ts), checked against
// the generation the profile listed before it, then a fresh agent's hello awaited as after a
// deploy's rollback, since the older generation may bring an older agent config with it.
import type { JobResult, RollbackOutcome } from "../../../protocol/index.ts";
import { isLocked, readHolderPid } from "../../lock.ts";
import { statePaths } from "../../paths.ts";
import { readConfigSystem } from "../../state/report.ts";
import { confirmFreshAgent } from "./confirm.ts";
import { type Operation, reasonText, uncancellable } from "./context.ts";
import { planRollback, runRollback } from "./rollback-step.ts";

export const rollback: Operation<"rollback"> = async (ctx) => {
  const reading = await readConfigSystem(ctx.config).catch(() => null);
  const before = reading?.system?.generation ?? null;
  const ended = (result: JobResult, ok: boolean, generationAfter: number | null): JobResult => {
    const outcome: RollbackOutcome = {
      op: "rollback",
      kind: ok ? "rolled_back" : "rollback_failed",
      generationBefore: before,
      generationAfter,
    };
    return { ...result, reason: reasonText(result.reason ?? ""), outcome };
  };
  // Newest first: the first one older than the active one is what `--rollback` goes back to.
  const target =
    before === null ? null : (reading!.generations.find((g) => g.generation < before)?.generation ?? null);
  if (before !== null && target === null) {
    const reason = `generation ${before} is the oldest one left: there is nothing to roll back to`;
    return ended({ state: "failed", exitCode: null, reason }, false, before);
  }
  const plan = planRollback(ctx, target);
  if ("problem" in plan)
    return ended({ state: "failed", exitCode: null, reason: plan.problem }, false, before);
  const guarded = uncancellable(ctx);
  const { lock } = statePaths(ctx.stateDir);
  const stalePid = isLocked(lock) ? readHolderPid(lock) : null;
  ctx.line("agent", `rolling back from generation ${before ?? "(not known)"} to ${target ?? "(not known)"}`);
  const rolled = await runRollback(guarded, plan);
  const since = { change: "rollback" as const, stalePid, endedAt: rolled.endedAt, revived: rolled.revived };
  const back = await confirmFreshAgent(guarded, since, ctx.config.timeouts.restartSeconds * 1000);
  ctx.line("agent", back.how);
  const agent = back.confirmed ? back.how : `the agent is not back: ${back.how}`;
  const state = rolled.ok ? "succeeded" : "failed";
  return ended(
    { state, exitCode: rolled.ok ? 0 : null, reason: `${rolled.reason}; ${agent}` },
    rolled.ok,
    rolled.generationAfter,
  );
};

// Going back to an earlier generation: the platform's rollback (config.json `rollback`, else
// defaultRollbackCommand from the switch tool), run like a switch (launchd revive after it, the
// record for the config state), then a check that the generation the profile names is the one
// asked for. Shared by a deploy that fails and by the `rollback` job.
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { defaultRollbackCommand, defaultSwitchCommand, expandArgv, placeholdersOf } from "../../config.ts";
import { readRecords, recordSwitch } from "../../state/records.ts";
import { readConfigSystem } from "../../state/report.ts";
import { systemProfileFor } from "../../state/system.ts";
import { withAgentRevived } from "../after-switch.ts";
import { type OpContext, runStep, stepFailure } from "./context.ts";

export interface RollbackPlan {
  argv: string[];
  /** The generation to end on; null where none can be read (then nothing can be checked). */
  target: number | null;
}

export interface RolledBack {
  ok: boolean;
  generationAfter: number | null;
  reason: string;
  /** When the rollback command ended, and whether launchd was told to start the agent after it. */
  endedAt: number;
  revived: boolean;
}

/** The rollback to `target`, or why this host cannot roll back (said before anything changes). */
export function planRollback(ctx: OpContext, target: number | null): RollbackPlan | { problem: string } {
  const { config } = ctx;
  const tool = basename(config.switch?.[0] ?? defaultSwitchCommand()?.[0] ?? "");
  const configured = config.rollback ?? defaultRollbackCommand(tool);
  if (!configured) {
    return {
      problem:
        'cannot roll back on this host: there is no default rollback for its switch command; set "rollback" in config.json (an argv array)',
    };
  }
  const needs = placeholdersOf(configured);
  const profile = systemProfileFor(config);
  if (needs.includes("generation") && target === null)
    return {
      problem: "cannot roll back: the active generation is not known, and the rollback needs {generation}",
    };
  if (needs.includes("profile") && !profile)
    return { problem: 'cannot roll back: no system profile is known; set "system.profile" in config.json' };
  const argv = expandArgv(configured, config, { generation: String(target), profile: profile ?? "" });
  if (argv[0]!.includes("/") && !existsSync(argv[0]!))
    return { problem: `cannot roll back to generation ${target}: ${argv[0]} does not exist` };
  return { argv, target };
}

export async function runRollback(ctx: OpContext, plan: RollbackPlan): Promise<RolledBack> {
  const say = (line: string) => ctx.line("agent", line);
  const timeout = ctx.config.timeouts.switchSeconds;
  const cwd = ctx.config.repo && existsSync(ctx.config.repo.dir) ? ctx.config.repo.dir : undefined;
  const {
    value: step,
    endedAt,
    revived,
  } = await withAgentRevived(ctx.config, say, () => runStep(ctx, plan.argv, timeout, cwd));
  const failure = stepFailure(plan.argv, step, timeout);
  const after = await activeGeneration(ctx);
  let reason: string;
  if (failure) reason = `the rollback failed: ${failure.reason}`;
  else if (plan.target === null) reason = "rolled back; no generation can be read here, so none was checked";
  else if (after !== plan.target)
    reason = `after the rollback the active generation is ${after ?? "not known"}, not ${plan.target}`;
  else reason = `rolled back: generation ${after} is active again`;
  const ok = !failure && (plan.target === null || after === plan.target);
  say(reason);
  _record(ctx, ok, after);
  return { ok, generationAfter: after, reason, endedAt, revived };
}

/** The active generation as the state report reads it; null when it cannot be read. */
export async function activeGeneration(ctx: OpContext): Promise<number | null> {
  try {
    return (await readConfigSystem(ctx.config)).system?.generation ?? null;
  } catch {
    return null;
  }
}

/**
 * A rollback is a switch to an older generation, recorded as one with the commit that generation
 * was built from (if a switch recorded it), so the config state says what the host runs now.
 */
function _record(ctx: OpContext, ok: boolean, generation: number | null): void {
  try {
    const commit = generation === null ? null : (readRecords(ctx.stateDir).builtFrom.get(generation) ?? null);
    recordSwitch(ctx.stateDir, { ok, commit, dirty: false, generation });
  } catch (err) {
    ctx.line("agent", `could not record this rollback for the config state: ${(err as Error).message}`);
  }
}

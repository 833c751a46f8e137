// switch: the platform's switch command (nixos-rebuild, home-manager, darwin-rebuild or
// whatever config.json says), run from the repo checkout under the switch timeout.
// The runner records what it switched from (agent/state/records.ts): the profile knows a
// generation's store path, not the commit it was built from, and nothing else saw the checkout
// at switch time. Under launchd the runner then makes sure the agent that comes back is the new one.
// A deploy's switch is this same step (switchSystem).
import type { CheckoutState } from "../../../protocol/config-state.ts";
import type { JobResult } from "../../../protocol/index.ts";
import { expandArgv } from "../../config.ts";
import { recordSwitch } from "../../state/records.ts";
import { readConfigCheckout, readConfigSystem } from "../../state/report.ts";
import { type Changed, withAgentRevived } from "../after-switch.ts";
import { type OpContext, type Operation, runStep, stepFailure } from "./context.ts";

export const NO_SWITCH_REASON =
  'no switch command for this platform: set "switch" in config.json (an argv array)';

export const switchOp: Operation<"switch"> = async (ctx) => {
  if (!ctx.config.switch) return { state: "failed", exitCode: null, reason: NO_SWITCH_REASON };
  return (await switchSystem(ctx)).value;
};

/** Runs the configured switch command, records it, and revives the agent under launchd. */
export async function switchSystem(ctx: OpContext): Promise<Changed<JobResult>> {
  const argv = expandArgv(ctx.config.switch ?? [], ctx.config);
  const timeout = ctx.config.timeouts.switchSeconds;
  // Read before the step: what the switch builds is the checkout as it is now.
  const checkout = await readConfigCheckout(ctx.config).catch(() => null);
  // Even a failed switch may have replaced the agent; bring the new one up either way.
  return withAgentRevived(
    ctx.config,
    (line) => ctx.line("agent", line),
    async () => {
      const step = await runStep(ctx, argv, timeout, ctx.config.repo?.dir);
      const result: JobResult = stepFailure(argv, step, timeout) ?? { state: "succeeded", exitCode: 0 };
      await _record(ctx, result.state === "succeeded", checkout);
      return result;
    },
  );
}

/**
 * Anything short of success (failed, timed out, cancelled part way) is recorded as a failed
 * switch: the system may be half switched, and the operator has to look. The record is for the
 * state report only: a state dir that cannot take it costs a line in the job's output, never the job.
 */
async function _record(ctx: OpContext, ok: boolean, checkout: CheckoutState | null): Promise<void> {
  try {
    const { system } = await readConfigSystem(ctx.config);
    const outcome = {
      ok,
      commit: checkout?.commit ?? null,
      dirty: checkout?.dirty ?? false,
      generation: system?.generation ?? null,
    };
    recordSwitch(ctx.stateDir, outcome);
    const built = outcome.commit
      ? ` from ${outcome.commit.slice(0, 12)}${outcome.dirty ? " (dirty)" : ""}`
      : "";
    const generation =
      outcome.generation === null ? "generation not known" : `generation ${outcome.generation}`;
    ctx.line("agent", `recorded ${ok ? "switch" : "failed switch"}: ${generation}${ok ? built : ""}`);
  } catch (err) {
    ctx.line("agent", `could not record this switch for the config state: ${(err as Error).message}`);
  }
}

// switch: the platform's switch command (nixos-rebuild, home-manager, darwin-rebuild or
// whatever config.json says), run from the repo checkout under the switch timeout.
// Under launchd the runner then makes sure the agent that comes back is the new one.
import { expandArgv } from "../../config.ts";
import { detectServiceManager } from "../../service.ts";
import { fingerprint, reviveLaunchdAgent } from "../after-switch.ts";
import { type Operation, runStep, stepFailure } from "./context.ts";

export const switchOp: Operation<"switch"> = async (ctx) => {
  const configured = ctx.config.switch;
  if (!configured) {
    return {
      state: "failed",
      exitCode: null,
      reason: 'no switch command for this platform: set "switch" in config.json (an argv array)',
    };
  }
  const argv = expandArgv(configured, ctx.config);
  const timeout = ctx.config.timeouts.switchSeconds;
  const launchd = detectServiceManager(ctx.config) === "launchd";
  const before = launchd ? fingerprint(ctx.config) : null;
  const result = await runStep(ctx, argv, timeout, ctx.config.repo?.dir);
  // Even a failed switch may have replaced the agent; bring the new one up either way.
  if (before) await reviveLaunchdAgent(ctx.config, before, (line) => ctx.line("agent", line));
  return stepFailure(argv, result, timeout) ?? { state: "succeeded", exitCode: 0 };
};

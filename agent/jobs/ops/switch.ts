// switch: the platform's switch command (nixos-rebuild, home-manager, darwin-rebuild or
// whatever config.json says), run from the repo checkout under the switch timeout.
import { expandArgv } from "../../config.ts";
import { type Operation, runStep, stepFailure } from "./context.ts";

export const switchOp: Operation = async (ctx) => {
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
  const result = await runStep(ctx, argv, timeout, ctx.config.repo?.dir);
  return stepFailure(argv, result, timeout) ?? { state: "succeeded", exitCode: 0 };
};

// An agent update: each host gets an update job for exactly the build pinned for its platform when
// the rollout started; the job's own end is the verdict (the agent health-gates and soaks itself,
// and fleetd's update tracking waits for its hello on the target), so there is no soak here.
import { targetOf } from "../../../../protocol/artifacts.ts";
import type { UpdateRolloutTarget } from "../../../../protocol/rollouts.ts";
import { ApiError } from "../../../errors.ts";
import type { HostRecord } from "../../../store/records/host.ts";
import { agentOpRefusal } from "../../agent-ops.ts";
import { updateArgsFor } from "../../updates.ts";
import type { RolloutKindRules } from "./kind.ts";

/** The host's agent is the rollout's pinned version and build for its platform. */
export function hostRunsTarget(host: Readonly<HostRecord>, target: UpdateRolloutTarget): boolean {
  if (!host.platform || !host.arch) return false;
  // A rollout from before pinning (0.1.x) pinned only the version (its sha256 map is empty).
  const sha256 = target.sha256[targetOf(host.platform, host.arch)];
  return host.version === target.version && (sha256 === undefined || host.sha256 === sha256);
}

export const updateKind: RolloutKindRules<UpdateRolloutTarget> = {
  alert: "update_failed",
  engineTimesOut: false,
  defaults: () => ({ timeoutSeconds: 90, soakSeconds: 0 }),
  onTarget: (_ctx, host, target) => hostRunsTarget(host, target),
  stepFor(ctx, host, target, options) {
    const refusal = agentOpRefusal(host, "update");
    if (refusal) return { problem: refusal };
    try {
      const args = updateArgsFor(ctx, host, {
        allowDowngrade: target.allowDowngrade,
        timeoutSeconds: options.timeoutSeconds,
        pinned: target,
      });
      return { spec: { op: "update", args } };
    } catch (err) {
      if (err instanceof ApiError) return { problem: err.message };
      throw err;
    }
  },
  unconfirmed: () => null,
  judge: (_target, job) =>
    job.state === "succeeded" || job.state === "skipped" ? null : (job.reason ?? job.state),
  failureMessage: (target, name, reason) => `update of ${name} to ${target.version} failed: ${reason}`,
};

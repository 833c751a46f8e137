// A config deploy: each host gets a deploy job for the commit pinned when the rollout started (the
// agent pulls exactly it, switches, confirms, tests, and rolls back by itself). A host succeeded
// when the job's outcome is `deployed` at that commit, its own report then says its active
// generation was built from the commit, and it stays online through the soak.
import type { JobOutcome } from "../../../../protocol/job-outcomes.ts";
import type { DeployRolloutTarget } from "../../../../protocol/rollouts.ts";
import type { ServerContext } from "../../../context.ts";
import type { HostRecord } from "../../../store/records/host.ts";
import { agentOpRefusal } from "../../agent-ops.ts";
import type { RolloutKindRules } from "./kind.ts";

const _short = (commit: string | null | undefined) => (commit ? commit.slice(0, 12) : "no known commit");

/** Checked out at the commit, last switched from it, and nothing failed since. */
export function hostIsDeployedAt(ctx: ServerContext, host: Readonly<HostRecord>, commit: string): boolean {
  const state = ctx.store.hostReportSummary(host.id);
  return state?.checkout?.commit === commit && state.lastSwitch?.commit === commit && !state.lastSwitchFailed;
}

function _outcomeText(outcome: JobOutcome | undefined, commit: string): string | null {
  if (outcome?.op !== "deploy") return null;
  const back = outcome.generationBefore !== null ? ` to generation ${outcome.generationBefore}` : "";
  switch (outcome.kind) {
    case "deployed":
      return outcome.commit === commit ? null : `deployed ${_short(outcome.commit)}, not ${_short(commit)}`;
    case "rolled_back":
      return `rolled back${back} (${outcome.cause.replaceAll("_", " ")})`;
    case "rollback_failed":
      return `rollback failed after ${outcome.cause.replaceAll("_", " ")}; the host needs a look`;
    case "failed_before_switch":
      return "failed before the switch; nothing changed";
  }
}

export const deployKind: RolloutKindRules<DeployRolloutTarget> = {
  alert: "deploy_failed",
  // The deploy job has no clock of its own on fleetd's side: the rollout's timeout is it.
  engineTimesOut: true,
  defaults: (config) => ({ timeoutSeconds: 900, soakSeconds: Math.ceil(config.deploySoakMs / 1000) }),
  onTarget: (ctx, host, target) => hostIsDeployedAt(ctx, host, target.commit),
  stepFor(_ctx, host, target) {
    const refusal = agentOpRefusal(host, "deploy");
    if (refusal) return { problem: refusal };
    const { commit, confirmSeconds, test, rollback } = target;
    return { spec: { op: "deploy", args: { commit, confirmSeconds, test, rollback } } };
  },
  unconfirmed(ctx, host, target) {
    const state = ctx.store.hostReportSummary(host.id);
    if (state?.lastSwitchFailed) return "its last switch or test failed after the deploy";
    const built = state?.lastSwitch?.commit;
    if (built === target.commit) return null;
    return `its active generation is built from ${_short(built)}, not ${_short(target.commit)}`;
  },
  judge(target, job) {
    const said = job.reason ? `: ${job.reason}` : "";
    const outcome = _outcomeText(job.outcome, target.commit);
    if (job.state === "succeeded" && job.outcome?.op === "deploy" && outcome === null) return null;
    if (outcome) return `${outcome}${said}`;
    if (job.state === "succeeded") return "the agent reported success without a deploy outcome";
    return job.reason ?? job.state;
  },
  failureMessage: (target, name, reason) =>
    `deploy of ${name} to config ${_short(target.commit)} failed: ${reason}`,
};

// What a kind of rollout (agent update, config deploy) says about one host: whether it is already
// on the target, what its job is, when that job's end counts as success, and which alert a
// failure raises. The engine (engine.ts) decides everything else the same way for every kind.
import type { AlertKind } from "../../../../protocol/alerts.ts";
import type { JobSpec } from "../../../../protocol/job-ops.ts";
import type { JobOutcome } from "../../../../protocol/job-outcomes.ts";
import type { JobState } from "../../../../protocol/jobs.ts";
import type { RolloutOptions, RolloutTarget } from "../../../../protocol/rollouts.ts";
import type { ServerConfig } from "../../../config.ts";
import type { ServerContext } from "../../../context.ts";
import type { HostRecord } from "../../../store/records/host.ts";

/** A host's job as the engine sees it. */
export interface JobSeen {
  state: JobState;
  reason?: string;
  outcome?: JobOutcome;
}

/** The job a host would get now, or why it cannot have one (a failure of that host). */
export type HostStep = { spec: JobSpec } | { problem: string };

export interface RolloutKindRules<T extends RolloutTarget = RolloutTarget> {
  /** The per-host alert a failure raises (subject: the host id) and a later success resolves. */
  readonly alert: AlertKind;
  /**
   * Whether fleetd fails a host whose job runs past timeoutSeconds. An update's job keeps its own
   * clock (it restarts at each report, so a slow download is not cut short).
   */
  readonly engineTimesOut: boolean;
  /** Options a start request leaves out. */
  defaults(config: ServerConfig): Pick<RolloutOptions, "timeoutSeconds" | "soakSeconds">;
  /** The host needs no step: planned as skipped, or skipped when its turn comes. */
  onTarget(ctx: ServerContext, host: Readonly<HostRecord>, target: T): boolean;
  stepFor(ctx: ServerContext, host: Readonly<HostRecord>, target: T, options: RolloutOptions): HostStep;
  /** While soaking: null once the host's own reports show the target, else what they show instead. */
  unconfirmed(ctx: ServerContext, host: Readonly<HostRecord>, target: T): string | null;
  /** After the job ended: null when the step succeeded, else why not, in words. */
  judge(target: T, job: JobSeen): string | null;
  /** The alert's message for a host that failed. */
  failureMessage(target: T, hostName: string, reason: string): string;
}

// A rollout in the board's words: what it brings hosts to, each host's state and what its job
// came to (for a deploy, the generations before and after). Plain text; the caller escapes it.
import type { RolloutCounts } from "../protocol/board.ts";
import type { DeployOutcome, JobOutcome, RollbackCause, UpdateOutcome } from "../protocol/job-outcomes.ts";
import { HOST_STATE_WORDS } from "../protocol/rollout-text.ts";
import type { RolloutHostState, RolloutTarget } from "../protocol/rollouts.ts";
import type { Tone } from "./format.ts";

/** "Deploy of config 1a2b3c4d5e6f — subject" or "Agent update to 0.2.0". */
export function rolloutTitle(target: RolloutTarget): string {
  if (target.kind === "update") return `Agent update to ${target.version}`;
  const subject = target.subject ? ` — ${target.subject}` : "";
  return `Deploy of config ${target.commit.slice(0, 12)}${subject}`;
}

/** "2 done, 1 in progress, 1 failed": the states that have hosts, finished ones first. */
export function countsText(c: RolloutCounts): string {
  const order: RolloutHostState[] = ["done", "failed", "skipped", "in_progress", "soaking", "pending"];
  const parts = order.filter((s) => s === "done" || c[s] > 0).map((s) => `${c[s]} ${HOST_STATE_WORDS[s]}`);
  return parts.join(", ");
}

const CAUSE_WORDS: Record<RollbackCause, string> = {
  switch_failed: "switch failed",
  not_confirmed: "not confirmed",
  tests_failed: "tests failed",
};

export interface OutcomeWords {
  text: string;
  /** Red only where a host may be left broken; a clean rollback or refusal changed nothing for good. */
  tone: Tone;
}

export function outcomeWords(outcome: JobOutcome): OutcomeWords | null {
  if (outcome.op === "deploy") return _deploy(outcome);
  if (outcome.op === "update") return _update(outcome);
  return null;
}

function _deploy(o: DeployOutcome): OutcomeWords {
  switch (o.kind) {
    case "deployed":
      return { text: "deployed", tone: "ok" };
    case "rolled_back":
      return { text: `rolled back — ${CAUSE_WORDS[o.cause]}`, tone: "warn" };
    case "rollback_failed":
      return { text: `rollback failed — ${CAUSE_WORDS[o.cause]}`, tone: "bad" };
    case "failed_before_switch":
      return { text: "failed before switch", tone: "warn" };
  }
}

function _update(o: UpdateOutcome): OutcomeWords {
  switch (o.kind) {
    case "updated":
      return { text: `updated to ${o.version}`, tone: "ok" };
    case "already_current":
      return { text: `already at ${o.version}`, tone: "idle" };
    case "failed_before_swap":
      return { text: "failed before swap", tone: "warn" };
    case "rolled_back":
      return {
        text: `rolled back — ${o.reason}${o.restored ? "" : " (old agent not back)"}`,
        tone: o.restored ? "warn" : "bad",
      };
  }
}

/** "generation 41 → 42" for a deploy's outcome; null for other ops. */
export function generationsText(outcome: JobOutcome): string | null {
  if (outcome.op !== "deploy") return null;
  const g = (n: number | null) => (n === null ? "unknown" : String(n));
  return `generation ${g(outcome.generationBefore)} → ${g(outcome.generationAfter)}`;
}

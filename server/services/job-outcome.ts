// The outcome fleetd stores for a job's result: the agent's own, refused when it is not an
// outcome of the job's op, or, from an agent that predates outcomes, what its reason text meant.
// fleetd acts on the stored outcome only, never on reason text.
import type { JobResult } from "../../protocol/agent.ts";
import type { Operation } from "../../protocol/job-ops.ts";
import { type JobOutcome, outcomeProblem } from "../../protocol/job-outcomes.ts";
import { validationFailed } from "../errors.ts";

/** The outcome to store with `result` of a job running `op`; a 400 when it does not fit the op. */
export function outcomeOfResult(op: Operation, result: JobResult): JobOutcome | undefined {
  const problem = outcomeProblem(op, result.outcome);
  if (problem) {
    throw validationFailed(`invalid request body: outcome: ${problem}`, [
      { path: "outcome", message: problem },
    ]);
  }
  return result.outcome ?? legacyOutcome(op, result);
}

// LEGACY, for agents of 0.1.x, which send no outcome: they said an update's rollback only by a
// reason "rolled_back: <why>; back on <version>" or "rolled_back: <why>; the previous agent has
// not come back either: <why>". Drop this (and its test) in 0.3.0: by then every supported
// agent is 0.2.0 or later and sends `outcome` itself.
const _LEGACY_ROLLED_BACK = "rolled_back: ";
const _LEGACY_NOT_BACK = "; the previous agent has not come back either: ";
const _LEGACY_BACK = "; back on ";

/** The outcome an outcome-less result of a 0.1.x agent meant, if it meant one fleetd acts on. */
export function legacyOutcome(op: Operation, result: JobResult): JobOutcome | undefined {
  if (op !== "update" || !result.reason?.startsWith(_LEGACY_ROLLED_BACK)) return undefined;
  const text = result.reason.slice(_LEGACY_ROLLED_BACK.length);
  const notBack = text.indexOf(_LEGACY_NOT_BACK);
  const back = text.lastIndexOf(_LEGACY_BACK);
  const end = notBack >= 0 ? notBack : back >= 0 ? back : text.length;
  return { op: "update", kind: "rolled_back", reason: text.slice(0, end), restored: notBack < 0 };
}

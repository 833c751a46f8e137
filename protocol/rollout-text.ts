// What a rollout brings hosts to, in one phrase, for fleetctl and the board. Types only, so the
// board's bundle, which carries no zod, can use it.
import type { RolloutHostState, RolloutTarget } from "./rollouts.ts";

/** A host's place in a rollout as prose reads it ("in progress", not "in_progress"). */
export const HOST_STATE_WORDS: Record<RolloutHostState, string> = {
  pending: "pending",
  in_progress: "in progress",
  soaking: "soaking",
  done: "done",
  skipped: "skipped",
  failed: "failed",
};

/** "0.2.0-dev.5" or "config 1a2b3c4d5e6f". */
export function rolloutTargetText(target: RolloutTarget): string {
  return target.kind === "update" ? target.version : `config ${target.commit.slice(0, 12)}`;
}

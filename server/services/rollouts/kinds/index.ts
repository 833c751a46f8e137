// The table of rollout kinds: the one place a rollout's kind picks its rules.
import type { RolloutTarget } from "../../../../protocol/rollouts.ts";
import { deployKind } from "./deploy.ts";
import type { RolloutKindRules } from "./kind.ts";
import { updateKind } from "./update.ts";

const KINDS = { update: updateKind, deploy: deployKind } as const;

export function kindOf<T extends RolloutTarget>(target: T): RolloutKindRules<T> {
  return KINDS[target.kind] as unknown as RolloutKindRules<T>;
}

// A rollout as fleetd stores it (rollouts.json), and the one mapping to the API's Rollout. Every
// wire field is stored today, named one by one so that a field the API grows is not stored unasked.
import { z } from "zod";
import { Rollout } from "../../../protocol/rollouts.ts";
import { keepFields } from "./fields.ts";

const _Stored = Rollout.pick({
  id: true,
  state: true,
  target: true,
  options: true,
  hosts: true,
  createdAt: true,
  createdBy: true,
  finishedAt: true,
  reason: true,
});

/**
 * Rollouts written before deploys (0.1.x) were agent updates only: `targetVersion` and
 * `options.allowDowngrade` where `target` is now, and `updating` where hosts are `in_progress`.
 * They pinned no builds, so their target's `sha256` is empty, which pins the version only.
 */
function _fromBeforeDeploys(value: unknown): unknown {
  const old = value as { targetVersion?: unknown; target?: unknown; options?: Record<string, unknown> };
  if (
    typeof old !== "object" ||
    old === null ||
    old.target !== undefined ||
    typeof old.targetVersion !== "string"
  )
    return value;
  const { targetVersion, ...rest } = old as Record<string, unknown>;
  const { allowDowngrade, ...options } = old.options ?? {};
  const hosts = Array.isArray(rest.hosts)
    ? rest.hosts.map((h: Record<string, unknown>) =>
        h?.state === "updating" ? { ...h, state: "in_progress" } : h,
      )
    : rest.hosts;
  return {
    ...rest,
    hosts,
    options,
    target: { kind: "update", version: targetVersion, sha256: {}, allowDowngrade: allowDowngrade === true },
  };
}

export const RolloutRecord = z.preprocess(_fromBeforeDeploys, _Stored);
export type RolloutRecord = z.infer<typeof _Stored>;

export const rolloutRecordFrom = (rollout: RolloutRecord): RolloutRecord => keepFields(_Stored, rollout);

export const rolloutToWire = (record: Readonly<RolloutRecord>): Rollout => keepFields(Rollout, record);

/** Running or paused: at most one rollout of any kind is, at a time. */
export const isActiveRollout = (state: RolloutRecord["state"]): boolean =>
  state === "running" || state === "paused";

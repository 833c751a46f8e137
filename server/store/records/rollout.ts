// A rollout as fleetd stores it (rollouts.json), and the one mapping to the API's Rollout. Every
// wire field is stored today, named one by one so that a field the API grows is not stored unasked.
import type { z } from "zod";
import { Rollout } from "../../../protocol/rollouts.ts";
import { keepFields } from "./fields.ts";

export const RolloutRecord = Rollout.pick({
  id: true,
  state: true,
  targetVersion: true,
  options: true,
  hosts: true,
  createdAt: true,
  createdBy: true,
  finishedAt: true,
  reason: true,
});
export type RolloutRecord = z.infer<typeof RolloutRecord>;

export const rolloutRecordFrom = (rollout: RolloutRecord): RolloutRecord =>
  keepFields(RolloutRecord, rollout);

export const rolloutToWire = (record: Readonly<RolloutRecord>): Rollout => keepFields(Rollout, record);

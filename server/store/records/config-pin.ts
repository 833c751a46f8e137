// The config target's pin as fleetd stores it (config-pin.json): the commit every host is
// compared with until an operator unpins it, whatever the repo's branch head or the hosts say.
import { z } from "zod";
import { Timestamp } from "../../../protocol/common.ts";
import { CommitSha } from "../../../protocol/config-state.ts";

export const ConfigPinRecord = z.object({
  commit: CommitSha,
  pinnedAt: Timestamp,
  /** The audit actor who pinned it. */
  pinnedBy: z.string().max(200),
});
export type ConfigPinRecord = z.infer<typeof ConfigPinRecord>;

/** The file holds the pin or null (unpinned), so an unpin is a write like any other. */
export const ConfigPinFile = z.object({ pin: ConfigPinRecord.nullable() });

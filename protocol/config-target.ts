// The config target routes' bodies: what fleetd compares every host's config with, where it
// comes from, and pinning it. The target itself and the per-host state are in config-state.ts.
import { z } from "zod";
import { Timestamp } from "./common.ts";
import { CommitSha, ConfigTarget } from "./config-state.ts";

/** GET /api/v1/config/target, and the answer to refresh, pin and unpin. */
export const ConfigTargetResponse = z.object({
  /** null until fleetd knows one: no repo read yet, no pin, no host reported a fetch. */
  target: ConfigTarget.nullable(),
  /** The config repo fleetd reads (--config-repo, credentials left out), or null without one. */
  repo: z.object({ url: z.string(), branch: z.string() }).nullable(),
  /** The pin, when one overrides the repo and the hosts. */
  pin: z.object({ commit: CommitSha, pinnedAt: Timestamp }).nullable(),
  /** Why the last read of the repo failed (the target is then the last one read), or null. */
  error: z.string().nullable(),
});
export type ConfigTargetResponse = z.infer<typeof ConfigTargetResponse>;

/** POST /api/v1/config/target/pin: hold the target at this commit until unpinned. */
export const PinTargetRequest = z.object({ commit: CommitSha });
export type PinTargetRequest = z.infer<typeof PinTargetRequest>;

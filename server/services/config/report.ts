// A host's config report (POST /agent/state, or the state in hello): stored for its own host only
// when it differs from what is stored, so a report sent again writes nothing.
import type { HostState } from "../../../protocol/config-state.ts";
import type { ServerContext } from "../../context.ts";
import { unauthorized } from "../../errors.ts";
import { encodeReport } from "../../store/records/host-report.ts";
import { kickRollouts } from "../rollouts/worker.ts";

/** Compared by hash, so the stored report is never read back for it. */
export function stateChanged(ctx: ServerContext, hostId: string, state: HostState | undefined): boolean {
  if (state === undefined) return false;
  return ctx.store.hostReportHash(hostId) !== encodeReport(state).hash;
}

export async function recordHostState(ctx: ServerContext, hostId: string, state: HostState): Promise<void> {
  const host = ctx.store.getHost(hostId);
  // Revoked or deleted between auth and here: the report has no host to land on.
  if (!host || host.revokedAt) throw unauthorized("host token revoked");
  if (!stateChanged(ctx, hostId, state)) return;
  await ctx.store.putHostReport(hostId, state);
  await noteReportedState(ctx, state);
  // A deploying host's report is what confirms its new generation.
  kickRollouts(ctx);
}

/** After a report is stored: the hosts' target may move, and behindBy of its commit is counted. */
export async function noteReportedState(ctx: ServerContext, state: HostState): Promise<void> {
  try {
    await ctx.configTarget.noteHostState(state);
  } catch (err) {
    // Counting is for display; the report is stored, so the agent must not send it again.
    ctx.log.warn(`counting a host's commits behind the target failed: ${(err as Error).message}`);
  }
}

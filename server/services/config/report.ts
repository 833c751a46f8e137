// A host's config report (POST /agent/state, or the state in hello): stored on its own host's
// record only when it differs from what is stored, so a report sent again writes nothing.
import { createHash } from "node:crypto";
import type { HostState } from "../../../protocol/config-state.ts";
import type { ServerContext } from "../../context.ts";
import { unauthorized } from "../../errors.ts";
import type { HostRecord } from "../../store/records/host.ts";
import { kickRollouts } from "../rollouts/worker.ts";

const _hashes = new WeakMap<HostState, string>();

/** SHA-256 of the report's JSON; a parsed report has its keys in the schema's order. */
export function hostStateHash(state: HostState): string {
  let hash = _hashes.get(state);
  if (hash === undefined) {
    hash = createHash("sha256").update(JSON.stringify(state)).digest("hex");
    _hashes.set(state, hash);
  }
  return hash;
}

export function stateChanged(record: Readonly<HostRecord>, state: HostState | undefined): boolean {
  if (state === undefined) return false;
  return !record.configState || hostStateHash(record.configState) !== hostStateHash(state);
}

export async function recordHostState(ctx: ServerContext, hostId: string, state: HostState): Promise<void> {
  const host = ctx.store.getHost(hostId);
  // Revoked or deleted between auth and here: the report has no host to land on.
  if (!host || host.revokedAt) throw unauthorized("host token revoked");
  if (!stateChanged(host, state)) return;
  await ctx.store.putHost({ ...host, configState: state });
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

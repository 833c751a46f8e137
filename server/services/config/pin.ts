// Pinning the config target: every host is compared with the pinned commit, over the repo's
// branch head and the hosts' fetches, until an operator unpins it. Stored, so a restart keeps it;
// audited, since it changes what every host is judged against.
import type { ConfigTargetResponse } from "../../../protocol/config-target.ts";
import type { ServerContext } from "../../context.ts";
import { badRequest, conflict } from "../../errors.ts";
import { recordAudit } from "../audit.ts";

export async function pinTarget(
  ctx: ServerContext,
  commit: string,
  actor: string,
): Promise<ConfigTargetResponse> {
  if (!(await ctx.configTarget.knowsCommit(commit)))
    throw badRequest(`${commit} is not a commit of the config repo (fleetd fetched it just now)`);
  const before = ctx.store.getConfigPin();
  await ctx.store.setConfigPin({ commit, pinnedAt: new Date().toISOString(), pinnedBy: actor });
  await ctx.configTarget.pinChanged();
  await recordAudit(ctx, actor, "config.target_pinned", undefined, {
    commit,
    previous: before?.commit ?? null,
  });
  ctx.log.info(`config target pinned to ${commit.slice(0, 12)} by ${actor}`);
  return ctx.configTarget.describe();
}

export async function unpinTarget(ctx: ServerContext, actor: string): Promise<ConfigTargetResponse> {
  const before = ctx.store.getConfigPin();
  if (!before) throw conflict("the config target is not pinned");
  await ctx.store.setConfigPin(null);
  await ctx.configTarget.pinChanged();
  await recordAudit(ctx, actor, "config.target_unpinned", undefined, { commit: before.commit });
  ctx.log.info(`config target unpinned (was ${before.commit.slice(0, 12)}) by ${actor}`);
  return ctx.configTarget.describe();
}

// Adding, listing and removing notification channels. A channel's secrets (the webhook signing
// key, the URL whose path is the credential for Slack, Discord and ntfy topics) go to disk in
// full and come back only as hints; the key fleetd makes is shown once, in the answer to the add.
import { randomBytes } from "node:crypto";
import {
  type Channel,
  type CreateChannelRequest,
  DEFAULT_TEMPLATE,
  type DeliveryState,
} from "../../../protocol/notify.ts";
import type { ServerContext } from "../../context.ts";
import { badRequest, conflict, notFound } from "../../errors.ts";
import type { ChannelRecord } from "../../store/records/channel.ts";
import { newChannelId } from "../ids.ts";
import { pointsAtFleetd } from "./self-url.ts";

export function channelToWire(ctx: ServerContext, record: Readonly<ChannelRecord>): Channel {
  const counts: Record<DeliveryState, number> = { pending: 0, delivered: 0, abandoned: 0 };
  for (const d of ctx.store.listDeliveries()) if (d.channelId === record.id) counts[d.state]++;
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    urlHint: `${new URL(record.url).origin}/…`,
    secretHint: record.secret ? `…${record.secret.slice(-4)}` : null,
    kinds: record.kinds,
    hostTags: record.hostTags,
    template: record.template,
    priority: record.priority,
    tags: record.tags,
    createdAt: record.createdAt,
    lastDeliveredAt: record.lastDeliveredAt,
    lastFailedAt: record.lastFailedAt,
    lastError: record.lastError,
    failingSince: record.failingSince,
    ...counts,
  };
}

/** A channel by id or by name, or a 404 naming what was asked for. */
export function findChannel(ctx: ServerContext, idOrName: string): Readonly<ChannelRecord> {
  const found = ctx.store.listChannels().find((c) => c.id === idOrName || c.name === idOrName);
  if (!found) throw notFound(`no notification channel with id or name "${idOrName.slice(0, 80)}"`);
  return found;
}

export async function addChannel(
  ctx: ServerContext,
  request: CreateChannelRequest,
  requestUrl: string,
): Promise<{ record: ChannelRecord; madeSecret: string | null }> {
  _checkFitsType(request);
  if (pointsAtFleetd(new URL(request.url), ctx, requestUrl))
    throw badRequest(`${request.url} is fleetd itself; a channel must point at a receiver elsewhere`);
  const max = ctx.config.notifyMaxChannels;
  const madeSecret = request.type === "webhook" && !request.secret ? randomBytes(24).toString("hex") : null;
  const record: ChannelRecord = {
    id: newChannelId(),
    name: request.name,
    type: request.type,
    url: request.url,
    secret: request.type === "webhook" ? (request.secret ?? madeSecret) : null,
    kinds: request.kinds ?? [],
    hostTags: request.hostTags ?? [],
    template: request.template ?? DEFAULT_TEMPLATE,
    priority: request.priority ?? null,
    tags: request.tags ?? [],
    createdAt: new Date().toISOString(),
    lastDeliveredAt: null,
    lastFailedAt: null,
    lastError: null,
    failingSince: null,
  };
  const outcome = await ctx.repo.addChannel(record, max);
  if (outcome.kind === "name_taken")
    throw conflict(
      `a notification channel named "${request.name}" exists; remove it first or pick another name`,
    );
  if (outcome.kind === "limit_reached")
    throw conflict(
      `fleetd keeps at most ${max} notification channels (limit notifyMaxChannels); ` +
        "remove one with 'fleetctl notify remove' first",
    );
  return { record, madeSecret };
}

/** Options that mean nothing for the channel's type are refused, not silently ignored. */
function _checkFitsType(request: CreateChannelRequest): void {
  if (request.secret && request.type !== "webhook")
    throw badRequest(`"secret" signs generic webhooks only; a ${request.type} channel has none`);
  for (const field of ["priority", "tags"] as const)
    if (request[field] !== undefined && request.type !== "ntfy")
      throw badRequest(`"${field}" is an ntfy header; a ${request.type} channel has none`);
}

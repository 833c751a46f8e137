// Putting notifications in the outbox: one delivery per (alert event, matching channel), durable
// before anything is sent, then the worker is kicked. The idempotency key names the alert, the
// event and the channel, so enqueuing the same event again (a retried request) changes nothing and
// a receiver can tell a retry from news. Alert events come from services/alerts.ts only.

import type { NotifyEvent } from "../../../protocol/notify.ts";
import type { ServerContext } from "../../context.ts";
import type { EnqueueOutcome } from "../../repository/types.ts";
import type { AlertRecord } from "../../store/records/alert.ts";
import type { ChannelRecord } from "../../store/records/channel.ts";
import type { DeliveryRecord } from "../../store/records/delivery.ts";
import { isSilenced, silencesNow } from "../alert-silences.ts";
import { newDeliveryId } from "../ids.ts";

type AlertEvent = Exclude<NotifyEvent, "test">;

/**
 * An "updated" event is one per raise (raisedAt moves on every raise again), so each one is news;
 * "raised" and "resolved" happen once per alert.
 */
export const idempotencyKey = (alert: AlertRecord, event: AlertEvent, channelId: string): string =>
  event === "updated"
    ? `${alert.id}/updated@${alert.raisedAt}/${channelId}`
    : `${alert.id}/${event}/${channelId}`;

/** Whether the channel wants this alert: its kinds, its host tags, and never news of its own failure. */
export function channelWants(
  ctx: ServerContext,
  channel: Readonly<ChannelRecord>,
  alert: AlertRecord,
): boolean {
  if (alert.kind === "notification_failing" && alert.subject === channel.id) return false;
  // Silenced means nobody is told: not of its raising, its updates or its resolution.
  if (isSilenced(silencesNow(ctx), alert)) return false;
  if (channel.kinds.length > 0 && !channel.kinds.includes(alert.kind)) return false;
  if (channel.hostTags.length === 0) return true;
  const tags = ctx.store.getHost(alert.subject)?.tags ?? [];
  return tags.some((t) => channel.hostTags.includes(t));
}

export async function notifyAlert(ctx: ServerContext, alert: AlertRecord, event: AlertEvent): Promise<void> {
  const writes: Promise<EnqueueOutcome>[] = [];
  for (const channel of ctx.store.listChannels()) {
    if (!channelWants(ctx, channel, alert)) continue;
    const key = idempotencyKey(alert, event, channel.id);
    // Told already (an event raised again): the key is checked again where the outbox is.
    if (ctx.store.findDeliveryByKey(key)) continue;
    writes.push(ctx.repo.enqueueDelivery(_newDelivery(channel.id, key, event, alert)));
  }
  if (writes.length === 0) return;
  const outcomes = await Promise.all(writes);
  if (outcomes.some((o) => o.kind === "enqueued")) ctx.outbox.kick();
}

/** `fleetctl notify test`: a delivery carrying no alert, through the outbox like any other. */
export async function enqueueTest(
  ctx: ServerContext,
  channel: Readonly<ChannelRecord>,
): Promise<DeliveryRecord> {
  const id = newDeliveryId();
  const delivery = { ..._newDelivery(channel.id, `test/${id}/${channel.id}`, "test", null), id };
  await ctx.store.putDelivery(delivery);
  ctx.outbox.kick();
  return delivery;
}

function _newDelivery(
  channelId: string,
  key: string,
  event: NotifyEvent,
  alert: AlertRecord | null,
): DeliveryRecord {
  return {
    id: newDeliveryId(),
    idempotencyKey: key,
    channelId,
    event,
    alertId: alert?.id ?? null,
    alert,
    state: "pending",
    attempts: 0,
    createdAt: new Date().toISOString(),
    nextAttemptAt: null,
    deliveredAt: null,
    settledAt: null,
    lastError: null,
  };
}

// Notification channels and their outbox over the JSON store: the name and count checks, the
// idempotency key, and a delivery attempt's mark, each read and written in the same tick.
import type { ChannelRecord } from "../store/records/channel.ts";
import type { DeliveryRecord } from "../store/records/delivery.ts";
import type { Store } from "../store/types.ts";
import type {
  AddChannelOutcome,
  ChannelAttempt,
  ChannelAttemptOutcome,
  EnqueueOutcome,
  UpdateDeliveryOutcome,
} from "./types.ts";

export async function addChannelInStore(
  store: Store,
  channel: ChannelRecord,
  maxChannels: number,
): Promise<AddChannelOutcome> {
  const channels = store.listChannels();
  if (channels.some((c) => c.name === channel.name)) return { kind: "name_taken" };
  if (channels.length >= maxChannels) return { kind: "limit_reached" };
  await store.putChannel(channel);
  return { kind: "added", channel };
}

/** Two attempts finishing together both count: each reads the channel as the other left it. */
export async function recordAttemptInStore(
  store: Store,
  channelId: string,
  attempt: ChannelAttempt,
  at: Date,
): Promise<ChannelAttemptOutcome> {
  const current = store.getChannel(channelId);
  if (!current) return { kind: "unknown" };
  const stamp = at.toISOString();
  const channel: ChannelRecord = attempt.ok
    ? { ...current, lastDeliveredAt: stamp, failingSince: null }
    : {
        ...current,
        lastFailedAt: stamp,
        lastError: attempt.error,
        failingSince: current.failingSince ?? stamp,
      };
  await store.putChannel(channel);
  return { kind: "recorded", channel };
}

export async function enqueueInStore(store: Store, delivery: DeliveryRecord): Promise<EnqueueOutcome> {
  if (!store.getChannel(delivery.channelId)) return { kind: "channel_unknown" };
  const existing = store.findDeliveryByKey(delivery.idempotencyKey);
  if (existing) return { kind: "already_enqueued", existing };
  await store.putDelivery(delivery);
  return { kind: "enqueued", delivery };
}

export async function updateDeliveryInStore(
  store: Store,
  expected: Readonly<DeliveryRecord>,
  next: DeliveryRecord,
): Promise<UpdateDeliveryOutcome> {
  // Stored records are values, replaced on every change: the same object is the same version.
  const current = store.getDelivery(expected.id);
  if (current !== expected) return { kind: "changed_meanwhile", current };
  const written = store.putDelivery(next);
  const delivery = store.getDelivery(next.id) ?? next;
  await written;
  return { kind: "updated", delivery };
}

// Notification channels over the JSON store: the name and count checks, and a delivery attempt's
// mark on its channel, each read and written in the same tick.
import type { ChannelRecord } from "../store/records/channel.ts";
import type { Store } from "../store/types.ts";
import type { AddChannelOutcome, ChannelAttempt, ChannelAttemptOutcome } from "./types.ts";

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

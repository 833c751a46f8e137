// A notification channel as fleetd stores it (notify-channels.json, owner-only like secrets.json):
// what the operator configured, the signing key in full, and how its deliveries have gone. The
// API's Channel is a view of it with the secrets reduced to hints (services/notify/channels.ts).
import { z } from "zod";
import { Channel, ChannelUrl, SigningSecret } from "../../../protocol/notify.ts";
import { keepFields } from "./fields.ts";

/** The wire's fields named one by one (a field the API grows reaches the disk only when added here), and the secrets in full. */
export const ChannelRecord = Channel.pick({
  id: true,
  name: true,
  type: true,
  kinds: true,
  hostTags: true,
  template: true,
  priority: true,
  tags: true,
  createdAt: true,
  lastDeliveredAt: true,
  lastFailedAt: true,
  lastError: true,
  failingSince: true,
}).extend({ url: ChannelUrl, secret: SigningSecret.nullable() });
export type ChannelRecord = z.infer<typeof ChannelRecord>;

export const ChannelsFile = z.object({ channels: z.array(ChannelRecord) });

export const channelRecordFrom = (channel: ChannelRecord): ChannelRecord =>
  keepFields(ChannelRecord, channel);

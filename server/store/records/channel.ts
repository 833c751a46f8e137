// A notification channel as fleetd stores it (notify-channels.json, owner-only like secrets.json):
// what the operator configured, the signing key in full, and how its deliveries have gone. The
// API's Channel is a view of it with the secrets reduced to hints (services/notify/channels.ts).
import { z } from "zod";
import { AlertKind } from "../../../protocol/alerts.ts";
import { Id, Timestamp } from "../../../protocol/common.ts";
import { HostTag } from "../../../protocol/config-state.ts";
import { ChannelType, ChannelUrl, NtfyPriority, SigningSecret } from "../../../protocol/notify.ts";
import { keepFields } from "./fields.ts";

export const ChannelRecord = z.object({
  id: Id,
  name: z.string(),
  type: ChannelType,
  url: ChannelUrl,
  secret: SigningSecret.nullable(),
  kinds: z.array(AlertKind),
  hostTags: z.array(HostTag),
  template: z.string(),
  priority: NtfyPriority.nullable(),
  tags: z.array(z.string()),
  createdAt: Timestamp,
  lastDeliveredAt: Timestamp.nullable(),
  lastFailedAt: Timestamp.nullable(),
  lastError: z.string().nullable(),
  failingSince: Timestamp.nullable(),
});
export type ChannelRecord = z.infer<typeof ChannelRecord>;

export const ChannelsFile = z.object({ channels: z.array(ChannelRecord) });

export const channelRecordFrom = (channel: ChannelRecord): ChannelRecord =>
  keepFields(ChannelRecord, channel);

// Notification channels and what fleetd sends through them (docs/notifications.md): a channel is
// where alerts go (a signed generic webhook, a Slack or Discord incoming webhook, an ntfy topic),
// optionally only some alert kinds or hosts with some tags; each alert event becomes one delivery
// in fleetd's durable outbox, retried until it lands, carrying an idempotency key.
import { z } from "zod";
import { Alert, AlertKind } from "./alerts.ts";
import { Id, Timestamp } from "./common.ts";
import { HostTag } from "./config-state.ts";

export const ChannelType = z.enum(["webhook", "slack", "discord", "ntfy"]);
export type ChannelType = z.infer<typeof ChannelType>;

/** What happened to the alert; "test" is `fleetctl notify test`, carrying no alert. */
export const NotifyEvent = z.enum(["raised", "updated", "resolved", "test"]);
export type NotifyEvent = z.infer<typeof NotifyEvent>;

export const MAX_CHANNEL_URL_CHARS = 2000;
/** A message template longer than this is refused (Discord cuts content at 2000 characters). */
export const MAX_TEMPLATE_CHARS = 1000;

/** `{event}`, `{kind}`, `{subject}`, `{message}` and `{url}` are filled in; the default says all of them. */
export const DEFAULT_TEMPLATE = "[fleet] {kind} {event} ({subject}): {message}";

export const ChannelUrl = z
  .string()
  .max(MAX_CHANNEL_URL_CHARS)
  .url("must be an absolute http:// or https:// URL")
  .refine((u) => /^https?:\/\//i.test(u), "only http:// and https:// URLs are allowed");

/** A webhook signing key: long enough not to be guessed, printable so it fits a header or a file. */
export const SigningSecret = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,256}$/, "16-256 letters, digits, '-' or '_' (e.g. openssl rand -hex 24)");

export const NtfyPriority = z.number().int().min(1).max(5);

export const CreateChannelRequest = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "names are letters, digits, '.', '-' and '_' (1-63)"),
  type: ChannelType,
  /** The webhook's, Slack's or Discord's incoming-webhook URL, or the ntfy topic URL. Never fleetd's own. */
  url: ChannelUrl,
  /** webhook only: the HMAC-SHA256 key; fleetd makes one (shown once, in the answer) when absent. */
  secret: SigningSecret.optional(),
  /** Only these alert kinds (default: every kind). */
  kinds: z.array(AlertKind).max(50).optional(),
  /** Only alerts about hosts carrying one of these tags (default: every alert, host or not). */
  hostTags: z.array(HostTag).max(50).optional(),
  /** The text sent to Slack, Discord and ntfy (and as `text` in a webhook's body). */
  template: z.string().min(1).max(MAX_TEMPLATE_CHARS).optional(),
  /** ntfy only: the Priority header, 1 (min) to 5 (max); default 4 for raised, 3 otherwise. */
  priority: NtfyPriority.optional(),
  /** ntfy only: the Tags header (emoji short codes or words). */
  tags: z
    .array(z.string().regex(/^[A-Za-z0-9_+-]{1,40}$/, "ntfy tags are letters, digits, '_', '+' and '-'"))
    .max(10)
    .optional(),
});
export type CreateChannelRequest = z.infer<typeof CreateChannelRequest>;

export const DeliveryState = z.enum(["pending", "delivered", "abandoned"]);
export type DeliveryState = z.infer<typeof DeliveryState>;

/** A channel as listed: secrets are shown only as hints (the URL's origin, the key's last 4 characters). */
export const Channel = z.object({
  id: Id,
  name: z.string(),
  type: ChannelType,
  /** The URL's scheme, host and port; its path can be the secret (Slack, Discord, ntfy topics). */
  urlHint: z.string(),
  /** webhook: "…" and the signing key's last 4 characters. */
  secretHint: z.string().nullable(),
  kinds: z.array(AlertKind),
  hostTags: z.array(HostTag),
  template: z.string(),
  priority: NtfyPriority.nullable(),
  tags: z.array(z.string()),
  createdAt: Timestamp,
  lastDeliveredAt: Timestamp.nullable(),
  lastFailedAt: Timestamp.nullable(),
  lastError: z.string().nullable(),
  /** Since when every attempt has failed; null while the last attempt succeeded. */
  failingSince: Timestamp.nullable(),
  /** Deliveries delivered, waiting to be (re)tried, and given up on, of those still kept. */
  delivered: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  abandoned: z.number().int().nonnegative(),
});
export type Channel = z.infer<typeof Channel>;

export const ChannelList = z.object({ channels: z.array(Channel) });
/** The signing key appears here once, when fleetd made it; never again. */
export const ChannelCreated = z.object({ channel: Channel, secret: z.string().nullable() });

export const Delivery = z.object({
  id: Id,
  idempotencyKey: z.string(),
  channelId: Id,
  event: NotifyEvent,
  alertId: Id.nullable(),
  state: DeliveryState,
  attempts: z.number().int().nonnegative(),
  createdAt: Timestamp,
  nextAttemptAt: Timestamp.nullable(),
  deliveredAt: Timestamp.nullable(),
  lastError: z.string().nullable(),
});
export type Delivery = z.infer<typeof Delivery>;
export const DeliveryResponse = z.object({ delivery: Delivery });

/**
 * The JSON body of a generic webhook (the exact bytes are what the signature covers). The same
 * idempotencyKey arrives again only when a delivery is retried: a receiver keeps the keys it has
 * seen (for a day) and answers 2xx to a repeat without acting on it.
 */
export const WebhookNotification = z.object({
  idempotencyKey: z.string(),
  event: NotifyEvent,
  /**
   * The alert as it was when the event happened; null for a test notification. Without `silenced`:
   * a silenced alert is not notified at all.
   */
  alert: Alert.omit({ silenced: true }).nullable(),
  /** The channel's template, filled in. */
  text: z.string(),
  /** fleetd's base URL (its board). */
  fleetUrl: z.string(),
  /** When the event happened, not when this attempt was made (see the timestamp header). */
  createdAt: Timestamp,
});
export type WebhookNotification = z.infer<typeof WebhookNotification>;

/** Headers on every delivery; the signature ones on webhooks only. */
export const NOTIFY_HEADERS = {
  idempotencyKey: "idempotency-key",
  event: "x-fleet-event",
  timestamp: "x-fleet-timestamp",
  signature: "x-fleet-signature",
} as const;

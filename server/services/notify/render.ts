// What one attempt sends: the URL's body and headers for the channel's type. A generic webhook
// gets the protocol's WebhookNotification, signed over "<timestamp>.<body>"; Slack and Discord get
// their incoming-webhook JSON; ntfy gets the text as the body and title, priority and tags as
// headers. Every type carries the idempotency key and the event as headers.
import { NOTIFY_HEADERS, type WebhookNotification } from "../../../protocol/notify.ts";
import { signNotification } from "../../../protocol/notify-signature.ts";
import type { ChannelRecord } from "../../store/records/channel.ts";
import type { DeliveryRecord } from "../../store/records/delivery.ts";

export interface OutgoingRequest {
  body: string;
  headers: Record<string, string>;
}

/** What the template's placeholders stand for in this delivery. */
export interface RenderFacts {
  fleetUrl: string;
  /** The alert's subject as people know it: "web-1 (h_…)" for a host. */
  subject: string;
}

const DISCORD_MAX_CONTENT = 2000;

export function fillTemplate(
  template: string,
  delivery: Readonly<DeliveryRecord>,
  facts: RenderFacts,
): string {
  const alert = delivery.alert;
  const values: Record<string, string> = {
    event: delivery.event,
    kind: alert?.kind ?? "test",
    subject: facts.subject,
    message: alert?.message ?? "a test notification from fleetd (fleetctl notify test)",
    url: facts.fleetUrl,
  };
  return template.replace(/\{(event|kind|subject|message|url)\}/g, (_, name: string) => values[name] ?? "");
}

export function renderRequest(
  channel: Readonly<ChannelRecord>,
  delivery: Readonly<DeliveryRecord>,
  facts: RenderFacts,
  nowMs: number,
): OutgoingRequest {
  const text = fillTemplate(channel.template, delivery, facts);
  const headers: Record<string, string> = {
    [NOTIFY_HEADERS.idempotencyKey]: delivery.idempotencyKey,
    [NOTIFY_HEADERS.event]: delivery.event,
    "user-agent": "fleetd-notify",
  };
  switch (channel.type) {
    case "webhook": {
      const doc: WebhookNotification = {
        idempotencyKey: delivery.idempotencyKey,
        event: delivery.event,
        alert: delivery.alert,
        text,
        fleetUrl: facts.fleetUrl,
        createdAt: delivery.createdAt,
      };
      const body = JSON.stringify(doc);
      const timestamp = Math.floor(nowMs / 1000);
      headers["content-type"] = "application/json";
      headers[NOTIFY_HEADERS.timestamp] = String(timestamp);
      if (channel.secret)
        headers[NOTIFY_HEADERS.signature] = signNotification(channel.secret, timestamp, body);
      return { body, headers };
    }
    case "slack":
      headers["content-type"] = "application/json";
      return { body: JSON.stringify({ text: _slackEscape(text) }), headers };
    case "discord":
      headers["content-type"] = "application/json";
      // No pings: an alert's message is fleet data, and must not @everyone a server.
      return {
        body: JSON.stringify({
          content: text.slice(0, DISCORD_MAX_CONTENT),
          allowed_mentions: { parse: [] },
        }),
        headers,
      };
    case "ntfy":
      headers["content-type"] = "text/plain; charset=utf-8";
      headers.title = _headerSafe(`fleet: ${delivery.alert?.kind ?? "test"} ${delivery.event}`);
      headers.priority = String(channel.priority ?? (delivery.event === "raised" ? 4 : 3));
      headers.tags = (channel.tags.length ? channel.tags : [_defaultTag(delivery.event)]).join(",");
      headers.click = facts.fleetUrl;
      return { body: text, headers };
  }
}

/** Slack reads &, < and > as markup; text from the fleet must show as typed. */
const _slackEscape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Header values are ASCII here: anything else becomes "?". */
const _headerSafe = (value: string): string => value.replace(/[^\x20-\x7e]/g, "?");

const _defaultTag = (event: DeliveryRecord["event"]): string =>
  event === "resolved" ? "white_check_mark" : event === "test" ? "test_tube" : "warning";

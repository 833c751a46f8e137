// `fleetctl notify add|list|test|remove`: where fleetd sends alerts (docs/notifications.md).
// `list` shows each channel's last delivery and failures; `test` sends a test notification through
// the outbox and waits for its first attempt to say how it went.
import { type Channel, ChannelType, type CreateChannelRequest, type Delivery } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { formatTable } from "../format/table.ts";
import { relativeTime } from "../format/time.ts";
import { logger, paint, printJson, printText } from "../output.ts";

const channelArg = {
  channel: { type: "positional", description: "channel name or id", required: true },
} as const;

/** How often `notify test` asks about its delivery. */
const TEST_POLL_MS = 300;

export function formatChannelsTable(channels: readonly Channel[], now = Date.now()): string {
  const rows = channels.map((c) => [
    c.name,
    c.type,
    c.urlHint,
    c.kinds.length ? c.kinds.join(",") : "all",
    c.lastDeliveredAt ? relativeTime(c.lastDeliveredAt, now) : "never",
    c.failingSince ? paint.red(`failing since ${relativeTime(c.failingSince, now)}`) : "ok",
    `${c.delivered}/${c.pending}/${c.abandoned}`,
    c.lastError ?? "",
  ]);
  return formatTable(
    ["NAME", "TYPE", "URL", "KINDS", "LAST DELIVERY", "STATE", "SENT/PENDING/GAVE UP", "LAST ERROR"],
    rows,
  );
}

const list = defineFleetCommand({
  meta: { name: "list", description: "List notification channels: last delivery, failures, outbox counts" },
  args: { ...jsonArg, ...connectionArgs },
  examples: [
    "fleetctl notify list",
    "fleetctl notify list --json | jq '.channels[] | select(.failingSince)'",
  ],
  async run({ args }) {
    const { channels } = await clientFromArgs(args).call("listChannels");
    if (args.json) return printJson({ channels });
    if (!channels.length)
      return printText(
        "No notification channels. Add one with: fleetctl notify add <name> --type webhook --url …",
      );
    printText(formatChannelsTable(channels));
  },
});

const _list = (value: string | undefined): string[] | undefined =>
  value === undefined
    ? undefined
    : value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);

const add = defineFleetCommand({
  meta: { name: "add", description: "Add a channel: a signed webhook, Slack, Discord or an ntfy topic" },
  args: {
    name: { type: "positional", description: "a name for the channel", required: true },
    type: { type: "string", description: `one of ${ChannelType.options.join(", ")}`, required: true },
    url: { type: "string", description: "the webhook URL, or the ntfy topic URL", required: true },
    secret: { type: "string", description: "webhook signing key (default: fleetd makes one, shown once)" },
    kinds: { type: "string", description: "only these alert kinds, comma-separated (default: all)" },
    "host-tags": {
      type: "string",
      description: "only alerts about hosts with one of these tags, comma-separated",
    },
    template: { type: "string", description: "message text with {event} {kind} {subject} {message} {url}" },
    priority: { type: "string", description: "ntfy priority, 1-5" },
    "ntfy-tags": { type: "string", description: "ntfy tags, comma-separated" },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: [
    "fleetctl notify add ops --type webhook --url https://hooks.example.com/fleet",
    "fleetctl notify add chat --type slack --url https://hooks.slack.com/services/T0/B0/XXXX --kinds rollout_halted",
    "fleetctl notify add phone --type ntfy --url https://ntfy.sh/my-fleet-alerts --priority 5 --ntfy-tags warning",
  ],
  async run({ args }) {
    const type = ChannelType.safeParse(args.type);
    if (!type.success)
      throw new CliError(`--type must be one of ${ChannelType.options.join(", ")}, got "${args.type}"`);
    const priority = args.priority === undefined ? undefined : Number(args.priority);
    if (priority !== undefined && !(Number.isInteger(priority) && priority >= 1 && priority <= 5))
      throw new CliError(`--priority must be 1-5, got "${args.priority}"`);
    const body = {
      name: args.name,
      type: type.data,
      url: args.url,
      secret: args.secret,
      kinds: _list(args.kinds),
      hostTags: _list(args["host-tags"]),
      template: args.template,
      priority,
      tags: _list(args["ntfy-tags"]),
    } as CreateChannelRequest;
    const created = await clientFromArgs(args).call("addChannel", { body });
    if (args.json) return printJson(created);
    printText(`added ${created.channel.type} channel ${created.channel.name} (${created.channel.id})`);
    if (created.secret)
      printText(
        `signing key (shown only now; the receiver checks x-fleet-signature with it):\n  ${created.secret}`,
      );
  },
});

const remove = defineFleetCommand({
  meta: { name: "remove", description: "Remove a channel and its pending deliveries" },
  args: { ...channelArg, ...jsonArg, ...connectionArgs },
  examples: ["fleetctl notify remove ops"],
  async run({ args }) {
    const result = await clientFromArgs(args).call("removeChannel", { params: { id: args.channel } });
    if (args.json) return printJson(result);
    printText(`removed notification channel ${args.channel}`);
  },
});

const test = defineFleetCommand({
  meta: { name: "test", description: "Send a test notification through the outbox and report how it went" },
  args: {
    ...channelArg,
    timeout: { type: "string", description: "seconds to wait for the first attempt (default 30)" },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: ["fleetctl notify test ops", "fleetctl notify test ops --json"],
  async run({ args }) {
    const timeoutS = args.timeout === undefined ? 30 : Number(args.timeout);
    if (!(timeoutS > 0))
      throw new CliError(`--timeout must be a positive number of seconds, got "${args.timeout}"`);
    const client = clientFromArgs(args);
    let { delivery } = await client.call("testChannel", { params: { id: args.channel } });
    if (!args.json) logger.info(`test notification ${delivery.id} queued; waiting for the first attempt`);
    const deadline = Date.now() + timeoutS * 1000;
    while (delivery.state === "pending" && delivery.attempts === 0 && Date.now() < deadline) {
      await Bun.sleep(TEST_POLL_MS);
      ({ delivery } = await client.call("getDelivery", { params: { id: delivery.id } }));
    }
    if (args.json) printJson({ delivery });
    else printText(describeTestDelivery(delivery));
    return delivery.state === "delivered" ? 0 : 1;
  },
});

export function describeTestDelivery(d: Delivery): string {
  if (d.state === "delivered") return `delivered (${d.idempotencyKey}) after ${d.attempts} attempt(s)`;
  if (d.attempts === 0) return `not attempted yet; it stays in the outbox (fleetctl notify list shows it)`;
  const retry = d.state === "pending" && d.nextAttemptAt ? `; fleetd retries at ${d.nextAttemptAt}` : "";
  return `${d.state === "abandoned" ? "abandoned" : "failed"}: ${d.lastError ?? "no reason"}${retry}`;
}

export default defineFleetCommand({
  meta: { name: "notify", description: "Manage notification channels (webhook, Slack, Discord, ntfy)" },
  subCommands: { add, list, test, remove },
  examples: ["fleetctl notify list", "fleetctl notify test ops"],
});

// /api/v1/notify: notification channels (add, list, remove, test) and the outbox's deliveries.
import type { ServerContext } from "../../context.ts";
import { auditActor } from "../../context.ts";
import { notFound } from "../../errors.ts";
import { recordAudit } from "../../services/audit.ts";
import { addChannel, channelToWire, findChannel } from "../../services/notify/channels.ts";
import { enqueueTest } from "../../services/notify/outbox.ts";
import { deliveryToWire } from "../../store/records/delivery.ts";
import type { RouteHandler, RouteHandlers } from "../define.ts";

const listChannels: RouteHandler<"listChannels"> = (c) => {
  const ctx: ServerContext = c.get("fleet");
  return { channels: ctx.store.listChannels().map((ch) => channelToWire(ctx, ch)) };
};

const addChannelRoute: RouteHandler<"addChannel"> = async (c, { body }) => {
  const ctx = c.get("fleet");
  const { record, madeSecret } = await addChannel(ctx, body, c.req.url);
  await recordAudit(ctx, auditActor(c.get("principal")), "notify.channel_added", record.id, {
    name: record.name,
    type: record.type,
  });
  return { channel: channelToWire(ctx, record), secret: madeSecret };
};

const removeChannel: RouteHandler<"removeChannel"> = async (c, { params }) => {
  const ctx = c.get("fleet");
  const channel = findChannel(ctx, params.id);
  await ctx.store.deleteChannel(channel.id);
  await recordAudit(ctx, auditActor(c.get("principal")), "notify.channel_removed", channel.id, {
    name: channel.name,
  });
  return { ok: true };
};

const testChannel: RouteHandler<"testChannel"> = async (c, { params }) => {
  const ctx = c.get("fleet");
  const channel = findChannel(ctx, params.id);
  const delivery = await enqueueTest(ctx, channel);
  await recordAudit(ctx, auditActor(c.get("principal")), "notify.test_sent", channel.id, {
    delivery: delivery.id,
  });
  return { delivery: deliveryToWire(delivery) };
};

const getDelivery: RouteHandler<"getDelivery"> = (c, { params }) => {
  const delivery = c.get("fleet").store.getDelivery(params.id);
  if (!delivery) throw notFound(`no notification delivery with id "${params.id}"`);
  return { delivery: deliveryToWire(delivery) };
};

export const notifyRoutes = {
  listChannels,
  addChannel: addChannelRoute,
  removeChannel,
  testChannel,
  getDelivery,
} satisfies RouteHandlers;

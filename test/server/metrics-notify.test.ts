// The notification series in GET /metrics, counted delivery by delivery against real receivers on
// loopback: a webhook that refuses twice then accepts shows exactly 2 failed attempts, 1 delivery
// and the delivery pending in between; each channel has its own series by name and type; a
// removed channel's series go, and a channel added again under its name starts at 0.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeTempDirs, startTestApp, type TestApp, waitFor } from "./helpers.ts";
import { type Sample, sampleValue, scrapeApp } from "./metrics-samples.ts";
import { TestReceiver } from "./notify-receiver.ts";

// Retries 0.75-1.5 s apart: long enough to scrape between two attempts, short enough for a test.
const SLOW_RETRIES = { notifyBackoffBaseMs: 1500, notifyBackoffCapMs: 1500, sweepIntervalMs: 50 };

let app: TestApp;
let hook: TestReceiver;
let chat: TestReceiver;
const admin = () => ({ token: app.adminToken });

beforeAll(async () => {
  app = await startTestApp(SLOW_RETRIES);
  hook = TestReceiver.start(2);
  chat = TestReceiver.start();
});

afterAll(async () => {
  await app.close();
  await hook.stop();
  await chat.stop();
  removeTempDirs();
});

async function addChannel(name: string, type: string, url: string): Promise<string> {
  const reply = await app.call("POST", "/api/v1/notify/channels", { ...admin(), json: { name, type, url } });
  expect(reply.status).toBe(201);
  return reply.body.channel.id;
}

async function sendTest(channel: string): Promise<string> {
  const reply = await app.call("POST", `/api/v1/notify/channels/${channel}/test`, admin());
  expect(reply.status).toBe(201);
  return reply.body.delivery.id;
}

const delivery = async (id: string) =>
  (await app.call("GET", `/api/v1/notify/deliveries/${id}`, admin())).body.delivery as {
    state: string;
    attempts: number;
  };

/** The three notification series of one channel. */
function seriesOf(samples: Sample[], channel: string, type: string) {
  const labels = { channel, type };
  return {
    delivered: sampleValue(samples, "fleet_notify_deliveries_total", labels),
    failed: sampleValue(samples, "fleet_notify_attempts_failed_total", labels),
    pending: sampleValue(samples, "fleet_notify_deliveries_pending", labels),
  };
}

const channelsIn = (samples: Sample[]) =>
  samples
    .filter((s) => s.name.startsWith("fleet_notify_"))
    .map((s) => `${s.name}{${s.labels.channel},${s.labels.type}}`)
    .sort();

describe("notification deliveries and failures by channel", () => {
  test("no channel, no notification samples", async () => {
    expect(channelsIn(await scrapeApp(app))).toEqual([]);
  });

  test("a new channel's series start at 0", async () => {
    await addChannel("ops-hook", "webhook", `${hook.url}/hook`);
    expect(seriesOf(await scrapeApp(app), "ops-hook", "webhook")).toEqual({
      delivered: 0,
      failed: 0,
      pending: 0,
    });
  });

  test("refused twice, then accepted: pending with 1 failure, then 2 failures and 1 delivery", async () => {
    const id = await sendTest("ops-hook");
    await waitFor(async () => (await delivery(id)).attempts === 1, 5000, "the first attempt");
    expect(seriesOf(await scrapeApp(app), "ops-hook", "webhook")).toEqual({
      delivered: 0,
      failed: 1,
      pending: 1,
    });
    await waitFor(async () => (await delivery(id)).state === "delivered", 10_000, "the delivery");
    expect(await delivery(id)).toMatchObject({ state: "delivered", attempts: 3 });
    expect(hook.requests).toHaveLength(3);
    expect(seriesOf(await scrapeApp(app), "ops-hook", "webhook")).toEqual({
      delivered: 1,
      failed: 2,
      pending: 0,
    });
  });

  test("each channel counts its own, labelled with its type", async () => {
    await addChannel("team-chat", "slack", `${chat.url}/services/T0/B0/X`);
    const id = await sendTest("team-chat");
    await waitFor(async () => (await delivery(id)).state === "delivered", 5000, "the Slack delivery");
    const samples = await scrapeApp(app);
    expect(seriesOf(samples, "team-chat", "slack")).toEqual({ delivered: 1, failed: 0, pending: 0 });
    expect(seriesOf(samples, "ops-hook", "webhook")).toEqual({ delivered: 1, failed: 2, pending: 0 });
  });

  test("a removed channel's series go; added again under its name, it starts at 0", async () => {
    expect((await app.call("DELETE", "/api/v1/notify/channels/ops-hook", admin())).status).toBe(200);
    expect(channelsIn(await scrapeApp(app))).toEqual([
      "fleet_notify_attempts_failed_total{team-chat,slack}",
      "fleet_notify_deliveries_pending{team-chat,slack}",
      "fleet_notify_deliveries_total{team-chat,slack}",
    ]);
    await addChannel("ops-hook", "ntfy", `${hook.url}/alerts`);
    expect(seriesOf(await scrapeApp(app), "ops-hook", "ntfy")).toEqual({
      delivered: 0,
      failed: 0,
      pending: 0,
    });
  });
});

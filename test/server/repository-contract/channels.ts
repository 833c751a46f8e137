// The repository contract on notification channels:
// every outcome, and the races two replicas can start.
import { describe, expect, test } from "bun:test";
import type { ChannelRecord } from "../../../server/store/records/channel.ts";
import type { DeliveryRecord } from "../../../server/store/records/delivery.ts";
import { isoAt, NOW, type OpenRepository, usingRepo } from "./fixtures.ts";

const channel = (id: string, name = id): ChannelRecord => ({
  id,
  name,
  type: "webhook",
  url: "http://127.0.0.1:9/hook",
  secret: "s".repeat(32),
  kinds: [],
  hostTags: [],
  template: "{{message}}",
  priority: null,
  tags: [],
  createdAt: NOW.toISOString(),
  lastDeliveredAt: null,
  lastFailedAt: null,
  lastError: null,
  failingSince: null,
});

const delivery = (id: string, key: string, channelId = "ch_1"): DeliveryRecord => ({
  id,
  idempotencyKey: key,
  channelId,
  event: "test",
  alertId: null,
  alert: null,
  state: "pending",
  attempts: 0,
  createdAt: NOW.toISOString(),
  nextAttemptAt: null,
  deliveredAt: null,
  settledAt: null,
  lastError: null,
});

export function channelsContract(name: string, open: OpenRepository): void {
  const withRepo = usingRepo(open);

  describe(`the ${name} repository: notification channels`, () => {
    test(
      "a channel is added unless its name is taken or the limit is reached",
      withRepo(async (r) => {
        expect(await r.repo.addChannel(channel("ch_1", "ops"), 2)).toEqual({
          kind: "added",
          channel: channel("ch_1", "ops"),
        });
        expect(await r.repo.addChannel(channel("ch_2", "ops"), 2)).toEqual({ kind: "name_taken" });
        expect((await r.repo.addChannel(channel("ch_3", "dev"), 2)).kind).toBe("added");
        expect(await r.repo.addChannel(channel("ch_4", "qa"), 2)).toEqual({ kind: "limit_reached" });
        expect(r.read.channels().map((c) => c.id)).toEqual(["ch_1", "ch_3"]);
      }),
    );

    test(
      "two adds of one name at once, and two at the last free place: one each",
      withRepo(async (r) => {
        const named = await Promise.all([
          r.repo.addChannel(channel("ch_1", "ops"), 2),
          r.repo.addChannel(channel("ch_2", "ops"), 2),
        ]);
        expect(named.map((o) => o.kind).sort()).toEqual(["added", "name_taken"]);
        const last = await Promise.all([
          r.repo.addChannel(channel("ch_3", "dev"), 2),
          r.repo.addChannel(channel("ch_4", "qa"), 2),
        ]);
        expect(last.map((o) => o.kind).sort()).toEqual(["added", "limit_reached"]);
        expect(r.read.channels()).toHaveLength(2);
      }),
    );

    test(
      "attempts: a failure marks since when, a success clears it, both count at once; a removed channel stays removed",
      withRepo(async (r) => {
        await r.repo.addChannel(channel("ch_1"), 5);
        const later = new Date(NOW.getTime() + 1000);
        await Promise.all([
          r.repo.recordChannelAttempt("ch_1", { ok: false, error: "HTTP 500" }, NOW),
          r.repo.recordChannelAttempt("ch_1", { ok: false, error: "timed out" }, later),
        ]);
        expect(r.read.channels()[0]).toMatchObject({
          lastFailedAt: isoAt(1000),
          lastError: "timed out",
          failingSince: NOW.toISOString(),
        });
        const ok = await r.repo.recordChannelAttempt("ch_1", { ok: true }, later);
        expect(ok).toMatchObject({
          kind: "recorded",
          channel: { lastDeliveredAt: isoAt(1000), failingSince: null },
        });
        await r.removeChannel("ch_1");
        expect(await r.repo.recordChannelAttempt("ch_1", { ok: true }, later)).toEqual({ kind: "unknown" });
        expect(r.read.channels()).toEqual([]);
      }),
    );

    test(
      "the outbox: a key is enqueued once, at once too; none for a channel that is gone",
      withRepo(async (r) => {
        await r.repo.addChannel(channel("ch_1"), 5);
        const [a, b] = await Promise.all([
          r.repo.enqueueDelivery(delivery("n_1", "k1")),
          r.repo.enqueueDelivery(delivery("n_2", "k1")),
        ]);
        expect([a.kind, b.kind].sort()).toEqual(["already_enqueued", "enqueued"]);
        expect(await r.repo.enqueueDelivery(delivery("n_3", "k3", "ch_gone"))).toEqual({
          kind: "channel_unknown",
        });
        expect([r.read.delivery("n_1")?.idempotencyKey, r.read.delivery("n_3")]).toEqual(["k1", undefined]);
      }),
    );

    test(
      "an attempt lands only on the delivery as read; one removed with its channel is not put back",
      withRepo(async (r) => {
        await r.repo.addChannel(channel("ch_1"), 5);
        await r.repo.enqueueDelivery(delivery("n_1", "k1"));
        const read = r.read.delivery("n_1")!;
        const tried = { ...read, attempts: 1, lastError: "HTTP 500" };
        expect(await r.repo.updateDelivery(read, tried)).toMatchObject({
          kind: "updated",
          delivery: { attempts: 1 },
        });
        expect(await r.repo.updateDelivery(read, { ...read, attempts: 9 })).toMatchObject({
          kind: "changed_meanwhile",
          current: { attempts: 1 },
        });
        const again = r.read.delivery("n_1")!;
        await r.removeChannel("ch_1");
        expect(await r.repo.updateDelivery(again, { ...again, attempts: 2 })).toEqual({
          kind: "changed_meanwhile",
          current: undefined,
        });
        expect(r.read.delivery("n_1")).toBeUndefined();
      }),
    );
  });
}

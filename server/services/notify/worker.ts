// The outbox worker: sends every pending delivery that is due, a few at a time, and records each
// attempt before the next. Kicked when something is enqueued and on every sweeper tick, so a
// delivery due for retry, or left pending by a fleetd that was killed mid-send, goes out without
// anyone asking. A failure is retried with exponential backoff and jitter until notifyRetryForMs
// after the event, then abandoned; a channel failing for notifyFailingAlertMs raises
// notification_failing (never sent through that channel), resolved by its next success.
import { backoffDelay } from "../../../lib/backoff-delay.ts";
import { mapLimit } from "../../../lib/map-limit.ts";
import type { ServerContext } from "../../context.ts";
import type { DeliveryRecord } from "../../store/records/delivery.ts";
import { openAlert, raiseAlert, resolveAlert } from "../alerts.ts";
import { renderRequest } from "./render.ts";
import { type SendResult, sendRequest } from "./send.ts";

export class OutboxWorker {
  private running = false;
  private again = false;
  private stopped = false;
  private current: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: ServerContext) {}

  /** Starts a pass over the outbox, or asks the running one to look again when it ends. */
  kick(): void {
    if (this.stopped || !this._leads()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.current = this._pass()
      .catch((err) => this.ctx.log.error("notification outbox pass failed", err))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** No new passes; waits for the one running (its attempts are bounded by notifyTimeoutMs). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.current;
  }

  private async _pass(): Promise<void> {
    const now = Date.now();
    await this._raiseForFailingChannels(now);
    const due = [...this.ctx.store.listDeliveries()].filter(
      (d) => d.state === "pending" && (d.nextAttemptAt === null || Date.parse(d.nextAttemptAt) <= now),
    );
    await mapLimit(due, this.ctx.config.notifyParallelDeliveries, (d) => this._attempt(d));
  }

  private async _attempt(delivery: Readonly<DeliveryRecord>): Promise<void> {
    const channel = this.ctx.store.getChannel(delivery.channelId);
    if (!channel || this.stopped || !this._leads()) return;
    const request = renderRequest(channel, delivery, this._facts(delivery), Date.now());
    const result = await sendRequest(channel.url, request, this.ctx.config.notifyTimeoutMs);
    // The channel may have been removed, and its deliveries with it, while the request was out.
    const now = this.ctx.store.getDelivery(delivery.id);
    if (now?.state !== "pending") return;
    this.ctx.metrics.notify.attempted(now.channelId, result.ok);
    // Only onto the delivery as read: one removed with its channel meanwhile is not put back.
    await Promise.all([
      this.ctx.repo.updateDelivery(now, this._after(now, result)),
      this._recordOnChannel(now, result),
    ]);
    if (result.ok)
      await resolveAlert(this.ctx, "notification_failing", now.channelId, "a delivery succeeded");
  }

  /** Only the replica leading "notify" sends; the others leave the outbox to it. */
  private _leads(): boolean {
    return this.ctx.coordinator.leadership("notify").isLeader();
  }

  private _after(d: Readonly<DeliveryRecord>, result: SendResult): DeliveryRecord {
    const now = Date.now();
    const at = new Date(now).toISOString();
    const attempts = d.attempts + 1;
    if (result.ok)
      return {
        ...d,
        attempts,
        state: "delivered",
        deliveredAt: at,
        settledAt: at,
        nextAttemptAt: null,
        lastError: null,
      };
    const { notifyBackoffBaseMs, notifyBackoffCapMs, notifyRetryForMs } = this.ctx.config;
    const giveUpAt = Date.parse(d.createdAt) + notifyRetryForMs;
    if (now >= giveUpAt)
      return {
        ...d,
        attempts,
        state: "abandoned",
        settledAt: at,
        nextAttemptAt: null,
        lastError: result.error,
      };
    // The last try lands on the deadline rather than a backoff step past it.
    const next = Math.min(now + backoffDelay(d.attempts, notifyBackoffBaseMs, notifyBackoffCapMs), giveUpAt);
    return { ...d, attempts, nextAttemptAt: new Date(next).toISOString(), lastError: result.error };
  }

  /** One intent, so two attempts finishing together both count and a removed channel stays removed. */
  private async _recordOnChannel(d: Readonly<DeliveryRecord>, result: SendResult): Promise<void> {
    const attempt = result.ok ? { ok: true as const } : { ok: false as const, error: result.error };
    await this.ctx.repo.recordChannelAttempt(d.channelId, attempt, new Date());
  }

  private async _raiseForFailingChannels(now: number): Promise<void> {
    for (const channel of this.ctx.store.listChannels()) {
      if (
        !channel.failingSince ||
        now - Date.parse(channel.failingSince) < this.ctx.config.notifyFailingAlertMs
      )
        continue;
      if (openAlert(this.ctx, "notification_failing", channel.id)) continue;
      await raiseAlert(
        this.ctx,
        "notification_failing",
        channel.id,
        `notifications to channel ${channel.name} (${channel.type}) have failed since ${channel.failingSince}: ` +
          `${channel.lastError ?? "no answer"}; fix the receiver or the URL, then check with 'fleetctl notify test ${channel.name}'`,
      );
    }
  }

  private _facts(d: Readonly<DeliveryRecord>) {
    const subjectId = d.alert?.subject ?? d.channelId;
    const host = d.alert ? this.ctx.store.getHost(subjectId) : undefined;
    const channel = d.alert ? undefined : this.ctx.store.getChannel(d.channelId);
    const subject = host ? `${host.name} (${host.id})` : channel ? `channel ${channel.name}` : subjectId;
    return { fleetUrl: this.ctx.publicUrl, subject };
  }
}

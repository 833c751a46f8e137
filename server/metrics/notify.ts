// The notification series: deliveries a receiver accepted and attempts that failed, counted by
// the outbox worker as each attempt ends, and the deliveries pending in the outbox, read at scrape
// time. Labelled by the channel's name and type: channels are operator-made and capped at
// notifyMaxChannels, so the series stay few. Counts are kept by channel id and shown only for the
// channels the store has at the scrape, so a removed channel's series go with it, and a channel
// added again under the same name starts at 0 (a counter reset, which rate() and increase() expect).
import { Counter, Gauge, type Registry } from "prom-client";
import type { ChannelType } from "../../protocol/notify.ts";

/** A channel as the scrape sees it: who it is and how many of its deliveries wait in the outbox. */
export interface ChannelSnapshot {
  id: string;
  name: string;
  type: ChannelType;
  pending: number;
}

interface AttemptCounts {
  delivered: number;
  failed: number;
}

const LABELS = ["channel", "type"] as const;
type Label = (typeof LABELS)[number];
const labelsOf = (c: ChannelSnapshot) => ({ channel: c.name, type: c.type });

export class NotifySeries {
  private readonly counts = new Map<string, AttemptCounts>();

  constructor(
    registry: Registry,
    private readonly channels: () => readonly ChannelSnapshot[],
  ) {
    const self = this;
    const counted = (pick: (counts: AttemptCounts) => number) =>
      function (this: Counter<Label>) {
        this.reset();
        for (const channel of self.current()) this.inc(labelsOf(channel), pick(self.countsOf(channel.id)));
      };
    new Counter({
      name: "fleet_notify_deliveries_total",
      help: "Notifications a channel's receiver accepted (a 2xx answer), by channel name and type.",
      labelNames: LABELS,
      registers: [registry],
      collect: counted((c) => c.delivered),
    });
    new Counter({
      name: "fleet_notify_attempts_failed_total",
      help: "Delivery attempts that failed (an error status, no answer, unreachable), by channel name and type.",
      labelNames: LABELS,
      registers: [registry],
      collect: counted((c) => c.failed),
    });
    new Gauge({
      name: "fleet_notify_deliveries_pending",
      help: "Deliveries in the outbox waiting for their first attempt or a retry, by channel name and type.",
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.reset();
        for (const channel of self.current()) this.set(labelsOf(channel), channel.pending);
      },
    });
  }

  /** One attempt to deliver through the channel ended; `ok` when the receiver accepted it. */
  attempted(channelId: string, ok: boolean): void {
    const counts = this.countsOf(channelId);
    if (ok) counts.delivered++;
    else counts.failed++;
    this.counts.set(channelId, counts);
  }

  /** The channels there are now; the counts of any removed since are dropped, never shown again. */
  private current(): readonly ChannelSnapshot[] {
    const channels = this.channels();
    const ids = new Set(channels.map((c) => c.id));
    for (const id of this.counts.keys()) if (!ids.has(id)) this.counts.delete(id);
    return channels;
  }

  private countsOf(channelId: string): AttemptCounts {
    return this.counts.get(channelId) ?? { delivered: 0, failed: 0 };
  }
}

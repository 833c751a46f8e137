// The outbox in memory: deliveries by id in the order they were made, and by idempotency key, so
// an event enqueued twice (a retried request, a restart in between) stays one delivery. Settled
// ones (delivered, abandoned) are kept for `fleetctl notify list` and receivers' questions, up to
// a bound; pending ones are never dropped.
import type { DeliveryRecord } from "./records/delivery.ts";

export class OutboxIndex {
  private readonly byId = new Map<string, DeliveryRecord>();
  private readonly byKey = new Map<string, string>();

  constructor(private readonly settledKept: number) {}

  get(id: string): DeliveryRecord | undefined {
    return this.byId.get(id);
  }

  findByKey(key: string): DeliveryRecord | undefined {
    const id = this.byKey.get(key);
    return id === undefined ? undefined : this.byId.get(id);
  }

  all(): Iterable<DeliveryRecord> {
    return this.byId.values();
  }

  set(delivery: DeliveryRecord): void {
    this.byId.set(delivery.id, delivery);
    this.byKey.set(delivery.idempotencyKey, delivery.id);
  }

  delete(id: string): void {
    const delivery = this.byId.get(id);
    if (delivery && this.byKey.get(delivery.idempotencyKey) === id)
      this.byKey.delete(delivery.idempotencyKey);
    this.byId.delete(id);
  }

  /** Settled deliveries beyond the newest `settledKept`, oldest first: what compaction drops. */
  overflow(): string[] {
    const settled: string[] = [];
    for (const d of this.byId.values()) if (d.state !== "pending") settled.push(d.id);
    return settled.slice(0, Math.max(0, settled.length - this.settledKept));
  }
}

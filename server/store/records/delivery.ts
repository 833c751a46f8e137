// One notification in the outbox (outbox.json + outbox.journal.jsonl): written before its first
// attempt, changed after each one, and kept a while once delivered or abandoned. It carries the
// alert as it was at the event, so a retry a day later says what happened then, not what is now.
import type { z } from "zod";
import { Id, Timestamp } from "../../../protocol/common.ts";
import { Delivery } from "../../../protocol/notify.ts";
import { AlertRecord } from "./alert.ts";
import { keepFields } from "./fields.ts";

export const DeliveryRecord = Delivery.extend({
  alert: AlertRecord.nullable(),
  channelId: Id,
  /** When the current state began (delivered or abandoned): what compaction keeps by. */
  settledAt: Timestamp.nullable(),
});
export type DeliveryRecord = z.infer<typeof DeliveryRecord>;

export const deliveryRecordFrom = (d: DeliveryRecord): DeliveryRecord => keepFields(DeliveryRecord, d);

export const deliveryToWire = (d: Readonly<DeliveryRecord>): Delivery => keepFields(Delivery, d);

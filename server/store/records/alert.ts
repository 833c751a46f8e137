// An alert as fleetd stores it (alerts.json), and the one mapping to the API's Alert. Every wire
// field but `silenced` (computed from the silences when read) is stored, named one by one so that
// a field the API grows is not stored unasked.
import type { z } from "zod";
import { Alert } from "../../../protocol/alerts.ts";
import { keepFields } from "./fields.ts";

export const AlertRecord = Alert.pick({
  id: true,
  kind: true,
  subject: true,
  message: true,
  raisedAt: true,
  resolvedAt: true,
  resolution: true,
  ackedAt: true,
  ackedBy: true,
});
export type AlertRecord = z.infer<typeof AlertRecord>;

export const alertRecordFrom = (alert: AlertRecord): AlertRecord => keepFields(AlertRecord, alert);

export const alertToWire = (record: Readonly<AlertRecord>, silenced: boolean): Alert => ({
  ...keepFields(AlertRecord, record),
  silenced,
});

// A silence as fleetd stores it (alert-silences.json): a host or an alert kind whose alerts are
// marked silenced until `until`. Expired silences are dropped on the next change.
import { z } from "zod";
import { AlertSilence } from "../../../protocol/alerts.ts";
import { keepFields } from "./fields.ts";

export const AlertSilenceRecord = AlertSilence.pick({
  subject: true,
  subjectType: true,
  until: true,
  createdAt: true,
  createdBy: true,
});
export type AlertSilenceRecord = z.infer<typeof AlertSilenceRecord>;

export const AlertSilencesFile = z.object({ silences: z.array(AlertSilenceRecord) });

export const alertSilenceRecordFrom = (silence: AlertSilenceRecord): AlertSilenceRecord =>
  keepFields(AlertSilenceRecord, silence);

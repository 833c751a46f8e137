// An enroll token as fleetd stores it, and the one mapping to what the operator sees of it: the
// record has the token's hash, the API an id derived from the hash and a state derived from the
// dates, never the hash.
import { z } from "zod";
import { EnrollTokenInfo } from "../../../protocol/enroll.ts";
import { enrollTokenId } from "../../services/ids.ts";
import { keepFields } from "./fields.ts";

const _StoredTokenFields = EnrollTokenInfo.pick({
  createdAt: true,
  expiresAt: true,
  note: true,
  usedAt: true,
  usedByHostId: true,
  revokedAt: true,
});

export const EnrollTokenRecord = _StoredTokenFields.extend({
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type EnrollTokenRecord = z.infer<typeof EnrollTokenRecord>;

export const enrollTokenRecordFrom = (token: EnrollTokenRecord): EnrollTokenRecord =>
  keepFields(EnrollTokenRecord, token);

export function enrollTokenToWire(record: Readonly<EnrollTokenRecord>, now = Date.now()): EnrollTokenInfo {
  const state = record.revokedAt
    ? "revoked"
    : record.usedAt
      ? "used"
      : Date.parse(record.expiresAt) <= now
        ? "expired"
        : "unused";
  return { id: enrollTokenId(record.tokenHash), ...keepFields(_StoredTokenFields, record), state };
}

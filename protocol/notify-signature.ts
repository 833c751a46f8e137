// Signing and checking a webhook notification: HMAC-SHA256 with the channel's key over
// "<timestamp>.<raw body>", hex, sent as `x-fleet-signature: sha256=<hex>` beside
// `x-fleet-timestamp: <unix seconds>`. The timestamp inside the signed bytes lets a receiver refuse
// a captured request replayed later. A receiver imports verifyNotification, or does the same in
// its own language (docs/notifications.md).
import { createHmac, timingSafeEqual } from "node:crypto";

/** A notification signed longer ago than this (or this far ahead) is refused as a replay. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function signNotification(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export interface SignedRequest {
  secret: string;
  /** The raw body as received, before any JSON parsing. */
  body: string;
  timestamp: string | null;
  signature: string | null;
  nowSeconds?: number;
  toleranceSeconds?: number;
}

/** null when the request is genuine and fresh, else why not. */
export function verifyNotification(req: SignedRequest): string | null {
  if (!req.timestamp || !/^\d{1,12}$/.test(req.timestamp)) return "missing or malformed timestamp";
  if (!req.signature) return "missing signature";
  const now = req.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = req.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(now - Number(req.timestamp)) > tolerance) return "timestamp outside the tolerance (replay?)";
  const want = Buffer.from(signNotification(req.secret, Number(req.timestamp), req.body));
  const got = Buffer.from(req.signature);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return "signature does not match";
  return null;
}

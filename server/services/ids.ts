// Every id fleetd makes, in one place so each kind keeps its prefix and shape: short random ids for
// hosts, jobs, alerts and rollouts (readable in logs and URLs, unguessable enough not to collide),
// and enroll-token ids derived from the token's hash.
import { createHash, randomBytes } from "node:crypto";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function _randomBase32(length: number): string {
  let out = "";
  for (const byte of randomBytes(length)) out += BASE32[byte & 31];
  return out;
}

const _randomHex = (bytes: number): string => randomBytes(bytes).toString("hex");

export const newHostId = (): string => `h_${_randomBase32(10)}`;
export const newJobId = (): string => `j_${_randomBase32(12)}`;
export const newAlertId = (): string => `a_${_randomHex(6)}`;
export const newRolloutId = (): string => `r_${_randomHex(5)}`;
export const newChannelId = (): string => `ch_${_randomBase32(10)}`;
export const newDeliveryId = (): string => `n_${_randomBase32(12)}`;

/**
 * A hash of the hash, so listing enroll tokens never shows the token or the hash a leaked data dir
 * would let anyone match, and tokens minted before ids existed have one too.
 */
export function enrollTokenId(tokenHash: string): string {
  // Hex, not base64url: no "_" inside, so "fe_" (how a token starts) never appears in an id.
  const digest = createHash("sha256").update(`enroll-token-id:${tokenHash}`).digest("hex");
  return `et_${digest.slice(0, 16)}`;
}

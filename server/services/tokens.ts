// Bearer tokens: 32 random bytes behind a kind prefix. Only SHA-256 hashes are ever stored, and
// hashes are compared in constant time. A host token names its host so lookup needs no scan.
import { randomBytes } from "node:crypto";
import { sha256Hex } from "../../lib/sha256-file.ts";

const TOKEN_BYTES = 32;
/** base64url of 32 bytes without padding. */
const SECRET_LENGTH = 43;
const SECRET = /^[A-Za-z0-9_-]+$/;

export type TokenKind = "admin" | "host" | "enroll";

export type ParsedToken = { kind: "admin" } | { kind: "enroll" } | { kind: "host"; hostId: string };

const secret = () => randomBytes(TOKEN_BYTES).toString("base64url");

export const newAdminToken = (): string => `fa_${secret()}`;
export const newEnrollToken = (): string => `fe_${secret()}`;
export const newHostToken = (hostId: string): string => `fh_${hostId}_${secret()}`;

// Every agent request hashes its token: Bun's hasher in one call, not node:crypto's Hash object
// and Buffers (a tenth of a poll's time in fleetd).
export const hashToken = (token: string): string => sha256Hex(token);

/** Two hex hashes compared in constant time: every character is looked at whatever differs. */
export function hashesEqual(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Reads the kind (and host id) from a token's shape; says nothing about whether it is valid. */
export function parseToken(token: string): ParsedToken | null {
  if (!SECRET.test(token) || token.length < SECRET_LENGTH + 3) return null;
  if (token.startsWith("fa_") && token.length === SECRET_LENGTH + 3) return { kind: "admin" };
  if (token.startsWith("fe_") && token.length === SECRET_LENGTH + 3) return { kind: "enroll" };
  if (token.startsWith("fh_")) {
    // fh_<hostId>_<secret>: the secret has a fixed length, so the host id may itself contain "_".
    const separator = token.length - SECRET_LENGTH - 1;
    const hostId = token.slice(3, separator);
    if (hostId.length > 0 && token[separator] === "_") return { kind: "host", hostId };
  }
  return null;
}

// What an artifact signature covers, and how it is checked. The signed message binds the
// SHA-256 to the program, target, size and version, so a valid signature for one
// platform's or one version's binary cannot be replayed for another.
import { createPublicKey, type KeyObject, sign, verify } from "node:crypto";

export interface SignedFields {
  program: string;
  target: string;
  version: string;
  size: number;
  sha256: string;
}

export function signedMessage(a: SignedFields): Buffer {
  return Buffer.from(`fleet-artifact-v1\n${a.program}\n${a.target}\n${a.version}\n${a.size}\n${a.sha256}\n`);
}

export function signArtifact(fields: SignedFields, privateKey: KeyObject): string {
  return sign(null, signedMessage(fields), privateKey).toString("base64");
}

/** True when `signature` verifies against any of the trusted keys (base64 SPKI DER). */
export function verifyArtifact(
  fields: SignedFields,
  signature: string,
  trustedKeys: readonly string[],
): boolean {
  const sig = Buffer.from(signature, "base64");
  if (sig.length !== 64) return false;
  return trustedKeys.some((key) => {
    try {
      const publicKey = createPublicKey({ key: Buffer.from(key, "base64"), format: "der", type: "spki" });
      return verify(null, signedMessage(fields), publicKey, sig);
    } catch {
      return false;
    }
  });
}

// What an artifact signature covers, and how it is checked. The signed message binds the
// SHA-256 to the program, target, size and version, so a valid signature for one
// platform's or one version's binary cannot be replayed for another. Checked with Web Crypto,
// not node:crypto: this file is in every agent, and node:crypto costs an idle agent ~2 MB of
// resident memory (bench/RESULTS.md, "Agent RSS"). Signing is lib/artifact-signing.ts.

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

/** True when `signature` verifies against any of the trusted keys (base64 SPKI DER). */
export async function verifyArtifact(
  fields: SignedFields,
  signature: string,
  trustedKeys: readonly string[],
): Promise<boolean> {
  const sig = _bytes(Buffer.from(signature, "base64"));
  if (sig.length !== 64) return false;
  const message = _bytes(signedMessage(fields));
  for (const key of trustedKeys) {
    try {
      const publicKey = await crypto.subtle.importKey(
        "spki",
        _bytes(Buffer.from(key, "base64")),
        "Ed25519",
        false,
        ["verify"],
      );
      if (await crypto.subtle.verify("Ed25519", publicKey, sig, message)) return true;
    } catch {
      // Not an Ed25519 key: it verifies nothing.
    }
  }
  return false;
}

/** Web Crypto takes bytes on an ArrayBuffer of their own, which a Buffer may not be. */
const _bytes = (buffer: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(buffer);

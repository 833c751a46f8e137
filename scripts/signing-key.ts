// The ed25519 key the build signs artifacts with. A real release passes --signing-key
// (or FLEET_SIGNING_KEY) pointing at a PEM file kept outside the repo. Without one, a dev
// key is generated once per machine in ~/.config/fleet/ and reused by every later build
// there, so that successive local builds can update each other.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../lib/atomic-write.ts";

export const DEV_KEY_PATH = join(
  process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"),
  "fleet",
  "dev-signing-key.pem",
);

export interface SigningKey {
  path: string;
  privateKey: KeyObject;
  /** base64 SPKI DER, as compiled into the agent. */
  publicKey: string;
  dev: boolean;
}

export function loadSigningKey(explicitPath?: string): SigningKey {
  const path = explicitPath ?? process.env.FLEET_SIGNING_KEY;
  if (path) return _load(path, false);
  if (!existsSync(DEV_KEY_PATH)) {
    const { privateKey } = generateKeyPairSync("ed25519");
    mkdirSync(dirname(DEV_KEY_PATH), { recursive: true, mode: 0o700 });
    writeFileAtomic(DEV_KEY_PATH, privateKey.export({ format: "pem", type: "pkcs8" }).toString(), 0o600);
  }
  return _load(DEV_KEY_PATH, true);
}

function _load(path: string, dev: boolean): SigningKey {
  if (!existsSync(path)) throw new Error(`signing key ${path} does not exist`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (err) {
    throw new Error(`signing key ${path} is not a PEM private key: ${(err as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new Error(`signing key ${path} is ${privateKey.asymmetricKeyType}, expected ed25519`);
  }
  const publicKey = createPublicKey(privateKey).export({ format: "der", type: "spki" }).toString("base64");
  return { path, privateKey, publicKey, dev };
}

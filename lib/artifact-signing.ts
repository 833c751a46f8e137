// Signs an artifact at build time (scripts/build.ts, the test harness); agents only verify
// (lib/artifact-signature.ts), so node:crypto stays out of their binary.
import { type KeyObject, sign } from "node:crypto";
import { type SignedFields, signedMessage } from "./artifact-signature.ts";

export function signArtifact(fields: SignedFields, privateKey: KeyObject): string {
  return sign(null, signedMessage(fields), privateKey).toString("base64");
}

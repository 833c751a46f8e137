// The operator's admin token, made on first start. The plaintext goes to DATA/admin-token (0600)
// for the operator to pick up; fleetd itself keeps only the hash.
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import type { Store } from "../store/types.ts";
import { hashToken, newAdminToken } from "./tokens.ts";

export const ADMIN_TOKEN_FILE = "admin-token";

/** Returns the new token on first start, null when one already exists. */
export async function ensureAdminToken(store: Store): Promise<string | null> {
  if (store.getAdminTokenHash() !== null) return null;
  const token = newAdminToken();
  // The file before the hash: a crash in between regenerates both instead of locking the operator out.
  writeFileAtomic(join(store.dataDir, ADMIN_TOKEN_FILE), `${token}\n`, 0o600);
  await store.setAdminTokenHash(hashToken(token));
  return token;
}

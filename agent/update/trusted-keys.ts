// The public keys this agent trusts for its own updates, compiled in by scripts/build.ts.
// An agent run from source trusts nothing and so refuses every update.
declare const FLEET_PUBLIC_KEYS: string | undefined;

export const TRUSTED_KEYS: readonly string[] =
  typeof FLEET_PUBLIC_KEYS === "string" ? (JSON.parse(FLEET_PUBLIC_KEYS) as string[]) : [];

// Where fleetd is and how to authenticate: resolved once per command from flags, then
// environment, then defaults, and handed to the API client.
import type { ArgsDef } from "citty";
import { type ApiClient, createApiClient, DEFAULT_REQUEST_TIMEOUT_MS } from "./api.ts";
import { CliError, TOKEN_HINT } from "./errors.ts";

export const DEFAULT_SERVER = "http://127.0.0.1:8080";

/** Flags every command that talks to fleetd accepts. */
export const connectionArgs = {
  server: { type: "string", description: `fleetd URL (env FLEET_SERVER, default ${DEFAULT_SERVER})` },
  token: { type: "string", description: "admin token (env FLEET_TOKEN)" },
} as const satisfies ArgsDef;

export const jsonArg = {
  json: { type: "boolean", description: "print the raw JSON response on stdout and nothing else" },
} as const satisfies ArgsDef;

export interface Connection {
  server: string;
  token: string;
  timeoutMs: number;
}

type Env = Record<string, string | undefined>;

export function resolveConnection(
  flags: { server?: string; token?: string },
  env: Env = process.env,
): Connection {
  const server = (flags.server || env.FLEET_SERVER || DEFAULT_SERVER).replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CliError(`--server must be a URL like ${DEFAULT_SERVER}, got "${server}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliError(`--server must be an http(s) URL, got "${server}"`);
  }
  const token = flags.token || env.FLEET_TOKEN;
  if (!token) throw new CliError(`no admin token: pass --token or ${TOKEN_HINT}`);
  const timeoutMs = env.FLEET_HTTP_TIMEOUT_MS
    ? Number(env.FLEET_HTTP_TIMEOUT_MS)
    : DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new CliError(`FLEET_HTTP_TIMEOUT_MS must be a positive number of milliseconds`);
  return { server, token, timeoutMs };
}

export function clientFromArgs(flags: { server?: string; token?: string }): ApiClient {
  return createApiClient(resolveConnection(flags));
}

// Everything a request handler or background task needs, built once in createApp and passed
// down; Hono handlers reach it as c.var.fleet.
import type { ConsolaInstance } from "consola";
import type { Manifest } from "../protocol/artifacts.ts";
import type { ServerConfig } from "./config.ts";
import type { PollHub } from "./hub.ts";
import type { Presence } from "./presence.ts";
import type { KeyedLock } from "./services/keyed-lock.ts";
import type { Store } from "./store/types.ts";

export interface ServerContext {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly log: ConsolaInstance;
  readonly hub: PollHub;
  readonly presence: Presence;
  /** The build manifest of the artifacts fleetd serves, or null when it serves none. */
  readonly manifest: Manifest | null;
  /** Serializes changes to one job that wait for disk in between (events, results). */
  readonly jobLocks: KeyedLock;
  /** Cancels handed to an agent in this process's lifetime; a hello re-arms them. */
  readonly deliveredCancels: Set<string>;
  /** Base URL for install commands; known only after listening when the port was 0. */
  publicUrl: string;
}

/** Who a request acts as, decided by the auth middleware. */
export type Principal = { kind: "admin" } | { kind: "host"; hostId: string } | { kind: "public" };

export interface AppEnv {
  Bindings: { server?: import("bun").Server<undefined> };
  Variables: { fleet: ServerContext; principal: Principal; body: Uint8Array | null };
}

export const auditActor = (principal: Principal): string =>
  principal.kind === "host" ? `host:${principal.hostId}` : principal.kind;

// Everything a request handler or background task needs, built once in createApp and passed
// down; Hono handlers reach it as c.get("fleet").
import type { ConsolaInstance } from "consola";
import type { RouteName } from "../protocol/routes.ts";
import type { ArtifactEncodings } from "./artifact-encodings.ts";
import type { Artifacts } from "./artifacts.ts";
import type { ServerConfig } from "./config.ts";
import type { Coordinator } from "./coordinator/types.ts";
import type { PollHub } from "./hub.ts";
import type { FleetMetrics } from "./metrics/registry.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { Repository } from "./repository/types.ts";
import type { ConfigTargetTracker } from "./services/config/target.ts";
import type { JobListeners } from "./services/job-listeners.ts";
import type { OutboxWorker } from "./services/notify/worker.ts";
import type { VitalsBook } from "./services/vitals/book.ts";
import type { Store } from "./store/types.ts";
import type { Wakeups } from "./wakeups.ts";

export interface ServerContext {
  readonly config: ServerConfig;
  /** Reads, and the writes that need no check first. */
  readonly store: Store;
  /** The changes that check before they change, each one atomic intent (repository/). */
  readonly repo: Repository;
  readonly log: ConsolaInstance;
  /** The polls held by this process; wakes reach it through the coordinator. */
  readonly hub: PollHub;
  /** Wakes, singleton leadership and presence, shared by every replica (coordinator/). */
  readonly coordinator: Coordinator;
  /** The artifacts fleetd serves (manifest + binaries), re-read when the manifest changes. */
  readonly artifacts: Artifacts;
  /** Their zstd and gzip copies, made once per build in the data dir. */
  readonly artifactEncodings: ArtifactEncodings;
  /** Cancels handed to an agent in this process's lifetime; a hello re-arms them. */
  readonly deliveredCancels: Set<string>;
  /** Update job id → when its host first said hello on the target (start of the soak). */
  readonly updateHellos: Map<string, number>;
  /** Update job id → when its agent last reported on it (started, download progress). */
  readonly updateReports: Map<string, number>;
  /** Runs the due work (sweeper.ts sweepDue) at moments asked for: a soak's end, a timeout. */
  readonly wakeups: Wakeups;
  /** What hears that a job ended or reported, beside the job code (wired in app.ts). */
  readonly jobListeners: JobListeners;
  /** Per client address: enroll attempts, and requests whose token was refused. */
  readonly limiters: { readonly enroll: RateLimiter; readonly failedAuth: RateLimiter };
  /** The config target (pin, repo or hosts) and the behindBy counts against it. */
  readonly configTarget: ConfigTargetTracker;
  /** Sends the notification outbox (services/notify/); kicked on enqueue and every sweep. */
  readonly outbox: OutboxWorker;
  /** The Prometheus series counted as things happen (GET /metrics). */
  readonly metrics: FleetMetrics;
  /** Every host's last vitals sample and its hour, in memory (snapshotted coalesced). */
  readonly vitals: VitalsBook;
  /** Base URL for install commands; known only after listening when the port was 0. */
  publicUrl: string;
}

/** Who a request acts as, decided by the auth middleware. */
export type Principal =
  | { kind: "admin" }
  | { kind: "host"; hostId: string }
  | { kind: "board" }
  | { kind: "webhook" }
  | { kind: "metrics" }
  | { kind: "public" };

export interface AppEnv {
  Bindings: { server?: import("bun").Server<undefined> };
  Variables: {
    fleet: ServerContext;
    principal: Principal;
    body: Uint8Array | null;
    /** The route table's name of the matched route, for the request counter. */
    route: RouteName;
  };
}

export const auditActor = (principal: Principal): string =>
  principal.kind === "host" ? `host:${principal.hostId}` : principal.kind;

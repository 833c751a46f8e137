// fleetd's composition root: opens the store, its repository and the coordinator, builds the
// context, composes the resource routers from the route table, and runs the background sweeper.
// createApp serves in-process requests (tests use app.request()); startServer puts the same app on
// a real socket.

import { join } from "node:path";
import { type ConsolaInstance, consola } from "consola";
import { Hono } from "hono";
import { MAX_BODY_BYTES } from "../protocol/common.ts";
import { ArtifactEncodings } from "./artifact-encodings.ts";
import { Artifacts } from "./artifacts.ts";
import { listenUrl, type ServerConfig } from "./config.ts";
import type { AppEnv, ServerContext } from "./context.ts";
import { InProcessCoordinator } from "./coordinator/in-process.ts";
import type { Coordinator } from "./coordinator/types.ts";
import { onError, onNotFound } from "./error-handler.ts";
import { PollHub } from "./hub.ts";
import { fleetSnapshot } from "./metrics/fleet-state.ts";
import { countRequests } from "./metrics/http.ts";
import { FleetMetrics } from "./metrics/registry.ts";
import { limitDeclaredBody } from "./middleware/body/index.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { JsonRepository } from "./repository/json.ts";
import type { Repository } from "./repository/types.ts";
import { agentRoutes } from "./routes/agent/index.ts";
import { alertRoutes } from "./routes/alerts/index.ts";
import { artifactRoutes } from "./routes/artifacts/index.ts";
import { auditRoutes } from "./routes/audit/index.ts";
import { boardRoutes } from "./routes/board/index.ts";
import { configRoutes } from "./routes/config/index.ts";
import { defineRoutes, type RouteHandlers } from "./routes/define.ts";
import { enrollRoutes } from "./routes/enroll/index.ts";
import { healthRoutes } from "./routes/health/index.ts";
import { hostRoutes } from "./routes/hosts/index.ts";
import { installRoutes } from "./routes/install/index.ts";
import { jobRoutes } from "./routes/jobs/index.ts";
import { metricsRoutes } from "./routes/metrics/index.ts";
import { notifyRoutes } from "./routes/notify/index.ts";
import { rolloutRoutes } from "./routes/rollouts/index.ts";
import { ensureAdminToken } from "./services/admin-token.ts";
import { ConfigTargetTracker } from "./services/config/target.ts";
import { OutboxWorker } from "./services/notify/worker.ts";
import { kickRollouts } from "./services/rollouts/worker.ts";
import { startSweeper, sweepDue } from "./services/sweeper.ts";
import { noteUpdateReport, onUpdateFinished } from "./services/updates.ts";
import { VitalsBook } from "./services/vitals/book.ts";
import { openJsonStore } from "./store/json-store.ts";
import type { Store } from "./store/types.ts";
import { Wakeups } from "./wakeups.ts";

const RESOURCES = [
  agentRoutes,
  hostRoutes,
  jobRoutes,
  enrollRoutes,
  auditRoutes,
  alertRoutes,
  notifyRoutes,
  artifactRoutes,
  rolloutRoutes,
  configRoutes,
  boardRoutes,
  installRoutes,
  healthRoutes,
  metricsRoutes,
];

// Fails to compile when a route in protocol/routes.ts has no handler.
const _everyRouteHandled: Required<RouteHandlers> = {
  ...agentRoutes,
  ...hostRoutes,
  ...jobRoutes,
  ...enrollRoutes,
  ...auditRoutes,
  ...alertRoutes,
  ...notifyRoutes,
  ...artifactRoutes,
  ...rolloutRoutes,
  ...configRoutes,
  ...boardRoutes,
  ...installRoutes,
  ...healthRoutes,
  ...metricsRoutes,
};

export interface AppDeps {
  config: ServerConfig;
  /** Defaults to the JSON-file store in config.dataDir. */
  store?: Store;
  /** Defaults to the repository over that store's working set. */
  repo?: Repository;
  /** Defaults to the in-process coordinator: this fleetd is the only replica. */
  coordinator?: Coordinator;
  log?: ConsolaInstance;
}

export interface FleetApp {
  app: Hono<AppEnv>;
  ctx: ServerContext;
  /** The admin token when this start created it (first start), else null. */
  newAdminToken: string | null;
  /** Stops background work, answers held polls and flushes everything to disk. */
  close(): Promise<void>;
}

export async function createApp(deps: AppDeps): Promise<FleetApp> {
  const { config } = deps;
  const log = deps.log ?? consola.withTag("fleetd");
  const artifacts = new Artifacts(config.artifactsDir);
  const metrics = new FleetMetrics();
  const store =
    deps.store ??
    openJsonStore({
      dataDir: config.dataDir,
      lazyFlushMs: config.lastSeenFlushMs,
      lastSeenCheckpointMs: config.lastSeenCheckpointMs,
      auditMaxBytes: config.auditMaxBytes,
      deliveriesKept: config.notifyDeliveriesKept,
      onWrite: metrics.observeStoreWrite,
      log,
    });
  const repo = deps.repo ?? new JsonRepository(store, log);
  const newAdminToken = await ensureAdminToken(store);
  const coordinator = deps.coordinator ?? new InProcessCoordinator(config);
  const hub = new PollHub();
  coordinator.onWake((hostId) => hub.wake(hostId));

  // The worker needs the context it is part of: built right after it, before anything can kick it.
  let outbox: OutboxWorker | undefined;
  const ctx: ServerContext = {
    config,
    store,
    repo,
    log,
    hub,
    coordinator,
    artifacts,
    artifactEncodings: new ArtifactEncodings(join(config.dataDir, "artifact-cache"), log, () =>
      (artifacts.manifest()?.artifacts ?? []).flatMap((a) => artifacts.entryOf(a.file) ?? []),
    ),
    deliveredCancels: new Set(),
    updateHellos: new Map(),
    updateReports: new Map(),
    wakeups: new Wakeups(
      () => sweepDue(ctx),
      (err) => log.error("due work (a soak's end) failed", err),
    ),
    // Updates keep their own timers and alerts; any job's end may be what a rollout waits for.
    jobListeners: {
      ended: [onUpdateFinished, (c) => kickRollouts(c)],
      reported: [noteUpdateReport],
    },
    limiters: {
      enroll: new RateLimiter(config.enrollBurst, config.enrollPerMinute),
      failedAuth: new RateLimiter(config.failedAuthBurst, config.failedAuthPerMinute),
    },
    configTarget: new ConfigTargetTracker(config, store, log),
    metrics,
    vitals: new VitalsBook({
      dataDir: config.dataDir,
      snapshotMs: config.vitalsSnapshotMs,
      log,
      hostExists: (id) => store.getHost(id) !== undefined,
      onWrite: metrics.observeStoreWrite,
    }),
    get outbox(): OutboxWorker {
      outbox ??= new OutboxWorker(ctx);
      return outbox;
    },
    publicUrl: config.publicUrl ?? listenUrl(config.host, config.port),
  };

  metrics.watchFleet(() => fleetSnapshot(ctx));

  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("fleet", ctx);
    await next();
  });
  app.use(countRequests);
  app.use(limitDeclaredBody(MAX_BODY_BYTES));
  for (const handlers of RESOURCES) app.route("/", defineRoutes(handlers));
  app.notFound(onNotFound);
  app.onError(onError);

  const sweeper = startSweeper(ctx);
  // Deliveries a killed fleetd left pending go out now, not at the first sweep.
  ctx.outbox.kick();
  ctx.configTarget.start();
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      sweeper.stop();
      ctx.wakeups.stop();
      ctx.hub.shutdown();
      await ctx.outbox.stop();
      await ctx.configTarget.stop();
      await coordinator.close();
      ctx.vitals.close();
      await ctx.artifactEncodings.close();
      await store.close();
    })();
    return closing;
  };
  return { app, ctx, newAdminToken, close };
}

export interface RunningServer {
  /** Where fleetd listens, e.g. http://127.0.0.1:41234. */
  url: string;
  port: number;
  fleet: FleetApp;
  /** Stops accepting, answers held polls, waits for in-flight requests, flushes state. */
  stop(): Promise<void>;
}

export async function startServer(
  config: ServerConfig,
  options: { log?: ConsolaInstance } = {},
): Promise<RunningServer> {
  const fleet = await createApp({ config, log: options.log });
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: config.host,
      port: config.port,
      idleTimeout: config.httpIdleTimeoutSeconds,
      fetch: (request, bunServer) => fleet.app.fetch(request, { server: bunServer }),
    });
  } catch (err) {
    await fleet.close();
    throw err;
  }
  const port = server.port ?? config.port;
  const url = listenUrl(config.host, port);
  fleet.ctx.publicUrl = config.publicUrl ?? url;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      fleet.ctx.hub.shutdown();
      const drained = server.stop();
      const grace = setTimeout(() => void server.stop(true), config.shutdownGraceMs);
      await drained;
      clearTimeout(grace);
      await fleet.close();
    })();
    return stopping;
  };
  return { url, port, fleet, stop };
}

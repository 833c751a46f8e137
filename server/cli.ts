// The fleetd command line: `fleetd serve` runs the server until SIGTERM/SIGINT, `fleetd --version`
// prints the build's one version string. Run by main.ts; importing it starts nothing.
import { type ArgsDef, type CommandDef, defineCommand, renderUsage } from "citty";
import { VERSION } from "../protocol/build-info.ts";
import { type RunningServer, startServer } from "./app.ts";
import { ManifestError } from "./artifacts.ts";
import { ConfigError, type ConfigInput, resolveConfig } from "./config.ts";
import { createServerLog } from "./log.ts";
import { printStartBanner } from "./start-banner.ts";
import { StoreCorruptError } from "./store/load.ts";
import { repairDataDir } from "./store/repair.ts";

const log = createServerLog();

const serve = defineCommand({
  meta: { name: "serve", description: "Run fleetd: the API, the board and the agent downloads" },
  args: {
    host: { type: "string", description: "Address to listen on (env FLEET_HOST, default 127.0.0.1)" },
    port: { type: "string", description: "Port to listen on (env FLEET_PORT, default 8080)" },
    data: { type: "string", description: "Data directory (env FLEET_DATA, default ./data)" },
    artifacts: {
      type: "string",
      description: "Directory with manifest.json and agent binaries (env FLEET_ARTIFACTS)",
    },
    "public-url": {
      type: "string",
      description: "URL hosts use to reach fleetd (env FLEET_PUBLIC_URL, default the listen URL)",
    },
    "job-lost-after": {
      type: "string",
      description: "Seconds a host may stay offline mid-job before the job is lost (default 90)",
    },
    "board-token": {
      type: "string",
      description: "Read token for the status board, e.g. a wall display (env FLEET_BOARD_TOKEN)",
    },
    "public-board": {
      type: "boolean",
      description:
        "Anyone may read the board, without job output or paths (env FLEET_PUBLIC_BOARD=1; default: a token is needed)",
    },
    "trust-proxy": {
      type: "boolean",
      description: "Behind a reverse proxy: rate-limit by X-Forwarded-For (env FLEET_TRUST_PROXY=1)",
    },
    "config-repo": {
      type: "string",
      description:
        "Config repo (URL or path) whose branch head is the target every host is compared with (env FLEET_CONFIG_REPO)",
    },
    "config-branch": {
      type: "string",
      description: "Branch of --config-repo that is the target (env FLEET_CONFIG_BRANCH, default main)",
    },
    "config-webhook-secret": {
      type: "string",
      description:
        "Secret a forge's push hook sends as X-Fleet-Webhook-Secret to POST /api/v1/config/refresh (env FLEET_CONFIG_WEBHOOK_SECRET)",
    },
    "metrics-token-file": {
      type: "string",
      description:
        "File holding a read-only token for GET /metrics, e.g. Prometheus' credentials_file (env FLEET_METRICS_TOKEN_FILE)",
    },
    repair: {
      type: "boolean",
      description:
        "Start on a damaged data dir with what is intact: damaged files are copied to <data>/repair-<time>/ first, and each is logged",
    },
  },
  async run({ args }) {
    const flags: ConfigInput = {
      host: args.host,
      port: args.port,
      data: args.data,
      artifacts: args.artifacts,
      publicUrl: args["public-url"],
      jobLostAfter: args["job-lost-after"],
      boardToken: args["board-token"],
      publicBoard: args["public-board"],
      trustProxy: args["trust-proxy"],
      configRepo: args["config-repo"],
      configBranch: args["config-branch"],
      configWebhookSecret: args["config-webhook-secret"],
      metricsTokenFile: args["metrics-token-file"],
    };
    try {
      await serveUntilSignalled(flags, Boolean(args.repair));
    } catch (err) {
      if (!isOperatorError(err)) throw err;
      log.error((err as Error).message);
      process.exit(1);
    }
  },
});

/** Startup failures the operator fixes from the message alone; anything else keeps its stack. */
function isOperatorError(err: unknown): boolean {
  if (err instanceof ConfigError || err instanceof StoreCorruptError || err instanceof ManifestError) {
    return true;
  }
  const code = (err as { code?: unknown } | null)?.code;
  return code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL";
}

async function serveUntilSignalled(flags: ConfigInput, repair: boolean): Promise<void> {
  const config = resolveConfig(flags, process.env);
  // Handlers go in before anything is printed: a supervisor that sends SIGTERM as soon as it sees
  // the banner must get a graceful stop, not the default kill.
  let starting: Promise<RunningServer> | null = null;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: no longer accepting requests, flushing state`);
    try {
      await (await starting)?.stop();
      log.info("state flushed; bye");
      process.exit(0);
    } catch (err) {
      log.error("shutdown failed", err);
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  // Only by asking: a normal start refuses a damaged data dir, so nothing is set aside unseen.
  if (repair) repairDataDir(config.dataDir, log);
  starting = startServer(config, { log });
  const server = await starting;
  if (!stopping) printStartBanner(log, server, config);
}

/** fleetd's command tree, for main.ts to run and for tests to check docs against. */
export const fleetdCommand = defineCommand({
  meta: { name: "fleetd", version: VERSION, description: "Fleet server" },
  subCommands: { serve },
});

const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** citty colours its usage by environment only; piped to a file or a pager it should be plain text. */
export async function showPlainUsage<T extends ArgsDef>(
  cmd: CommandDef<T>,
  parent?: CommandDef<T>,
): Promise<void> {
  const text = await renderUsage(cmd, parent);
  const plain = !process.stdout.isTTY || Boolean(process.env.NO_COLOR);
  console.log(`${plain ? text.replace(ANSI_ESCAPE, "") : text}\n`);
}

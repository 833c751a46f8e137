#!/usr/bin/env bun
// The fleetd command line: `fleetd serve` runs the server until SIGTERM/SIGINT, `fleetd --version`
// prints the build's one version string.
import { defineCommand, runMain } from "citty";
import { consola } from "consola";
import { VERSION } from "../protocol/build-info.ts";
import { startServer } from "./app.ts";
import { resolveConfig } from "./config.ts";
import { printStartBanner } from "./start-banner.ts";

const log = consola.withTag("fleetd");

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
  },
  async run({ args }) {
    const config = resolveConfig(
      {
        host: args.host,
        port: args.port,
        data: args.data,
        artifacts: args.artifacts,
        publicUrl: args["public-url"],
        jobLostAfter: args["job-lost-after"],
      },
      process.env,
    );
    const server = await startServer(config, { log });
    printStartBanner(log, server, config);

    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: no longer accepting requests, flushing state`);
      try {
        await server.stop();
        log.info("state flushed; bye");
        process.exit(0);
      } catch (err) {
        log.error("shutdown failed", err);
        process.exit(1);
      }
    };
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
    process.on("SIGINT", () => void shutdown("SIGINT"));
  },
});

const main = defineCommand({
  meta: { name: "fleetd", version: VERSION, description: "Fleet server" },
  subCommands: { serve },
});

runMain(main);

// fleet-agent: runs on every host as a service, long-polls fleetd and runs its jobs.
// Each command is loaded when it runs: what `runner` and `enroll` need (zod, the job ops) never
// loads into the idle `run` (docs/agent.md, "Memory").
import { defineCommand } from "citty";
import { VERSION } from "../protocol/build-info.ts";
import { runCli } from "./run-cli.ts";

const main = defineCommand({
  meta: { name: "fleet-agent", version: VERSION, description: "Fleet's host agent" },
  subCommands: {
    enroll: () => import("./commands/enroll.ts").then((m) => m.default),
    run: () => import("./commands/run.ts").then((m) => m.default),
    status: () => import("./commands/status.ts").then((m) => m.default),
    runner: () => import("./commands/runner.ts").then((m) => m.default),
  },
});

await runCli(main, VERSION);

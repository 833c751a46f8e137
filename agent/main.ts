// fleet-agent: runs on every host as a service, long-polls fleetd and runs its jobs.
import { defineCommand } from "citty";
import { VERSION } from "../protocol/index.ts";
import enroll from "./commands/enroll.ts";
import run from "./commands/run.ts";
import runner from "./commands/runner.ts";
import status from "./commands/status.ts";
import { runCli } from "./run-cli.ts";

const main = defineCommand({
  meta: { name: "fleet-agent", version: VERSION, description: "Fleet's host agent" },
  subCommands: { enroll, run, status, runner },
});

await runCli(main, VERSION);

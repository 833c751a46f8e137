// fleetctl: the operator's CLI for fleetd. Entry point of the compiled `fleetctl` binary.
import { defineCommand, runMain } from "citty";
import { VERSION } from "../protocol/index.ts";
import { registerCommandTree, showUsageWithExamples } from "./command.ts";
import alerts from "./commands/alerts.ts";
import audit from "./commands/audit.ts";
import board from "./commands/board.ts";
import cancel from "./commands/cancel.ts";
import enrollToken from "./commands/enroll-token.ts";
import host from "./commands/host.ts";
import hosts from "./commands/hosts.ts";
import job from "./commands/job.ts";
import jobs from "./commands/jobs.ts";
import rollout from "./commands/rollout.ts";
import run from "./commands/run.ts";
import update from "./commands/update.ts";

const main = defineCommand({
  meta: {
    name: "fleetctl",
    version: VERSION,
    description: "Operate a Fleet: hosts, jobs, enrollment and audit, via fleetd's API",
  },
  subCommands: {
    hosts,
    host,
    run,
    jobs,
    job,
    cancel,
    "enroll-token": enrollToken,
    audit,
    update,
    rollout,
    alerts,
    board,
  },
});

registerCommandTree(main, "fleetctl");
await runMain(main, { showUsage: showUsageWithExamples });

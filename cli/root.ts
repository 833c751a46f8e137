// fleetctl's command tree: every command, for the entry point, typo suggestions, completion
// and the tests that walk it.
import type { ArgsDef, CommandDef } from "citty";
import { VERSION } from "../protocol/index.ts";
import { defineFleetCommand } from "./command.ts";
import alerts from "./commands/alerts.ts";
import audit from "./commands/audit.ts";
import board from "./commands/board.ts";
import cancel from "./commands/cancel.ts";
import { completionCommand } from "./commands/completion.ts";
import deploy from "./commands/deploy.ts";
import doctor from "./commands/doctor.ts";
import enrollToken from "./commands/enroll-token.ts";
import host from "./commands/host.ts";
import hosts from "./commands/hosts.ts";
import job from "./commands/job.ts";
import jobs from "./commands/jobs.ts";
import notify from "./commands/notify.ts";
import rollout from "./commands/rollout.ts";
import run from "./commands/run.ts";
import target from "./commands/target.ts";
import update from "./commands/update.ts";

export const fleetctl: CommandDef<ArgsDef> = defineFleetCommand({
  meta: {
    name: "fleetctl",
    version: VERSION,
    description: "Operate a Fleet: hosts, jobs, enrollment and audit, via fleetd's API",
  },
  subCommands: {
    hosts,
    host,
    target,
    run,
    jobs,
    job,
    cancel,
    "enroll-token": enrollToken,
    audit,
    update,
    deploy,
    rollout,
    alerts,
    notify,
    board,
    doctor,
    completion: completionCommand(() => fleetctl),
  },
  examples: [
    "export FLEET_SERVER=http://fleet.lan:8080 FLEET_TOKEN=$(cat data/admin-token)",
    "fleetctl doctor",
    "fleetctl hosts",
    "fleetctl hosts --state behind",
    "fleetctl run test web1 --wait",
    "fleetctl update --all --wait",
  ],
});

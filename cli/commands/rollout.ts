// `fleetctl rollout status|pause|resume|cancel [id]`: watch and steer a rolling update or deploy.
// Without an id they act on the current rollout (the active one, else the latest).
// `fleetctl rollout list`: every rollout, newest first.
import { type Rollout, rolloutTargetText } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { formatTable } from "../format/table.ts";
import { relativeTime } from "../format/time.ts";
import { printJson, printText, stdoutIsTty } from "../output.ts";
import { rolloutOutcome } from "../rollout-start.ts";
import {
  createRolloutView,
  describePlan,
  describeRolloutHost,
  followRollout,
  renderRolloutBar,
} from "../rollout-view.ts";

const idArg = {
  id: { type: "positional", description: "rollout id (default: current)", required: false },
} as const;

const status = defineFleetCommand({
  meta: { name: "status", description: "Show a rollout: a progress bar and a line per host" },
  args: {
    ...idArg,
    watch: { type: "boolean", description: "follow until it ends" },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: ["fleetctl rollout status", "fleetctl rollout status r_1a2b3c --watch"],
  async run({ args }) {
    const client = clientFromArgs(args);
    const id = args.id ?? "current";
    if (args.watch) {
      const view = args.json
        ? null
        : createRolloutView({ tty: stdoutIsTty(), write: (t) => process.stdout.write(t) });
      const rollout = await followRollout(client, id, (r) => view?.update(r));
      view?.finish(rollout);
      if (args.json) printJson({ rollout });
      else printText(rolloutOutcome(rollout).message);
      return rolloutOutcome(rollout).code;
    }
    const { rollout } = await client.call("getRollout", { params: { id } });
    if (args.json) return printJson({ rollout });
    printText(
      `rollout ${rollout.id} (${rollout.target.kind}) to ${rolloutTargetText(rollout.target)}: ${rollout.state}${rollout.reason ? ` — ${rollout.reason}` : ""}`,
    );
    const target = rollout.target;
    if (target.kind === "deploy") {
      const checks = [`confirm within ${target.confirmSeconds} s`, target.test ? "tests" : "no tests"];
      if (!target.rollback) checks.push("no rollback on failed tests");
      printText(
        `commit ${target.commit}${target.subject ? ` "${target.subject}"` : ""} (${checks.join(", ")})`,
      );
    }
    printText(`order: ${describePlan(rollout)}`);
    printText(renderRolloutBar(rollout));
    for (const h of rollout.hosts) printText(`  ${describeRolloutHost(h)}`);
  },
});

/** One row per rollout, newest first as fleetd lists them. */
export function formatRolloutsTable(rollouts: readonly Rollout[], now = Date.now()): string {
  const rows = rollouts.map((r) => {
    const done = r.hosts.filter((h) => h.state === "done").length;
    const failed = r.hosts.filter((h) => h.state === "failed").length;
    return [
      r.id,
      r.state,
      r.target.kind,
      rolloutTargetText(r.target),
      `${done}/${r.hosts.length} done${failed ? `, ${failed} failed` : ""}`,
      relativeTime(r.createdAt, now),
      r.createdBy,
      r.reason ?? "",
    ];
  });
  return formatTable(["ID", "STATE", "KIND", "TARGET", "HOSTS", "STARTED", "BY", "REASON"], rows);
}

const list = defineFleetCommand({
  meta: { name: "list", description: "List rollouts, newest first" },
  args: { ...jsonArg, ...connectionArgs },
  examples: ["fleetctl rollout list", "fleetctl rollout list --json | jq -r '.rollouts[0].id'"],
  async run({ args }) {
    const { rollouts } = await clientFromArgs(args).call("listRollouts");
    if (args.json) return printJson({ rollouts });
    printText(
      rollouts.length
        ? formatRolloutsTable(rollouts)
        : "No rollouts yet. Start one with: fleetctl deploy --all, or fleetctl update --all",
    );
  },
});

const change = (what: "pause" | "resume" | "cancel", description: string) =>
  defineFleetCommand({
    meta: { name: what, description },
    args: { ...idArg, ...jsonArg, ...connectionArgs },
    examples: [`fleetctl rollout ${what}`],
    async run({ args }) {
      const route = what === "pause" ? "pauseRollout" : what === "resume" ? "resumeRollout" : "cancelRollout";
      const { rollout } = await clientFromArgs(args).call(route, {
        params: { id: args.id ?? "current" },
      });
      if (args.json) return printJson({ rollout });
      printText(`rollout ${rollout.id}: ${rollout.state}`);
    },
  });

export default defineFleetCommand({
  meta: { name: "rollout", description: "List, watch and steer rolling updates and deploys" },
  examples: [
    "fleetctl rollout list",
    "fleetctl rollout status --watch",
    "fleetctl rollout pause",
    "fleetctl rollout cancel r_1a2b3c",
  ],
  subCommands: {
    list,
    status,
    pause: change("pause", "Stop dispatching new hosts; hosts in flight finish"),
    resume: change("resume", "Continue a paused rollout"),
    cancel: change("cancel", "End the rollout; hosts in flight finish, the rest are skipped"),
  },
});

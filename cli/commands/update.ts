// `fleetctl update --all | --tag <tag> | <host>...`: bring hosts' agents to the build fleetd serves with
// a rolling update: canary first, then batches, halting at the first failure beyond
// --max-failures (the failed host rolls itself back) and raising an alert.
import { type Rollout, rolloutTargetText, type StartRolloutRequest } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { checkSelection, parseTag, selectHosts } from "../host-selection.ts";
import { printJson, printText, stdoutIsTty } from "../output.ts";
import { resolveHostRefs } from "../resolve-host.ts";
import { createRolloutView, describePlan, followRollout } from "../rollout-view.ts";

function _count(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(`--${flag} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

/** Exit 0 only for a completed rollout; the message names the host that stopped it. */
export function rolloutOutcome(rollout: Rollout): { code: number; message: string } {
  if (rollout.state === "completed") {
    const failed = rollout.hosts.filter((h) => h.state === "failed").length;
    return {
      code: failed ? 1 : 0,
      message: `rollout ${rollout.id} completed${failed ? ` with ${failed} failed host(s)` : ""}`,
    };
  }
  return {
    code: 1,
    message: `rollout ${rollout.id} ${rollout.state}: ${rollout.reason ?? "see fleetctl rollout status"}`,
  };
}

export default defineFleetCommand({
  meta: { name: "update", description: "Rolling update of hosts' agents to the version fleetd serves" },
  args: {
    hosts: { type: "positional", description: "host ids or names (or --all, or --tag)", required: false },
    all: { type: "boolean", description: "every enrolled host" },
    tag: { type: "string", valueHint: "web", description: "every host with this tag (from its config.json)" },
    canary: { type: "string", description: "hosts updated first, alone (default 1)" },
    "canary-host": { type: "string", description: "name the canary host (instead of the first by name)" },
    batch: { type: "string", description: "hosts updated at once after the canary (default 1)" },
    "max-failures": { type: "string", description: "failures tolerated before halting (default 0)" },
    timeout: { type: "string", description: "seconds per host to come back healthy (default 90)" },
    "include-offline": { type: "string", description: "offline hosts: skip (default) or wait" },
    "allow-downgrade": { type: "boolean", description: "allow moving hosts to an older version" },
    wait: { type: "boolean", description: "follow the rollout; exit 0 only if it completed" },
    ...jsonArg,
    ...connectionArgs,
  },
  variadic: true,
  examples: [
    "fleetctl update --all --wait",
    "fleetctl update --all --canary 2 --batch 10 --max-failures 1 --wait",
    "fleetctl update web1 --wait",
    "fleetctl update --tag web --wait",
  ],
  async run({ args }) {
    const selection = { refs: args._.map(String), all: args.all === true, tag: parseTag(args.tag) };
    checkSelection(selection);
    const offline = args["include-offline"];
    if (offline !== undefined && offline !== "wait" && offline !== "skip") {
      throw new CliError(`--include-offline is "wait" or "skip", got "${offline}"`);
    }
    const client = clientFromArgs(args);
    // --all on an empty fleet is fleetd's to answer (a rollout with nothing to do), as before --tag.
    const hosts = args.all ? (await client.call("listHosts")).hosts : await selectHosts(client, selection);
    const canaryHosts = args["canary-host"]
      ? await resolveHostRefs(client, [args["canary-host"]])
      : undefined;
    const request: StartRolloutRequest = {
      kind: "update",
      hosts: hosts.map((h) => h.id),
      canary: _count(args.canary, "canary", 0),
      canaryHosts: canaryHosts?.map((h) => h.id),
      batch: _count(args.batch, "batch", 1),
      maxFailures: _count(args["max-failures"], "max-failures", 0),
      timeoutSeconds: _count(args.timeout, "timeout", 1),
      includeOffline: offline as "wait" | "skip" | undefined,
      allowDowngrade: args["allow-downgrade"] === true ? true : undefined,
    };
    const started = performance.now();
    let { rollout } = await client.call("startRollout", { body: request });
    if (!args.json) {
      printText(
        `rollout ${rollout.id}: ${rollout.hosts.length} host(s) to ${rolloutTargetText(rollout.target)}`,
      );
      printText(`order: ${describePlan(rollout)}`);
    }
    if (!args.wait) {
      if (args.json) printJson({ rollout });
      else if (rollout.state === "completed")
        printText(`rollout ${rollout.id} completed: ${rollout.reason ?? "nothing to do"}`);
      else printText(`Follow it with: fleetctl rollout status ${rollout.id} --watch`);
      return 0;
    }
    const view = args.json
      ? null
      : createRolloutView({ tty: stdoutIsTty(), write: (t) => process.stdout.write(t) });
    rollout = await followRollout(client, rollout.id, (r) => view?.update(r));
    view?.finish(rollout);
    const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
    const outcome = rolloutOutcome(rollout);
    if (args.json) printJson({ rollout, seconds });
    else printText(`${outcome.message} (wall time ${seconds} s)`);
    return outcome.code;
  },
});

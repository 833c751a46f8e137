// What `fleetctl update` and `fleetctl deploy` share: the host selection and rollout flags, the
// start request's common part, printing the plan, following with --wait, and the exit code (0
// only for a rollout that completed with no failed host).
import type { Rollout, StartRolloutRequest } from "../protocol/index.ts";
import { rolloutTargetText } from "../protocol/index.ts";
import type { ApiClient } from "./api.ts";
import { connectionArgs, jsonArg } from "./config.ts";
import { CliError } from "./errors.ts";
import { checkSelection, parseTag, selectHosts } from "./host-selection.ts";
import { printJson, printText, stdoutIsTty } from "./output.ts";
import { resolveHostRefs } from "./resolve-host.ts";
import { createRolloutView, describePlan, followRollout } from "./rollout-view.ts";

/** The flags both rollout commands take; `noun` says what each host gets ("updated", "deployed"). */
export function rolloutArgs(noun: string, defaultTimeout: number) {
  return {
    hosts: { type: "positional", description: "host ids or names (or --all, or --tag)", required: false },
    all: { type: "boolean", description: "every enrolled host" },
    tag: { type: "string", valueHint: "web", description: "every host with this tag (from its config.json)" },
    canary: { type: "string", description: `hosts ${noun} first, alone (default 1)` },
    "canary-host": { type: "string", description: "name the canary host (instead of the first by name)" },
    batch: {
      type: "string",
      description: `hosts ${noun} at once after the canary (default: growing, 1 %, 5 %, 25 %, then the rest)`,
    },
    "max-failures": { type: "string", description: "failures tolerated before halting (default 0)" },
    timeout: {
      type: "string",
      description: `seconds per host from dispatch to its result (default ${defaultTimeout})`,
    },
    "include-offline": { type: "string", description: "offline hosts: skip (default) or wait" },
    wait: { type: "boolean", description: "follow the rollout; exit 0 only if it completed with no failure" },
    ...jsonArg,
    ...connectionArgs,
  } as const;
}

interface RolloutFlags {
  _: (string | number)[];
  all?: boolean;
  tag?: string;
  canary?: string;
  "canary-host"?: string;
  batch?: string;
  "max-failures"?: string;
  timeout?: string;
  "include-offline"?: string;
}

export function countArg(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(`--${flag} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

/**
 * The selection and options every start request carries; checked before anything is sent. With
 * `selectionOptional` (a deploy's --retry-failed), no selection means fleetd's choice.
 */
export async function commonStartFields(
  client: ApiClient,
  args: RolloutFlags,
  opts: { selectionOptional?: boolean } = {},
) {
  const selection = { refs: args._.map(String), all: args.all === true, tag: parseTag(args.tag) };
  const none = !selection.refs.length && !selection.all && selection.tag === undefined;
  if (!(none && opts.selectionOptional)) checkSelection(selection);
  const offline = args["include-offline"];
  if (offline !== undefined && offline !== "wait" && offline !== "skip") {
    throw new CliError(`--include-offline is "wait" or "skip", got "${offline}"`);
  }
  const fields = {
    canary: countArg(args.canary, "canary", 0),
    batch: countArg(args.batch, "batch", 1),
    maxFailures: countArg(args["max-failures"], "max-failures", 0),
    timeoutSeconds: countArg(args.timeout, "timeout", 1),
    includeOffline: offline as "wait" | "skip" | undefined,
  };
  // --all on an empty fleet is fleetd's to answer (a rollout with nothing to do), as before --tag.
  const hosts = none
    ? undefined
    : selection.all
      ? (await client.call("listHosts")).hosts
      : await selectHosts(client, selection);
  const canaryRef = args["canary-host"];
  const canaryHosts = canaryRef ? (await resolveHostRefs(client, [canaryRef])).map((h) => h.id) : undefined;
  return { ...fields, hosts: hosts?.map((h) => h.id), canaryHosts };
}

/** Exit 0 only for a rollout that completed with no failed host; the message names what stopped it. */
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

/** Starts the rollout, prints its plan, and with --wait follows it to its end. */
export async function startAndFollow(
  client: ApiClient,
  request: StartRolloutRequest,
  args: { json?: boolean; wait?: boolean },
): Promise<number> {
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
}

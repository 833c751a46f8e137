// `fleetctl alerts`: what needs an operator's attention, raised and resolved by fleetd itself
// (docs/operations.md lists every kind). `ack <id>` marks one seen (it stays open until its
// condition is over), `silence <host|kind> --for 2h` marks a host's or a kind's alerts silenced so
// notifications skip them, `unsilence` ends that early and `silences` lists those in force.
import { type Alert, type AlertSilence, parseSilenceDuration } from "../../protocol/index.ts";
import type { ApiClient } from "../api.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { formatTable } from "../format/table.ts";
import { formatDuration, relativeTime } from "../format/time.ts";
import { paint, printJson, printText } from "../output.ts";
import { hostNames } from "../resolve-host.ts";
import { closest } from "../typos.ts";

export function formatAlertsTable(
  alerts: readonly Alert[],
  names: ReadonlyMap<string, string> = new Map(),
  now = Date.now(),
): string {
  const rows = alerts.map((a) => [
    a.id,
    relativeTime(a.raisedAt, now),
    a.kind,
    names.get(a.subject) ?? a.subject,
    _state(a),
    a.message,
  ]);
  return formatTable(["ID", "RAISED", "KIND", "SUBJECT", "STATE", "MESSAGE"], rows);
}

function _state(a: Alert): string {
  if (a.resolvedAt) return "resolved";
  const marks = [a.ackedBy ? `acked by ${a.ackedBy}` : "", a.silenced ? "silenced" : ""].filter(Boolean);
  return marks.length ? `open, ${marks.join(", ")}` : paint.red("open");
}

export function formatSilences(silences: readonly AlertSilence[], now = Date.now()): string {
  const rows = silences.map((s) => [
    s.hostName ?? s.subject,
    s.subjectType,
    `in ${formatDuration(Date.parse(s.until) - now)}`,
    s.createdBy,
  ]);
  return formatTable(["SUBJECT", "TYPE", "ENDS", "BY"], rows);
}

const VERBS = ["ack", "silence", "unsilence", "silences"] as const;

export default defineFleetCommand({
  meta: {
    name: "alerts",
    description:
      "Show open alerts (with --all, resolved ones too); `ack <id>`, `silence <host|kind> --for 2h`, `unsilence <host|kind>`, `silences`",
  },
  args: {
    action: {
      type: "positional",
      description: "`ack`, `silence`, `unsilence` or `silences`; none lists the alerts",
      required: false,
    },
    target: {
      type: "positional",
      description: "after ack: the alert id; after silence or unsilence: a host id or name, or an alert kind",
      required: false,
    },
    all: { type: "boolean", description: "include resolved alerts" },
    for: { type: "string", description: "with silence: how long, e.g. 30m, 2h, 7d (at most 30d)" },
    ...jsonArg,
    ...connectionArgs,
  },
  verbs: VERBS,
  examples: [
    "fleetctl alerts",
    "fleetctl alerts --all --json",
    "fleetctl alerts ack a_3f9a0c61d2b8",
    "fleetctl alerts silence web1 --for 2h",
    "fleetctl alerts silence config_behind --for 7d",
    "fleetctl alerts unsilence web1",
    "fleetctl alerts silences --json",
  ],
  async run({ args }) {
    const client = clientFromArgs(args);
    const json = args.json === true;
    if (args.action === undefined) return _list(client, args.all === true, json);
    if (args.action === "silences") return _silences(client, json);
    if (!(VERBS as readonly string[]).includes(args.action)) {
      const guess = closest(args.action, VERBS) ?? "ack";
      throw new CliError(
        `unknown action "${args.action}"; did you mean: fleetctl alerts ${guess} (actions: ${VERBS.join(", ")})`,
      );
    }
    if (args.target === undefined)
      throw new CliError(`fleetctl alerts ${args.action} needs ${_needs(args.action)}`);
    if (args.action === "ack") return _ack(client, args.target, json);
    if (args.action === "unsilence") return _unsilence(client, args.target, json);
    return _silence(client, args.target, args.for, json);
  },
});

const _needs = (action: string) =>
  action === "ack" ? "an alert id (see fleetctl alerts)" : "a host or an alert kind";

async function _list(client: ApiClient, all: boolean, json: boolean): Promise<void> {
  const list = await client.call("listAlerts", { query: { all: all ? "1" : undefined } });
  if (json) return printJson(list);
  printText(list.alerts.length ? formatAlertsTable(list.alerts, await hostNames(client)) : "No open alerts.");
}

async function _ack(client: ApiClient, id: string, json: boolean): Promise<void> {
  const { alert } = await client.call("ackAlert", { params: { id } });
  if (json) return printJson({ alert });
  printText(`Acknowledged ${alert.id} (${alert.kind}); it stays open until its condition is over.`);
}

async function _silence(client: ApiClient, subject: string, duration: string | undefined, json: boolean) {
  if (duration === undefined) throw new CliError("fleetctl alerts silence needs --for, e.g. --for 2h");
  const parsed = parseSilenceDuration(duration);
  if ("error" in parsed) throw new CliError(`--for: ${parsed.error}`);
  const { silence } = await client.call("addSilence", { body: { subject, for: duration } });
  if (json) return printJson({ silence });
  printText(
    `Silenced ${silence.subjectType} ${silence.hostName ?? silence.subject} until ${silence.until}: ` +
      "its alerts are still raised and listed, marked silenced.",
  );
}

async function _unsilence(client: ApiClient, subject: string, json: boolean): Promise<void> {
  const { silence } = await client.call("removeSilence", { params: { id: subject } });
  if (json) return printJson({ silence });
  printText(`Silence on ${silence.subjectType} ${silence.hostName ?? silence.subject} ended.`);
}

async function _silences(client: ApiClient, json: boolean): Promise<void> {
  const list = await client.call("listSilences");
  if (json) return printJson(list);
  printText(list.silences.length ? formatSilences(list.silences) : "No silences in force.");
}

// `fleetctl target`: the config commit every host is compared with and where it comes from (the
// config repo's branch head, a pin, or the newest commit a host fetched). `pin <sha>` holds it at
// one commit until `unpin`; `refresh` has fleetd read the config repo now.
import { CommitSha, type ConfigTargetResponse } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { formatTargetLine, noTargetReason } from "../format/config.ts";
import { formatFields } from "../format/table.ts";
import { relativeTime } from "../format/time.ts";
import { paint, printJson, printText } from "../output.ts";

const _SOURCES = {
  repo: "the config repo's branch head",
  pin: "a pin (fleetctl target unpin to follow the repo again)",
  hosts: "the newest commit a host fetched (fleetd has no --config-repo, or has not read it yet)",
} as const;

const _when = (iso: string | null, now: number) => (iso ? `${relativeTime(iso, now)} (${iso})` : "-");

export function formatTargetDetail(described: ConfigTargetResponse, now = Date.now()): string {
  const { target, repo, pin, error } = described;
  const fields: [string, string][] = target
    ? [
        ["Target", target.commit],
        ["Subject", target.subject ?? "-"],
        ["Committed", _when(target.committedAt, now)],
        ["Source", _SOURCES[target.source]],
        ["Checked", _when(target.checkedAt, now)],
      ]
    : [["Target", `none: ${noTargetReason(described)}`]];
  fields.push(
    ["Repo", repo ? `${repo.url} (branch ${repo.branch})` : "none (fleetd serve --config-repo URL)"],
    ["Pin", pin ? `${pin.commit}, since ${_when(pin.pinnedAt, now)}` : "none"],
  );
  if (error) fields.push(["Error", paint.red(error)]);
  return formatFields(fields);
}

/** A full commit name, refused here when malformed so nothing is sent: fleetd pins only full shas. */
export function parsePinCommit(raw: string): string {
  const parsed = CommitSha.safeParse(raw.toLowerCase());
  if (parsed.success) return parsed.data;
  // A short sha or a branch name is most likely what was typed: git turns it into the full one.
  const ref = /^[\w./-]{1,100}$/.test(raw) ? raw : "HEAD";
  throw new CliError(
    `"${raw}" is not a full commit: give all 40 (or 64) hex digits, e.g. $(git rev-parse ${ref})`,
  );
}

const show = defineFleetCommand({
  meta: { name: "show", description: "Show the config target, where it comes from, the repo and the pin" },
  args: { ...jsonArg, ...connectionArgs },
  examples: ["fleetctl target show", "fleetctl target --json | jq -r .target.commit"],
  async run({ args }) {
    const described = await clientFromArgs(args).call("getConfigTarget");
    if (args.json) return printJson(described);
    printText(formatTargetDetail(described));
  },
});

const pin = defineFleetCommand({
  meta: {
    name: "pin",
    description: "Hold the target at one commit, over the repo and the hosts, until unpinned",
  },
  args: {
    commit: { type: "positional", description: "the full commit sha to pin", required: true },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: ["fleetctl target pin $(git rev-parse HEAD)"],
  async run({ args }) {
    const commit = parsePinCommit(args.commit);
    const described = await clientFromArgs(args).call("pinConfigTarget", { body: { commit } });
    if (args.json) return printJson(described);
    printText(`pinned the target at ${commit}: every host is compared with it until fleetctl target unpin`);
  },
});

const unpin = defineFleetCommand({
  meta: {
    name: "unpin",
    description: "Drop the pin: the target follows the config repo (or the hosts) again",
  },
  args: { ...jsonArg, ...connectionArgs },
  examples: ["fleetctl target unpin"],
  async run({ args }) {
    const described = await clientFromArgs(args).call("unpinConfigTarget");
    if (args.json) return printJson(described);
    const now = described.target
      ? formatTargetLine(described.target)
      : `no target: ${noTargetReason(described)}`;
    printText(`unpinned; ${now}`);
  },
});

const refresh = defineFleetCommand({
  meta: { name: "refresh", description: "Have fleetd read the config repo's branch head now" },
  args: { ...jsonArg, ...connectionArgs },
  examples: ["fleetctl target refresh"],
  async run({ args }) {
    const described = await clientFromArgs(args).call("refreshConfigTarget");
    if (args.json) {
      printJson(described);
      return described.error ? 1 : 0;
    }
    if (described.error) throw new CliError(`fleetd could not read the config repo: ${described.error}`);
    const now = described.target
      ? formatTargetLine(described.target)
      : `no target: ${noTargetReason(described)}`;
    printText(
      described.repo ? now : `fleetd has no config repo to read (fleetd serve --config-repo URL); ${now}`,
    );
  },
});

export default defineFleetCommand({
  meta: {
    name: "target",
    description: "Show the config commit every host is compared with; pin, unpin or refresh it",
  },
  // Given here as well, for `fleetctl target --json`: citty hands them to the default, show.
  args: { ...jsonArg, ...connectionArgs },
  default: "show",
  subCommands: { show, pin, unpin, refresh },
  examples: [
    "fleetctl target",
    "fleetctl target pin 3f9a0c61d2b84e57a1b2c3d4e5f60718293a4b5c",
    "fleetctl target unpin",
    "fleetctl target refresh",
  ],
});

// `fleetctl enroll-token create`: a single-use, expiring token and the one-liner that
// installs and enrolls the agent on a new host with it. `list` shows the tokens fleetd
// remembers (never the secret), `revoke <id>` makes an unused one worthless.
import type { EnrollTokenCreated, EnrollTokenInfo } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { formatTable } from "../format/table.ts";
import { relativeTime } from "../format/time.ts";
import { paint, printJson, printText } from "../output.ts";
import { hostNames } from "../resolve-host.ts";

export function formatEnrollToken(created: EnrollTokenCreated): string {
  return [
    `Enroll token ${created.id} (single use, expires ${created.expiresAt}):`,
    `  ${created.token}`,
    "",
    "Install and enroll the agent on a host with:",
    `  ${created.installCommand}`,
  ].join("\n");
}

/** "in 55m" for an expiry ahead, "5m ago" for one past: relativeTime of the mirrored moment. */
function _expires(iso: string, now: number): string {
  const ahead = Date.parse(iso) - now;
  if (!(ahead > 0)) return relativeTime(iso, now);
  return `in ${relativeTime(new Date(now - ahead).toISOString(), now).replace(/ ago$/, "")}`;
}

export function formatEnrollTokens(
  tokens: readonly EnrollTokenInfo[],
  names: ReadonlyMap<string, string> = new Map(),
  now = Date.now(),
): string {
  const rows = tokens.map((t) => [
    t.id,
    relativeTime(t.createdAt, now),
    _expires(t.expiresAt, now),
    t.state === "unused" ? paint.green(t.state) : t.state,
    t.usedByHostId ? (names.get(t.usedByHostId) ?? t.usedByHostId) : "",
    t.note ?? "",
  ]);
  return formatTable(["ID", "CREATED", "EXPIRES", "STATE", "USED BY", "NOTE"], rows);
}

const list = defineFleetCommand({
  meta: { name: "list", description: "List enroll tokens, newest first: unused, used, expired or revoked" },
  args: { ...jsonArg, ...connectionArgs },
  examples: [
    "fleetctl enroll-token list",
    "fleetctl enroll-token list --json | jq -r '.tokens[] | select(.state == \"unused\") | .id'",
  ],
  async run({ args }) {
    const client = clientFromArgs(args);
    const { tokens } = await client.call("listEnrollTokens");
    if (args.json) return printJson({ tokens });
    if (!tokens.length) return printText("No enroll tokens. Create one with: fleetctl enroll-token create");
    printText(formatEnrollTokens(tokens, await hostNames(client)));
  },
});

const revoke = defineFleetCommand({
  meta: { name: "revoke", description: "Revoke an unused enroll token by id, so it can enroll nothing" },
  args: {
    id: { type: "positional", description: "token id (from enroll-token list or create)", required: true },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: ["fleetctl enroll-token revoke et_3f9a0c61d2b84e57"],
  async run({ args }) {
    const { token } = await clientFromArgs(args).call("revokeEnrollToken", {
      params: { id: args.id },
    });
    if (args.json) return printJson({ token });
    printText(`revoked enroll token ${token.id}: enrolling with it is refused from now on`);
  },
});

const create = defineFleetCommand({
  meta: { name: "create", description: "Create a single-use enroll token and print the install one-liner" },
  args: {
    ttl: { type: "string", description: "lifetime in seconds (fleetd's default is 1 hour)" },
    note: { type: "string", description: "what the token is for, kept in the audit log" },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: [
    "fleetctl enroll-token create",
    "fleetctl enroll-token create --ttl 600 --json | jq -r .installCommand",
  ],
  async run({ args }) {
    const ttlSeconds = args.ttl === undefined ? undefined : Number(args.ttl);
    if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
      throw new CliError(`--ttl must be a positive number of seconds, got "${args.ttl}"`);
    }
    const created = await clientFromArgs(args).call("createEnrollToken", {
      body: { ttlSeconds, note: args.note },
    });
    if (args.json) return printJson(created);
    printText(formatEnrollToken(created));
  },
});

export default defineFleetCommand({
  meta: { name: "enroll-token", description: "Manage enroll tokens for adding hosts" },
  subCommands: { create, list, revoke },
  examples: [
    "fleetctl enroll-token create --ttl 3600",
    "fleetctl enroll-token list",
    "fleetctl enroll-token revoke et_3f9a0c61d2b84e57",
  ],
});

// `fleetctl enroll-token create`: a single-use, expiring token and the one-liner that
// installs and enrolls the agent on a new host with it.
import { EnrollTokenCreated } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { printJson, printText } from "../output.ts";

export function formatEnrollToken(created: EnrollTokenCreated): string {
  return [
    `Enroll token (single use, expires ${created.expiresAt}):`,
    `  ${created.token}`,
    "",
    "Install and enroll the agent on a host with:",
    `  ${created.installCommand}`,
  ].join("\n");
}

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
    const created = await clientFromArgs(args).request("createEnrollToken", EnrollTokenCreated, {
      body: { ttlSeconds, note: args.note },
    });
    if (args.json) return printJson(created);
    printText(formatEnrollToken(created));
  },
});

export default defineFleetCommand({
  meta: { name: "enroll-token", description: "Manage enroll tokens for adding hosts" },
  subCommands: { create },
  examples: ["fleetctl enroll-token create --ttl 3600"],
});

// `fleetctl doctor`: is this fleetctl set up to operate this fleetd? One line per check and,
// for each failure, what to do about it. Exits 1 if any check failed.

import { defineFleetCommand } from "../command.ts";
import { connectionArgs, DEFAULT_SERVER, jsonArg } from "../config.ts";
import { type Check, runDoctor } from "../doctor.ts";
import { CliError } from "../errors.ts";
import { formatTable } from "../format/table.ts";
import { paint, printJson, printText } from "../output.ts";

const MARK = { ok: () => paint.green("ok"), fail: () => paint.red("FAIL"), skipped: () => paint.gray("-") };

export function formatChecks(checks: readonly Check[]): string {
  const rows = checks.map((c) => [MARK[c.status](), c.name, c.detail]);
  const table = formatTable(["", "CHECK", "RESULT"], rows).split("\n").slice(1).join("\n");
  const fixes = checks.filter((c) => c.fix).map((c) => `${c.name}: ${c.fix}`);
  const failed = checks.filter((c) => c.status === "fail").length;
  const verdict = failed ? `${failed} check(s) failed. To fix:\n  ${fixes.join("\n  ")}` : "All good.";
  return `${table}\n\n${verdict}`;
}

export default defineFleetCommand({
  meta: {
    name: "doctor",
    description: "Check reachability, token, clock skew and version match with fleetd",
  },
  args: { ...jsonArg, ...connectionArgs },
  examples: ["fleetctl doctor", "fleetctl doctor --server https://fleet.example.com --json"],
  async run({ args }) {
    const server = (args.server || process.env.FLEET_SERVER || DEFAULT_SERVER).replace(/\/+$/, "");
    if (!/^https?:\/\/[^/]/.test(server))
      throw new CliError(`--server must be an http(s) URL, got "${server}"`);
    const checks = await runDoctor(server, args.token || process.env.FLEET_TOKEN || undefined);
    const ok = checks.every((c) => c.status !== "fail");
    if (args.json) printJson({ server, ok, checks });
    else printText(`fleetctl doctor: ${server}\n\n${formatChecks(checks)}`);
    return ok ? 0 : 1;
  },
});

// What fleetd tells the operator at start: where the admin token is (first start only), where the
// board is, and the exact steps to enroll a host, as commands that work pasted as printed: from a
// source tree fleetctl is `npm run fleetctl --`, and a fleetd not on the default URL gets its export.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ConsolaInstance } from "consola";
import { FROM_SOURCE, VERSION } from "../protocol/build-info.ts";
import type { RunningServer } from "./app.ts";
import type { ServerConfig } from "./config.ts";
import { ADMIN_TOKEN_FILE } from "./services/admin-token.ts";
import { installCommand } from "./services/enroll.ts";

/** fleetctl's own default; another URL needs FLEET_SERVER in the operator's shell. */
const FLEETCTL_DEFAULT_SERVER = "http://127.0.0.1:8080";

export function printStartBanner(log: ConsolaInstance, server: RunningServer, config: ServerConfig): void {
  const publicUrl = server.fleet.ctx.publicUrl;
  const tokenFile = join(config.dataDir, ADMIN_TOKEN_FILE);
  // The token itself is never printed: stdout ends up in journald, `docker logs` or a CI log,
  // all readable by more people than the 0600 file is.
  if (server.fleet.newAdminToken) {
    log.box(
      [
        "First start: created the admin token (fleetd keeps only its hash).",
        `It is in ${tokenFile} (mode 0600).`,
      ].join("\n"),
    );
  }
  log.success(`fleetd ${VERSION} listening on ${server.url} (data in ${config.dataDir})`);
  const manifest = server.fleet.ctx.artifacts.manifest();
  if (!manifest)
    log.warn("no artifacts manifest: fleetd serves no agents, so hosts cannot install or update");
  const agents = manifest?.artifacts.filter((a) => a.program === "fleet-agent").map((a) => a.target) ?? [];
  const exports = [`export FLEET_TOKEN="$(cat ${tokenFile})"`];
  if (server.url.replace(/\/+$/, "") !== FLEETCTL_DEFAULT_SERVER)
    exports.push(`export FLEET_SERVER=${server.url}`);
  log.info(
    [
      `Board: ${publicUrl}/ (${_boardAccess(config)})`,
      ...(agents.length > 0 ? [`Agents served for: ${agents.join(", ")}`] : []),
      "Enroll a host, from a shell on this machine:",
      ...exports.map((line) => `  ${line}`),
      `  ${fleetctlCommand()} enroll-token create`,
      "then on the host, with the token it printed:",
      `  ${installCommand(publicUrl, "<enroll-token>")}`,
    ].join("\n"),
  );
}

/** How the operator runs fleetctl next to this fleetd. */
export function fleetctlCommand(): string {
  if (FROM_SOURCE) return "npm run fleetctl --";
  if (Bun.which("fleetctl")) return "fleetctl";
  // A build unpacked but not on PATH: fleetctl sits next to fleetd, named for its target.
  const dir = dirname(process.execPath);
  const beside = [join(dir, "fleetctl"), join(dir, `fleetctl-${process.platform}-${process.arch}`)];
  return beside.find((path) => existsSync(path)) ?? "fleetctl";
}

/** Who can read the board, so an operator who opens it knows what it will ask for. */
function _boardAccess(config: ServerConfig): string {
  if (config.publicBoard) return "public, without job output and paths; a token shows all";
  if (config.boardTokenHash) return "asks for the board token or the admin token";
  return "asks for the admin token; --board-token adds a read-only one, --public-board a public view";
}

// What fleetd tells the operator at start: where the admin token is (first start only), where the
// board is, and the exact steps to enroll a host.
import { join } from "node:path";
import type { ConsolaInstance } from "consola";
import { VERSION } from "../protocol/build-info.ts";
import type { RunningServer } from "./app.ts";
import type { ServerConfig } from "./config.ts";
import { ADMIN_TOKEN_FILE } from "./services/admin-token.ts";
import { installCommand } from "./services/enroll.ts";

export function printStartBanner(log: ConsolaInstance, server: RunningServer, config: ServerConfig): void {
  const publicUrl = server.fleet.ctx.publicUrl;
  // The token itself is never printed: stdout ends up in journald, `docker logs` or a CI log,
  // all readable by more people than the 0600 file is.
  if (server.fleet.newAdminToken) {
    const file = join(config.dataDir, ADMIN_TOKEN_FILE);
    log.box(
      [
        "First start: created the admin token (fleetd keeps only its hash).",
        `It is in ${file} (mode 0600). For fleetctl:`,
        "",
        `  export FLEET_TOKEN="$(cat ${file})"`,
      ].join("\n"),
    );
  }
  log.success(`fleetd ${VERSION} listening on ${server.url} (data in ${config.dataDir})`);
  if (!server.fleet.ctx.artifacts.manifest())
    log.warn("no artifacts manifest: hosts cannot be checked for outdated agents");
  log.info(
    [
      `Board: ${publicUrl}/`,
      "Enroll a host:",
      "  1. fleetctl enroll-token create",
      "  2. on the host, with the token it printed:",
      `     ${installCommand(publicUrl, "<enroll-token>")}`,
    ].join("\n"),
  );
}

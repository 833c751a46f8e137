// `fleet-agent enroll`: trade a single-use enroll token for this host's id and token,
// and write config.json (defaults for this platform) and credentials.json (0600).
import { existsSync, mkdirSync } from "node:fs";
import { defineCommand } from "citty";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import { AgentClient } from "../client.ts";
import { type AgentConfig, defaultHostName, defaultSwitchCommand, loadCredentials } from "../config.ts";
import { log } from "../log.ts";
import { pathsFrom, stateDirArg } from "./shared.ts";

export default defineCommand({
  meta: {
    name: "enroll",
    description:
      "Enroll this host with fleetd. Example: fleet-agent enroll --server http://fleet:8080 --token fe_…",
  },
  args: {
    ...stateDirArg,
    server: { type: "string", required: true, description: "fleetd URL, e.g. http://fleet.lan:8080" },
    token: {
      type: "string",
      required: true,
      description: "enroll token from 'fleetctl enroll-token create'",
    },
    name: { type: "string", description: "host name shown in the fleet (default: this machine's hostname)" },
    "repo-dir": { type: "string", description: "config repo checkout used by pull/switch/test" },
    force: { type: "boolean", description: "enroll again even if this state dir is already enrolled" },
  },
  async run({ args }) {
    const paths = pathsFrom(args);
    if (existsSync(paths.credentials) && !args.force) {
      const creds = loadCredentials(paths);
      log.info(`already enrolled as ${creds.hostId} (state dir ${paths.root}); use --force to enroll again`);
      return;
    }
    const name = args.name ?? defaultHostName();
    const client = new AgentClient(args.server, null);
    const enrolled = await client.enroll(args.token, name);
    mkdirSync(paths.root, { recursive: true, mode: 0o700 });
    writeFileAtomic(
      paths.credentials,
      JSON.stringify({ hostId: enrolled.hostId, hostToken: enrolled.hostToken }, null, 2),
      0o600,
    );
    if (!existsSync(paths.config)) {
      const repoDir = args["repo-dir"];
      const config: Partial<AgentConfig> = {
        server: args.server,
        name: enrolled.name,
        ...(repoDir ? { repo: { dir: repoDir, branch: "main", remote: "origin", flakeInputs: [] } } : {}),
        ...(defaultSwitchCommand() ? { switch: defaultSwitchCommand() } : {}),
      };
      writeFileAtomic(paths.config, `${JSON.stringify(config, null, 2)}\n`, 0o600);
    }
    log.success(`enrolled as ${enrolled.name} (${enrolled.hostId}); state in ${paths.root}`);
  },
});

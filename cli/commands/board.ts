// `fleetctl board export <dir>`: a self-contained static snapshot of the status board
// (index.html, assets/, board.json) that works from any static host or straight from disk.
// Browsers will not fetch from a file:// page, so the data is embedded in index.html as an inert
// JSON <script> block (with each host's detail and the hosts' vitals) and the page renders it
// without fetching.
// The page and assets come from the same fleetd as the data, so they always match its shape.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ArgsDef } from "citty";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import { mapLimit } from "../../lib/map-limit.ts";
import { createApiClient } from "../api.ts";
import { defineFleetCommand } from "../command.ts";
import { connectionArgs, DEFAULT_SERVER, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { printJson, printText } from "../output.ts";

/** The placeholder in site/index.html that a snapshot replaces with its data. */
export const SNAPSHOT_MARK = "<!--fleet-snapshot-->";
const ASSETS = ["board.css", "board.js"] as const;
const DETAIL_CONCURRENCY = 4;

const exportArgs = {
  dir: { type: "positional", description: "directory to write the snapshot into", required: true },
  "board-token": { type: "string", description: "board read token (env FLEET_BOARD_TOKEN)" },
  ...jsonArg,
  ...connectionArgs,
} as const satisfies ArgsDef;

/** Data inside <script type="application/json">: "<" escaped so no "</script>" can end it early. */
export function embedSnapshot(html: string, data: unknown): string {
  if (!html.includes(SNAPSHOT_MARK)) throw new CliError("fleetd's board page has no snapshot placeholder");
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  return html
    .replace(SNAPSHOT_MARK, () => `<script id="fleet-snapshot" type="application/json">${json}</script>`)
    .replace('href="api/v1/board"', 'href="board.json"');
}

const exportCommand = defineFleetCommand({
  meta: { name: "export", description: "Write a static snapshot of the status board into a directory" },
  args: exportArgs,
  examples: [
    "fleetctl board export ./status          # then open ./status/index.html",
    "FLEET_BOARD_TOKEN=... fleetctl board export /var/www/fleet-status",
  ],
  async run({ args }) {
    const server = (args.server || process.env.FLEET_SERVER || DEFAULT_SERVER).replace(/\/+$/, "");
    if (!/^https?:\/\/[^/]/.test(server))
      throw new CliError(`--server must be an http(s) URL, got "${server}"`);
    const token =
      args["board-token"] || process.env.FLEET_BOARD_TOKEN || args.token || process.env.FLEET_TOKEN;
    const client = createApiClient({ server, token: token || undefined });
    const board = await client.call("board");
    const vitals = await client.call("boardVitals");
    const details = await mapLimit(board.hosts, DETAIL_CONCURRENCY, (h) =>
      client.call("boardHost", { params: { id: h.id } }),
    );
    const html = await (await client.open("boardPage")).text();
    const assets = await Promise.all(
      ASSETS.map(async (file) => (await client.open("boardAsset", { params: { file } })).text()),
    );

    const dir = resolve(args.dir);
    mkdirSync(join(dir, "assets"), { recursive: true });
    const files: string[] = [];
    const write = (name: string, body: string) => {
      writeFileAtomic(join(dir, name), body);
      files.push(name);
    };
    ASSETS.forEach((file, i) => {
      write(`assets/${file}`, assets[i]!);
    });
    write("board.json", `${JSON.stringify(board, null, 2)}\n`);
    const byId = Object.fromEntries(details.map((d) => [d.host.id, d]));
    write("index.html", embedSnapshot(html, { board, details: byId, vitals }));

    if (args.json)
      return printJson({ dir, files, generatedAt: board.generatedAt, hosts: board.hosts.length });
    printText(
      `Wrote a snapshot of ${board.hosts.length} host(s) taken at ${board.generatedAt} to ${dir}\n` +
        `Open ${join(dir, "index.html")} or serve the directory from any static host.`,
    );
  },
});

export default defineFleetCommand({
  meta: { name: "board", description: "The status board: export a static snapshot" },
  subCommands: { export: exportCommand },
  examples: ["fleetctl board export ./status"],
});

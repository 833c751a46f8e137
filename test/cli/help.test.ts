// `--help` on every command of the tree prints its usage and at least one example, and the
// example names the command itself, so no command is ever left without a worked example.
import { expect, test } from "bun:test";
import { resolve } from "node:path";
import { allNodes, commandTree } from "../../cli/command-tree.ts";
import { fleetctl } from "../../cli/root.ts";
import { runToEnd } from "../harness/run-to-end.ts";

const REPO = resolve(import.meta.dir, "../..");

test("every command's --help has USAGE and an EXAMPLES section using that command", async () => {
  const nodes = allNodes(commandTree(fleetctl));
  expect(nodes.length).toBeGreaterThan(15);
  const runs = nodes.map(async (node) => {
    const { stdout: out, code } = await runToEnd(
      [process.execPath, "cli/main.ts", ...node.path, "--help"],
      {},
      { cwd: REPO },
    );
    const name = ["fleetctl", ...node.path].join(" ");
    const examples = out.split("\nEXAMPLES\n")[1] ?? "";
    return {
      name,
      code,
      usage: out.includes(`USAGE ${name}`),
      example: examples.split("\n").some((l) => l.trim().startsWith(name) || l.includes(`${name} `)),
    };
  });
  for (const result of await Promise.all(runs))
    expect(result).toEqual({ name: result.name, code: 0, usage: true, example: true });
}, 60_000);

test("--help piped to a file or pager has no colour codes, for fleetd and fleetctl alike", async () => {
  const { NO_COLOR: _, FORCE_COLOR: __, ...env } = process.env;
  const runs = [
    ["server/main.ts", "serve", "--help"],
    ["server/main.ts", "--help"],
    ["cli/main.ts", "--help"],
    ["cli/main.ts", "hosts", "--help"],
  ].map(async (argv) => {
    const proc = Bun.spawn([process.execPath, ...argv], { cwd: REPO, env, stdout: "pipe", stderr: "pipe" });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    return { argv: argv.join(" "), code, usage: out.includes("USAGE"), ansi: out.includes("\u001b[") };
  });
  for (const r of await Promise.all(runs))
    expect(r).toEqual({ argv: r.argv, code: 0, usage: true, ansi: false });
}, 60_000);

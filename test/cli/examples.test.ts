// Every worked example under every command's --help is a command that would run: its
// subcommands and flags exist, it gives no more arguments than the command takes, and any
// audit action it filters on is one fleetd records (an example filtering on a misspelt
// action silently matches nothing).
import { expect, test } from "bun:test";
import { allNodes, commandTree } from "../../cli/command-tree.ts";
import { fleetctl } from "../../cli/root.ts";
import { AUDIT_ACTIONS } from "../../protocol/index.ts";
import { commandLineProblem, fleetctlInvocations } from "./command-lines.ts";

const tree = commandTree(fleetctl);
const examples = allNodes(tree).flatMap((node) => node.examples.map((line) => ({ node, line })));

test("every example's commands and flags exist in the command tree", () => {
  expect(examples.length).toBeGreaterThan(30);
  const problems = examples.flatMap(({ line }) =>
    fleetctlInvocations(line)
      .map((args) => commandLineProblem(tree, args))
      .filter((p) => p !== null)
      .map((p) => `${line}: ${p}`),
  );
  expect(problems).toEqual([]);
});

test("audit actions named in examples are ones fleetd records", () => {
  const named = examples.flatMap(({ line }) =>
    [...line.matchAll(/\.action\s*==\s*"([^"]+)"|"([a-z_]+\.[a-z_]+)"/g)].map((m) => m[1] ?? m[2]!),
  );
  expect(named).toContain("job.created");
  expect(named.filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a))).toEqual([]);
});

test("the checker itself catches a wrong flag, a wrong action's command and extra words", () => {
  expect(commandLineProblem(tree, ["hosts", "extra"])).toContain("takes 0 argument(s)");
  expect(commandLineProblem(tree, ["audit", "--limt", "3"])).toContain("did you mean --limit?");
  expect(commandLineProblem(tree, ["run", "pull", "web1", "web2", "--wait"])).toBeNull();
  expect(fleetctlInvocations("FLEET_TOKEN=x fleetctl hosts --json | jq .")).toEqual([["hosts", "--json"]]);
});

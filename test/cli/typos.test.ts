// Did-you-mean: unknown commands and flags are refused with the closest known name, before
// anything is sent to fleetd, checked on the real command tree and through the real binary.
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { allNodes, commandTree } from "../../cli/command-tree.ts";
import { fleetctl } from "../../cli/root.ts";
import { closest, editDistance, findTypo, unknownValueMessage } from "../../cli/typos.ts";

const tree = commandTree(fleetctl);
const REPO = resolve(import.meta.dir, "../..");

describe("closest", () => {
  test("edit distance counts a swap of neighbours as one edit", () => {
    expect(editDistance("hsot", "host")).toBe(1);
    expect(editDistance("hsts", "hosts")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });

  test("suggests only what is close enough, preferring the closest", () => {
    expect(closest("hsts", ["hosts", "host", "jobs"])).toBe("hosts");
    expect(closest("jb", ["job", "jobs"])).toBe("job");
    expect(closest("frobnicate", ["hosts", "jobs"])).toBeUndefined();
    expect(closest("enroll", ["enroll-token", "audit"])).toBe("enroll-token");
  });
});

test("a value from a fixed list (an operation, a job state) gets a did-you-mean too", () => {
  expect(unknownValueMessage("operation", "swich", ["pull", "switch", "test"])).toBe(
    'unknown operation "swich" — did you mean switch? (one of: pull, switch, test)',
  );
  expect(unknownValueMessage("state", "frobbed", ["queued", "failed"])).toBe(
    'unknown state "frobbed"; one of: queued, failed',
  );
});

describe("findTypo on fleetctl's tree", () => {
  test("unknown commands at any depth name their parent and the likely one", () => {
    expect(findTypo(tree, ["hsts"])).toBe("unknown command hsts — did you mean hosts?");
    expect(findTypo(tree, ["rollout", "stats"])).toBe(
      "unknown command stats for fleetctl rollout — did you mean status?",
    );
    expect(findTypo(tree, ["frobnicate"])).toStartWith(
      "unknown command frobnicate; the commands are: hosts,",
    );
  });

  test("unknown flags are caught, known ones with their values pass", () => {
    expect(findTypo(tree, ["update", "--all", "--wiat"])).toBe(
      "unknown option --wiat for fleetctl update — did you mean --wait?",
    );
    expect(findTypo(tree, ["hosts", "--jsn=1"])).toBe(
      "unknown option --jsn for fleetctl hosts — did you mean --json?",
    );
    const fine = [
      ["run", "test", "web1", "--arg", "suite=smoke", "--wait", "--json"],
      ["job", "j_1", "-f"],
      ["update", "--all", "--canary", "2", "--max-failures=1", "--no-wait"],
      ["hosts", "--help"],
      ["--version"],
      [],
      ["run", "pull", "--", "--not-a-flag"],
    ];
    for (const args of fine) expect({ args, typo: findTypo(tree, args) }).toEqual({ args, typo: null });
  });

  test("an option before the command name (which citty would take for the command) says where it goes", () => {
    expect(findTypo(tree, ["--server", "http://x", "hosts"])).toBe(
      "--server is not an option of fleetctl itself; options go after the command, e.g. fleetctl hosts --server …",
    );
  });

  test("every command of the tree is reachable by its own name", () => {
    for (const node of allNodes(tree)) expect(findTypo(tree, node.path)).toBeNull();
  });
});

test("the real fleetctl: exit 1 with the suggestion, nothing on stdout", async () => {
  for (const [args, message] of [
    [["hsts"], "unknown command hsts — did you mean hosts?"],
    [["update", "--all", "--wiat"], "unknown option --wiat for fleetctl update — did you mean --wait?"],
  ] as const) {
    const run = Bun.spawnSync([process.execPath, "cli/main.ts", ...args], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: "1", FLEET_TOKEN: "t", FLEET_SERVER: "http://127.0.0.1:9" },
    });
    expect(run.stderr.toString()).toContain(message);
    expect(run.stdout.toString()).toBe("");
    expect(run.exitCode).toBe(1);
  }
});

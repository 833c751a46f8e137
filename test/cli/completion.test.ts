// Shell completion in the real shells, typed into a real terminal (tmux): the script from
// `fleetctl completion <shell>` is loaded the way its header says, then Tab completes a nested
// subcommand and a flag. bash always; zsh and fish where installed (.ci/run installs them).
import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { commandTree } from "../../cli/command-tree.ts";
import { completionScript } from "../../cli/completion.ts";
import { fleetctl } from "../../cli/root.ts";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import { writeExecutable } from "../harness/config-repo.ts";
import { tempDir } from "../harness/index.ts";
import { Tmux } from "../harness/tmux.ts";

const REPO = resolve(import.meta.dir, "../..");
const noTerminal = tierSkipReason("terminal");
if (noTerminal) console.log(`test/cli/completion: skipping Tab in real shells: ${noTerminal}`);

/** A `fleetctl` on PATH that runs this checkout's source. */
function fleetctlOnPath(): string {
  const bin = tempDir("completion-bin");
  writeExecutable(join(bin, "fleetctl"), `exec "${process.execPath}" "${REPO}/cli/main.ts" "$@"`);
  return `${bin}:${process.env.PATH}`;
}

let term: Tmux | null = null;
afterEach(() => {
  term?.kill();
  term = null;
});

const SHELLS = [
  { shell: "bash", argv: ["bash", "--norc", "--noprofile"], load: "source <(fleetctl completion bash)" },
  {
    shell: "zsh",
    argv: ["zsh", "-f"],
    load: "autoload -U compinit && compinit -u && source <(fleetctl completion zsh)",
  },
  { shell: "fish", argv: ["fish", "--no-config"], load: "fleetctl completion fish | source" },
] as const;

describe.skipIf(noTerminal !== null)("Tab in a real shell", () => {
  for (const { shell, argv, load } of SHELLS) {
    test(`${shell}: completes a nested command and a flag`, async () => {
      term = Tmux.start([...argv], {
        width: 120,
        height: 20,
        env: { PATH: fleetctlOnPath(), HOME: tempDir("home") },
      });
      term.type(`${load} && echo loaded-ok`, "Enter");
      await term.waitForScreen((s) => s.includes("\nloaded-ok"), `${shell} loading the completion`);
      term.type("fleetctl rollout sta", "Tab");
      await term.waitForScreen(
        (s) => /fleetctl rollout status\b/.test(s),
        `${shell} completing "rollout sta"`,
      );
      term.type(" --wa", "Tab");
      await term.waitForScreen(
        (s) => /fleetctl rollout status +--watch\b/.test(s),
        `${shell} completing --wa`,
      );
    }, 60_000);
  }
});

test("the scripts are generated from the tree: every command and flag appears, and they parse", () => {
  const tree = commandTree(fleetctl);
  const dir = tempDir("completion-scripts");
  for (const shell of ["bash", "zsh", "fish"] as const) {
    const script = completionScript(shell, tree);
    for (const word of ["doctor", "enroll-token", "max-failures", "include-offline", "watch", "interval"])
      expect({ shell, word, present: script.includes(word) }).toEqual({ shell, word, present: true });
    const file = join(dir, `fleetctl.${shell}`);
    writeFileSync(file, script);
    if (noTerminal === null) expect(Bun.spawnSync([shell, "-n", file]).exitCode).toBe(0);
  }
});

test("the bash script offers the newer commands where they belong", () => {
  const script = completionScript("bash", commandTree(fleetctl));
  const words = (key: string) =>
    new RegExp(`'${key}'\\) words='([^']*)'`).exec(script)?.[1]?.split(" ") ?? [];
  expect(words("/enroll-token")).toEqual(expect.arrayContaining(["create", "list", "revoke"]));
  expect(words("/rollout")).toEqual(expect.arrayContaining(["list", "status"]));
  expect(words("/hosts")).toEqual(expect.arrayContaining(["--output", "--watch", "--interval", "--json"]));
  expect(words("/host")).toEqual(expect.arrayContaining(["revoke", "delete", "--yes"]));
});

// `fleetctl completion bash|zsh|fish`: prints a completion script generated from the command
// tree, so it always knows every command and flag of this fleetctl.
import type { ArgsDef, CommandDef } from "citty";
import { defineFleetCommand } from "../command.ts";
import { commandTree } from "../command-tree.ts";
import { completionScript, SHELLS, type Shell } from "../completion.ts";
import { CliError } from "../errors.ts";
import { printText } from "../output.ts";

/** `root` is a getter: this command is part of the tree it describes. */
export function completionCommand(root: () => CommandDef<ArgsDef>) {
  return defineFleetCommand({
    meta: { name: "completion", description: `Print shell completion (${SHELLS.join(", ")})` },
    args: { shell: { type: "positional", description: SHELLS.join(" | "), required: true } },
    examples: [
      "source <(fleetctl completion bash)        # in ~/.bashrc",
      "source <(fleetctl completion zsh)         # in ~/.zshrc, after compinit",
      "fleetctl completion fish > ~/.config/fish/completions/fleetctl.fish",
    ],
    run({ args }) {
      if (!(SHELLS as readonly string[]).includes(args.shell)) {
        throw new CliError(`no completion for "${args.shell}"; one of: ${SHELLS.join(", ")}`);
      }
      printText(completionScript(args.shell as Shell, commandTree(root())));
    },
  });
}

// Shell completion scripts for bash, zsh and fish, generated from the command tree. Each
// script finds the command path typed so far (only known subcommand names descend, so flag
// values never confuse it) and offers that command's subcommands and flags.
import { allNodes, type TreeNode } from "./command-tree.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const _key = (node: TreeNode) => (node.path.length ? `/${node.path.join("/")}` : "");
const _descended = (root: TreeNode) =>
  allNodes(root)
    .filter((n) => n.path.length)
    .map(_key);
const _flagWords = (node: TreeNode) => node.flags.map((f) => `--${f.name}`);
/** Single-quoted for any of the three shells. */
const _q = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
const _oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

export function completionScript(shell: Shell, root: TreeNode): string {
  if (shell === "bash") return _bash(root);
  if (shell === "zsh") return _zsh(root);
  return _fish(root);
}

function _bash(root: TreeNode): string {
  const cases = allNodes(root)
    .map(
      (n) =>
        `    ${_q(_key(n))}) words=${_q([...n.children.map((c) => c.name), ...n.verbs, ..._flagWords(n)].join(" "))} ;;`,
    )
    .join("\n");
  return `# fleetctl completion for bash. Load it with:  source <(fleetctl completion bash)
_fleetctl() {
  local cur=\${COMP_WORDS[COMP_CWORD]} path="" w i words=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case "$path/$w" in
      ${_descended(root).map(_q).join("|")}) path="$path/$w" ;;
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _fleetctl fleetctl
`;
}

function _zsh(root: TreeNode): string {
  const item = (name: string, description: string) =>
    _q(`${name.replace(/:/g, "\\:")}:${_oneLine(description)}`);
  const cases = allNodes(root)
    .map((n) => {
      const items = [
        ...n.children.map((c) => item(c.name, c.description)),
        ...n.verbs.map((v) => item(v, `${v} a ${n.name}`)),
        ...n.flags.map((f) => item(`--${f.name}`, f.description)),
      ];
      return `    (${_q(_key(n))}) items=(${items.join(" ")}) ;;`;
    })
    .join("\n");
  return `#compdef fleetctl
# fleetctl completion for zsh. Load it with:  source <(fleetctl completion zsh)  (after compinit),
# or save it as _fleetctl in a directory on $fpath.
_fleetctl() {
  local cmdpath="" w i
  local -a items
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    case "$cmdpath/$w" in
      (${_descended(root).map(_q).join("|")}) cmdpath="$cmdpath/$w" ;;
    esac
  done
  case "$cmdpath" in
${cases}
  esac
  _describe -t commands fleetctl items
}
if [[ "\${funcstack[1]}" == _fleetctl ]]; then _fleetctl "$@"; else compdef _fleetctl fleetctl; fi
`;
}

function _fish(root: TreeNode): string {
  const lines = allNodes(root).flatMap((n) => {
    const at = `-n ${_q(`__fleetctl_at ${_key(n) || '""'}`)}`;
    return [
      ...n.children.map(
        (c) => `complete -c fleetctl ${at} -a ${_q(c.name)} -d ${_q(_oneLine(c.description))}`,
      ),
      ...n.verbs.map((v) => `complete -c fleetctl ${at} -a ${_q(v)} -d ${_q(`${v} a ${n.name}`)}`),
      ...n.flags.map(
        (f) =>
          `complete -c fleetctl ${at} -l ${_q(f.name)}${f.takesValue ? " -r" : ""} -d ${_q(_oneLine(f.description))}`,
      ),
    ];
  });
  return `# fleetctl completion for fish. Load it with:  fleetctl completion fish | source
# or save it as ~/.config/fish/completions/fleetctl.fish
function __fleetctl_path
    set -l path ""
    for w in (commandline -opc)[2..-1]
        switch "$path/$w"
            case ${_descended(root).map(_q).join(" ")}
                set path "$path/$w"
        end
    end
    echo "x$path"
end
function __fleetctl_at
    test (__fleetctl_path) = "x$argv[1]"
end
complete -c fleetctl -f
${lines.join("\n")}
`;
}

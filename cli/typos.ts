// "Did you mean?": checks what the operator typed against the command tree before citty runs
// it. citty reports an unknown command without a suggestion and silently ignores an unknown
// flag, so `fleetctl update --all --wiat` would start a rollout and not wait for it.
import type { TreeNode } from "./command-tree.ts";

/** Edit distance counting a swap of two neighbours as one edit ("hsot" → "host"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, if it is close enough to be what was meant; a unique prefix also counts. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(input.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(input.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  if (best) return best.name;
  const prefixed = candidates.filter((c) => input.length >= 2 && c.startsWith(input));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** `unknown operation "swich" — did you mean switch? (one of: …)`, for a value from a fixed list. */
export function unknownValueMessage(what: string, value: string, options: readonly string[]): string {
  const guess = closest(value, options);
  const all = options.join(", ");
  return guess
    ? `unknown ${what} "${value}" — did you mean ${guess}? (one of: ${all})`
    : `unknown ${what} "${value}"; one of: ${all}`;
}

const _full = (node: TreeNode) => ["fleetctl", ...node.path].join(" ");

/**
 * The message for the first unknown command or flag in `rawArgs`, or null when all is known.
 * Walks the tree the way citty does: the first word that is not a flag (or a flag's value)
 * names the subcommand.
 */
export function findTypo(root: TreeNode, rawArgs: readonly string[]): string | null {
  let node = root;
  let rest = [...rawArgs];
  while (node.children.length) {
    const misplaced = _leadingFlag(rest, node);
    if (misplaced) {
      return `${misplaced} is not an option of ${_full(node)} itself; options go after the command, e.g. ${_full(node)} ${node.children[0]!.name} ${misplaced} …`;
    }
    const index = _firstWord(rest, node);
    if (index < 0) return null; // citty shows this command's usage
    const word = rest[index]!;
    const child = node.children.find((c) => c.name === word);
    if (!child) {
      const guess = closest(
        word,
        node.children.map((c) => c.name),
      );
      const where = node === root ? "" : ` for ${_full(node)}`;
      return guess
        ? `unknown command ${word}${where} — did you mean ${guess}?`
        : `unknown command ${word}${where}; the commands are: ${node.children.map((c) => c.name).join(", ")}`;
    }
    node = child;
    rest = rest.slice(index + 1);
  }
  return _unknownFlag(node, rest);
}

function _firstWord(args: readonly string[], node: TreeNode): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return -1;
    if (!arg.startsWith("-")) return i;
    if (!arg.includes("=") && _flag(node, arg)?.takesValue) i++;
  }
  return -1;
}

/** A flag before the subcommand name that this (parent) command does not have, e.g. `fleetctl --server x hosts`. */
function _leadingFlag(args: readonly string[], node: TreeNode): string | null {
  for (const arg of args) {
    if (arg === "--" || !arg.startsWith("-")) return null;
    if (!_flag(node, arg)) return arg.split("=")[0]!;
  }
  return null;
}

function _flag(node: TreeNode, token: string) {
  const name = token.replace(/^-{1,2}/, "").split("=")[0]!;
  const plain = name.startsWith("no-") ? name.slice(3) : name;
  return node.flags.find(
    (f) => f.name === name || f.aliases.includes(name) || (f.name === plain && !f.takesValue),
  );
}

function _unknownFlag(node: TreeNode, args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return null;
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) continue;
    const flag = _flag(node, arg);
    if (flag) {
      if (flag.takesValue && !arg.includes("=")) i++;
      continue;
    }
    const typed = arg.split("=")[0]!;
    const names = node.flags.map((f) => f.name);
    const guess = closest(typed.replace(/^-+/, ""), names);
    return guess
      ? `unknown option ${typed} for ${_full(node)} — did you mean --${guess}?`
      : `unknown option ${typed} for ${_full(node)}; see ${_full(node)} --help`;
  }
  return null;
}

// Checks a fleetctl command line as written in a --help example or a doc against the real
// command tree: the subcommands exist, every flag exists, no more positionals than declared.
// Shared by the examples test and the docs test, so both hold commands to the same rule.
import type { TreeNode } from "../../cli/command-tree.ts";
import { findTypo } from "../../cli/typos.ts";

/** Shell words of one simple command: quotes removed, stopping at a pipe, `;`, `&&`, `&`, a redirect or a comment. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      word = (word ?? "") + line.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? line.length : end;
    } else if (c === "$" && line[i + 1] === "(") {
      // A command substitution is one word whatever is inside it.
      let depth = 0;
      let j = i + 1;
      for (; j < line.length; j++) {
        if (line[j] === "(") depth++;
        if (line[j] === ")" && --depth === 0) break;
      }
      word = `${word ?? ""}${line.slice(i, j + 1)}`;
      i = j;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if ("|;&<>".includes(c) || (c === "#" && word === null)) {
      break;
    } else word = (word ?? "") + c;
  }
  if (word !== null) words.push(word);
  return words;
}

/** Every fleetctl invocation in a shell line (`a | fleetctl x`, `$(fleetctl y)` are not looked into). */
export function fleetctlInvocations(line: string): string[][] {
  return line
    .split(/\|\||&&|[|;]/)
    .map((part) => shellWords(part.trim()))
    .map((words) => words.slice(words.findIndex((w) => !/^\w+=/.test(w))))
    .filter((words) => words[0] === "fleetctl")
    .map((words) => words.slice(1));
}

/** Why `args` (after "fleetctl") would be refused by the tree, or null. */
export function commandLineProblem(root: TreeNode, args: readonly string[]): string | null {
  const typo = findTypo(root, args);
  if (typo) return typo;
  if (args.includes("--help") || args.includes("-h") || args.includes("--version")) return null;
  let node = root;
  let rest = [...args];
  for (;;) {
    const child = node.children.find((c) => c.name === rest.find((w) => !w.startsWith("-")));
    if (!child) break;
    rest = rest.slice(rest.indexOf(child.name) + 1);
    node = child;
  }
  const words: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith("-") || arg === "-") {
      words.push(arg);
      continue;
    }
    const name = arg.replace(/^-+/, "").split("=")[0]!;
    const flag = node.flags.find((f) => f.name === name || f.aliases.includes(name));
    if (flag?.takesValue && !arg.includes("=")) i++;
  }
  if (!node.variadic && words.length > node.positionals.length)
    return `fleetctl ${node.path.join(" ")} takes ${node.positionals.length} argument(s), got: ${words.join(" ")}`;
  return null;
}

// fleetctl's command tree as plain data: names, descriptions and flags of every command.
// Typo suggestions and shell completion are both generated from it, so a new command or
// flag is completed and suggested without anyone remembering to.
import type { ArgsDef, CommandDef } from "citty";
import { commandExamples, commandVerbs, isVariadic } from "./command.ts";

export interface TreeFlag {
  name: string;
  aliases: string[];
  description: string;
  /** Takes a value (`--ttl 600`), as opposed to a switch (`--json`). */
  takesValue: boolean;
}

export interface TreeNode {
  name: string;
  description: string;
  /** Full path from the root, e.g. ["rollout", "status"]; [] for fleetctl itself. */
  path: string[];
  flags: TreeFlag[];
  /** Names of its positional arguments, in order. */
  positionals: string[];
  /** The last positional takes any number of words. */
  variadic: boolean;
  /** Action words its first positional takes (`host delete <host>`), completed like subcommands. */
  verbs: readonly string[];
  /** The examples its --help shows, as typed. */
  examples: readonly string[];
  children: TreeNode[];
}

/** Flags citty handles on every command itself. */
const BUILTIN_FLAGS: TreeFlag[] = [
  { name: "help", aliases: ["h"], description: "show help with examples", takesValue: false },
];

export function commandTree(cmd: CommandDef<ArgsDef>, path: string[] = []): TreeNode {
  const meta = (cmd.meta ?? {}) as { name?: string; description?: string; hidden?: boolean };
  const args = (cmd.args ?? {}) as ArgsDef;
  const flags: TreeFlag[] = Object.entries(args)
    .filter(([, def]) => def.type !== "positional")
    .map(([name, def]) => ({
      name,
      aliases: _aliases((def as { alias?: string | string[] }).alias),
      description: def.description ?? "",
      takesValue: def.type === "string" || def.type === "enum",
    }));
  const subs = (cmd.subCommands ?? {}) as Record<string, CommandDef<ArgsDef>>;
  const children = Object.entries(subs)
    .filter(([, sub]) => !(sub.meta as { hidden?: boolean } | undefined)?.hidden)
    .map(([name, sub]) => commandTree(sub, [...path, name]));
  if (path.length === 0)
    flags.push({ name: "version", aliases: ["v"], description: "print the version", takesValue: false });
  return {
    name: path.at(-1) ?? meta.name ?? "fleetctl",
    description: meta.description ?? "",
    path,
    flags: [...flags, ...BUILTIN_FLAGS],
    positionals: Object.entries(args)
      .filter(([, def]) => def.type === "positional")
      .map(([name]) => name),
    variadic: isVariadic(cmd),
    verbs: commandVerbs(cmd),
    examples: commandExamples(cmd),
    children,
  };
}

const _aliases = (alias: string | string[] | undefined): string[] =>
  alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];

/** Every node, depth first, the root included. */
export function allNodes(node: TreeNode): TreeNode[] {
  return [node, ...node.children.flatMap(allNodes)];
}

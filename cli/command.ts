// The shape every fleetctl command shares: errors are printed once, clearly, and set the
// exit code (no stack traces for expected failures), and `--help` shows worked examples.
import type { ArgsDef, CommandContext, CommandDef, CommandMeta } from "citty";
import { renderUsage } from "citty";
import { CliError, errorMessage, exitCodeOf, isExplained } from "./errors.ts";
import { stripAnsi } from "./format/table.ts";
import { logger, stdoutIsTty } from "./output.ts";

const _examples = new WeakMap<object, readonly string[]>();
const _fullNames = new WeakMap<object, string>();
const _variadic = new WeakSet<object>();
const _verbs = new WeakMap<object, readonly string[]>();

type FleetCommandDef<T extends ArgsDef> = Omit<CommandDef<T>, "run"> & {
  examples: readonly string[];
  /** The last positional takes any number of words (`run pull web1 web2`); otherwise extra words are refused. */
  variadic?: boolean;
  /** Words the first positional reads as an action (`host delete web1`), for completion. */
  verbs?: readonly string[];
  /** Returns the process exit code; returning nothing means 0. */
  run?: (ctx: CommandContext<T>) => Promise<unknown> | unknown;
};

export function defineFleetCommand<const T extends ArgsDef = ArgsDef>(
  def: FleetCommandDef<T>,
): CommandDef<T> {
  const { examples, run, variadic, verbs, ...rest } = def;
  const cmd: CommandDef<T> = { ...rest };
  if (run) {
    cmd.run = async (ctx) => {
      try {
        const name = _fullNames.get(cmd) ?? (rest.meta as CommandMeta | undefined)?.name ?? "fleetctl";
        _refuseExtraWords((rest.args ?? {}) as ArgsDef, name, ctx.args._, variadic === true);
        const code = await run(ctx);
        if (typeof code === "number" && code !== 0) process.exitCode = code;
      } catch (err) {
        reportError(err);
      }
    };
  }
  _examples.set(cmd, examples);
  if (variadic) _variadic.add(cmd);
  if (verbs) _verbs.set(cmd, verbs);
  return cmd;
}

/**
 * citty hands words beyond the declared positionals to the command in `_` and runs it anyway, so
 * `fleetctl hosts web1` would list every host as if it had filtered. Checked here, once, before
 * any command does anything.
 */
function _refuseExtraWords(args: ArgsDef, name: string, words: readonly unknown[], variadic: boolean): void {
  const positionals = Object.entries(args)
    .filter(([, def]) => def.type === "positional")
    .map(([name]) => `<${name}>`);
  if (variadic || words.length <= positionals.length) return;
  const extra = words.slice(positionals.length).map(String);
  const takes = positionals.length ? `takes only ${positionals.join(" ")}` : "takes no arguments";
  throw new CliError(
    `unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((w) => `"${w}"`).join(" ")}: ${name} ${takes}; see ${name} --help`,
  );
}

/** Prints an error the way every command does and sets a non-zero exit code. */
export function reportError(err: unknown): void {
  logger.error(errorMessage(err));
  if (!isExplained(err)) logger.debug(err);
  process.exitCode = exitCodeOf(err);
}

/** The worked examples a command shows under --help. */
export function commandExamples(cmd: object): readonly string[] {
  return _examples.get(cmd) ?? [];
}

/** Whether the command's last positional takes any number of words. */
export const isVariadic = (cmd: object): boolean => _variadic.has(cmd);

/** Action words the command's first positional takes, e.g. ["revoke", "delete"] for `host`. */
export const commandVerbs = (cmd: object): readonly string[] => _verbs.get(cmd) ?? [];

/** Records each command's full name ("fleetctl enroll-token create") for its usage text. */
export function registerCommandTree(cmd: CommandDef<ArgsDef>, fullName: string): void {
  _fullNames.set(cmd, fullName);
  const subs = cmd.subCommands;
  if (!subs || typeof subs !== "object" || subs instanceof Promise) return;
  for (const [name, sub] of Object.entries(subs)) {
    if (sub && typeof sub === "object" && !(sub instanceof Promise))
      registerCommandTree(sub, `${fullName} ${name}`);
  }
}

/** citty's usage text with the full command name and an EXAMPLES section. */
export async function showUsageWithExamples<T extends ArgsDef = ArgsDef>(cmd: CommandDef<T>): Promise<void> {
  const meta = (cmd.meta ?? {}) as CommandMeta;
  const named: CommandDef<T> = { ...cmd, meta: { ...meta, name: _fullNames.get(cmd) ?? meta.name } };
  let text = await renderUsage(named);
  const examples = _examples.get(cmd);
  if (examples?.length) text += `\nEXAMPLES\n\n${examples.map((e) => `  ${e}`).join("\n")}\n`;
  // citty colours by environment only; a help text piped to a file or pager should stay plain.
  if (!stdoutIsTty() || process.env.NO_COLOR) text = stripAnsi(text);
  console.log(`${text}\n`);
}

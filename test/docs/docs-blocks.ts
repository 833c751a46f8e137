// The shell blocks of docs/*.md and what kind each is. A block's info string is
// "<lang> <kind> [reason]", as in the README (readme-blocks.ts): GitHub looks only at the first
// word, the tests at the second.
//   runnable   run for real, line by line, against a temp fleet (test/docs/docs-blocks.test.ts)
//   sandboxed  run for real with `sudo` dropped and system paths (/opt, /usr/local, /etc) moved
//              into a temp root: installing files, which is what goes wrong when typed
//   elsewhere  needs what this machine has not (systemd on the fleetd machine, a Mac, Windows,
//              real agents); the words after it say what. Still checked: it parses, and every
//              fleetctl/fleetd command and flag it uses exists.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { FencedBlock } from "./readme-blocks.ts";

export const DOCS_DIR = resolve(import.meta.dir, "../../docs");
export const BLOCK_KINDS = ["runnable", "sandboxed", "elsewhere"] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];
/** Languages whose blocks are commands someone types. */
export const SHELL_LANGS = ["sh", "bash", "shell", "console", "powershell"];

export interface DocBlock extends FencedBlock {
  doc: string;
  kind: BlockKind | null;
  reason: string;
  /** "install.md:260", for failure messages. */
  where: string;
}

/**
 * Fenced blocks, including ones indented under a list item (their indent is removed from each
 * line): docs nest commands in lists, where the README's column-0 parser would miss them.
 */
export function indentedFencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: (FencedBlock & { indent: string }) | null = null;
  markdown.split("\n").forEach((text, i) => {
    const fence = /^( *)```(.*)$/.exec(text);
    if (open && fence && fence[1] === open.indent && !fence[2]!.trim()) {
      const { indent: _, ...block } = open;
      blocks.push(block);
      open = null;
    } else if (open) open.lines.push(text.startsWith(open.indent) ? text.slice(open.indent.length) : text);
    else if (fence) {
      const [lang = "", ...tags] = fence[2]!.trim().split(/\s+/);
      open = { lang, tags, lines: [], line: i + 1, indent: fence[1]! };
    }
  });
  if (open) throw new Error(`unclosed code block at line ${(open as FencedBlock).line}`);
  return blocks;
}

export function docShellBlocks(): DocBlock[] {
  const docs = readdirSync(DOCS_DIR)
    .filter((f) => f.endsWith(".md"))
    .sort();
  return docs.flatMap((doc) =>
    indentedFencedBlocks(readFileSync(join(DOCS_DIR, doc), "utf8"))
      .filter((b) => SHELL_LANGS.includes(b.lang))
      .map((b) => {
        const [tag = "", ...reason] = b.tags;
        const kind = tag.replace(/:$/, "");
        return {
          ...b,
          doc,
          kind: (BLOCK_KINDS as readonly string[]).includes(kind) ? (kind as BlockKind) : null,
          reason: reason.join(" "),
          where: `${doc}:${b.line}`,
        };
      }),
  );
}

/** Placeholders a reader fills in (`[id]`, `<host>`) are not words of the command. */
export const withoutPlaceholders = (words: readonly string[]): string[] =>
  words.filter((w) => !/^\[[^\]]*\]$/.test(w));

/** A `sandboxed` line as the test runs it: no sudo, and system paths under `root`. */
export function sandboxLine(line: string, root: string): string {
  return line
    .replace(/(^|\|\s*)sudo\s+/g, "$1")
    .replace(/(^|[\s=])\/(opt|usr\/local|etc)\//g, `$1${root}/$2/`)
    .replace(/(^|[\s=])\/(opt|usr\/local|etc)(?=[\s]|$)/g, `$1${root}/$2`);
}

// The README's fenced code blocks, by tag. A block's info string is "<lang> <tag>", e.g.
// ```sh runnable: GitHub only looks at the first word, and tests find the block by the second,
// so what a newcomer copies is exactly what a test runs.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export const README = resolve(import.meta.dir, "../../README.md");

export interface FencedBlock {
  lang: string;
  tags: string[];
  /** The block's lines, without the fences. */
  lines: string[];
  /** 1-based line of the opening fence, for failure messages. */
  line: number;
}

export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: FencedBlock | null = null;
  markdown.split("\n").forEach((text, i) => {
    const fence = /^```(.*)$/.exec(text);
    if (!fence) {
      open?.lines.push(text);
      return;
    }
    if (open) {
      blocks.push(open);
      open = null;
      return;
    }
    const [lang = "", ...tags] = fence[1]!.trim().split(/\s+/);
    open = { lang, tags, lines: [], line: i + 1 };
  });
  if (open) throw new Error(`unclosed code block at line ${(open as FencedBlock).line}`);
  return blocks;
}

/** The README's blocks carrying `tag`. */
export function readmeBlocks(tag: string): FencedBlock[] {
  return fencedBlocks(readFileSync(README, "utf8")).filter((b) => b.tags.includes(tag));
}

/** A shell line without its trailing `# comment` (a `#` inside quotes is kept). */
export function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** The commands of a block: comments and blank lines dropped. */
export function commandsOf(block: FencedBlock): string[] {
  return block.lines.map(stripComment).filter((l) => l.trim() !== "");
}

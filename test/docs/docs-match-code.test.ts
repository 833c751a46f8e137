// The docs' tables of defaults are checked against the code they describe, and every relative
// link in the README and docs/ leads to a file (and heading) that exists, so the docs can only
// drift from the code by failing a test.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { AgentConfig } from "../../agent/config.ts";
import { RolloutOptions } from "../../protocol/index.ts";
import { DEFAULT_LIMITS } from "../../server/config.ts";
import { DEFAULT_POSTGRES_TIMINGS } from "../../server/coordinator/postgres/coordinator.ts";

const REPO = resolve(import.meta.dir, "../..");
const read = (path: string) => readFileSync(join(REPO, path), "utf8");

/** Rows of the markdown tables in `text` whose first cell is `code`: [name, second cell]. */
function tableRows(text: string): [string, string][] {
  return [...text.matchAll(/^\| `([^`]+)`[^|]*\| ([^|]*) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]);
}

const valueAt = (obj: unknown, path: string) =>
  path.split(".").reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], obj);

describe("defaults in the docs are the code's", () => {
  test("docs/agent.md: every config.json field with a literal default", () => {
    const parsed = AgentConfig.parse({ server: "http://fleet.test", name: "h", repo: { dir: "/r" } });
    const checked = tableRows(read("docs/agent.md")).filter(([, cell]) => /^`.*`$/.test(cell));
    expect(checked.length).toBeGreaterThanOrEqual(15);
    const inWords: string[] = [];
    for (const [field, cell] of checked) {
      let documented: unknown;
      try {
        documented = JSON.parse(cell.slice(1, -1));
      } catch {
        inWords.push(field); // a default that depends on the machine, described rather than quoted
        continue;
      }
      expect({ field, value: valueAt(parsed, field) }).toEqual({ field, value: documented });
    }
    expect(inWords).toEqual(["service.domain"]);
  });

  test("docs/rollouts.md: the update flags' defaults", () => {
    const defaults = RolloutOptions.parse({});
    const flags: Record<string, keyof typeof defaults> = {
      "--canary N": "canary",
      "--max-failures N": "maxFailures",
      "--timeout S": "timeoutSeconds",
      "--include-offline skip\\|wait": "includeOffline",
    };
    const rows = new Map(tableRows(read("docs/rollouts.md")));
    for (const [flag, key] of Object.entries(flags)) {
      expect({ flag, documented: rows.get(flag) }).toEqual({ flag, documented: `\`${defaults[key]}\`` });
    }
    // No batch given: growing batches, in the words the table gives them.
    expect(defaults.batch).toBeUndefined();
    expect(rows.get("--batch N")).toBe("growing");
  });

  test("docs/operations.md: the limits table", () => {
    const rows = tableRows(read("docs/operations.md")).filter(([name]) => name in DEFAULT_LIMITS);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const [name, cell] of rows) {
      const value = cell === "1 MiB" ? 1024 * 1024 : Number(cell.replace(/ /g, ""));
      expect({ name, value }).toEqual({ name, value: DEFAULT_LIMITS[name as keyof typeof DEFAULT_LIMITS] });
    }
  });

  test("docs/replicas.md: the PostgreSQL coordinator's timings", () => {
    const page = read("docs/replicas.md");
    // The timings' table only: the page has others (the repository's intents).
    const timings = page.slice(page.indexOf("| timing "));
    const rows = tableRows(timings.slice(0, timings.indexOf("\n\n"))).map(([name, cell]) => [
      name,
      Number(cell.replace(/ /g, "")),
    ]);
    expect(Object.fromEntries(rows)).toEqual({ ...DEFAULT_POSTGRES_TIMINGS });
  });
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

test("every relative link in README.md and docs/ resolves, anchors included", () => {
  const files = [
    "README.md",
    ...readdirSync(join(REPO, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  const broken: string[] = [];
  for (const file of files) {
    const text = read(file).replace(/```[\s\S]*?```/g, "");
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, anchor] = target!.split("#");
      const resolved = path ? join(dirname(join(REPO, file)), path) : join(REPO, file);
      if (!existsSync(resolved)) {
        broken.push(`${file}: ${target} (no such file)`);
        continue;
      }
      if (!anchor || !resolved.endsWith(".md")) continue;
      const headings = [...readFileSync(resolved, "utf8").matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!));
      if (!headings.includes(anchor)) broken.push(`${file}: ${target} (no such heading)`);
    }
  }
  expect(broken).toEqual([]);
});

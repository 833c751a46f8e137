// docs/protocol.md is what the schemas say: the committed file equals a fresh render, and the
// render covers every route of the table and every schema the protocol exports.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { z } from "zod";
import * as protocol from "../../protocol/index.ts";
import { PROTOCOL_DOC, renderProtocolDoc } from "../../scripts/docs/protocol.ts";
import { renderNamed } from "../../scripts/docs/render-type.ts";

test("the committed docs/protocol.md equals a fresh render (else: bun scripts/docs/protocol.ts)", async () => {
  const fresh = await renderProtocolDoc();
  const committed = readFileSync(PROTOCOL_DOC, "utf8");
  // A line-level diff names the first stale line instead of dumping two 800-line strings.
  const a = committed.split("\n");
  const b = fresh.split("\n");
  const first = a.findIndex((line, i) => line !== b[i]);
  expect({ line: first + 1, committed: a[first], fresh: b[first] }).toEqual({
    line: 0,
    committed: undefined,
    fresh: undefined,
  });
  expect(committed).toBe(fresh);
});

test("every route and every exported schema is in it", async () => {
  const doc = await renderProtocolDoc();
  const routes = [...doc.matchAll(/^\| `(\w+)` +\| `([^`]+)` +\|/gm)].map((m) => `${m[1]} ${m[2]}`);
  expect(routes).toEqual(Object.values(protocol.ROUTES).map((r) => `${r.method} ${r.path}`));
  for (const [name, value] of Object.entries(protocol))
    if (value instanceof z.ZodType) expect(doc).toContain(`### ${name}\n`);
});

test("a field's type, optionality, default and limits are rendered from the schema", () => {
  const schema = z.object({
    name: z.string().min(1).max(63),
    n: z.number().int().min(0).default(3),
    at: z.string().datetime().optional(),
  });
  expect(renderNamed("X", z.toJSONSchema(schema, { io: "input" }) as never)).toBe(
    "X = {\n  name: string;  // 1-63 chars\n  n?: integer = 3;  // ≥ 0\n  at?: string;  // ISO-8601 timestamp, UTC\n}",
  );
});

// A zod schema as the JSON Schema lib/json-schema-check.ts checks: what the idle agent validates
// with instead of zod (see agent/schema-macro.ts). zod writes the schema; this adds what zod's
// JSON Schema leaves out and refuses what cannot be carried over, so a schema and its JSON
// Schema accept the same values or the build fails:
// - a regex check's own message goes along as errorMessage.pattern (ajv-errors' keyword);
// - HostTags' "no tag twice" refinement becomes uniqueItems;
// - any other refinement, a transform, and anything zod cannot write throw.
import { z } from "zod";
import type { JsonSchema } from "../lib/json-schema-check.ts";
import { HostTags } from "./config-state.ts";

/** Refinements with a JSON Schema equivalent, by the schema they refine. */
const CARRIED_REFINEMENTS = new Map<
  z.core.$ZodType,
  (json: Record<string, unknown>, message: string) => void
>([
  [
    HostTags,
    (json, message) => {
      json.uniqueItems = true;
      _addMessage(json, "uniqueItems", message);
    },
  ],
]);

interface CheckDef {
  check: string;
  format?: string;
  error?: (issue: object) => unknown;
}

export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "throw",
    override: ({ zodSchema, jsonSchema }) => {
      // The input side of a transform says nothing of what zod answers.
      const type = zodSchema._zod.def.type;
      if (type === "pipe" || type === "transform") throw new Error(`a ${type} has no JSON Schema equivalent`);
      const checks = (zodSchema._zod.def.checks ?? []).map((c) => c._zod.def as CheckDef);
      for (const check of checks) {
        const message = _ownMessage(check);
        if (check.check === "string_format" && check.format === "regex" && message)
          _addMessage(jsonSchema, "pattern", message);
        if (check.check !== "custom") continue;
        const carry = CARRIED_REFINEMENTS.get(zodSchema);
        if (!carry)
          throw new Error(`a refinement (${message ?? "no message"}) has no JSON Schema equivalent`);
        carry(jsonSchema, message ?? "invalid");
      }
    },
  }) as JsonSchema;
}

/** A check's message when it was given one (`.regex(re, "...")`), else undefined. */
function _ownMessage(check: CheckDef): string | undefined {
  const message = check.error?.({});
  return typeof message === "string" ? message : undefined;
}

function _addMessage(json: Record<string, unknown>, keyword: string, message: string): void {
  json.errorMessage = { ...(json.errorMessage as object), [keyword]: message };
}

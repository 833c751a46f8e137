// JSON Schema (as zod's toJSONSchema emits it) rendered as a compact TypeScript-like type with
// the enforced limits as comments: what a reader of docs/protocol.md needs to build a message.

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  default?: unknown;
  description?: string;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
}

const SAFE = Number.MAX_SAFE_INTEGER;

/** The limits a schema enforces, in words: "1-64 chars, /^[a-z]+$/". */
export function limitsOf(s: JsonSchema): string {
  const out: string[] = [];
  if (s.minLength !== undefined || s.maxLength !== undefined)
    out.push(_range(s.minLength, s.maxLength, "chars"));
  if (s.format === "date-time") out.push("ISO-8601 timestamp, UTC");
  else if (s.format) out.push(s.format);
  if (s.pattern && !s.format) out.push(`/${s.pattern}/`);
  const min = s.minimum === -SAFE ? undefined : s.minimum;
  const max = s.maximum === SAFE ? undefined : s.maximum;
  if (s.exclusiveMinimum !== undefined)
    out.push(`> ${s.exclusiveMinimum}${max !== undefined ? `, ≤ ${max}` : ""}`);
  else if (min !== undefined || max !== undefined) out.push(_range(min, max, ""));
  if (s.minItems !== undefined || s.maxItems !== undefined) out.push(_range(s.minItems, s.maxItems, "items"));
  if (s.description) out.push(s.description);
  return out.join(", ");
}

function _range(min: number | undefined, max: number | undefined, unit: string): string {
  const u = unit ? ` ${unit}` : "";
  if (min !== undefined && max !== undefined) return min === max ? `exactly ${min}${u}` : `${min}-${max}${u}`;
  return min !== undefined ? `≥ ${min}${u}` : `≤ ${max}${u}`;
}

/** The type expression; objects span lines, indented by `indent`. */
export function renderType(s: JsonSchema, indent = ""): string {
  if (s.$ref) return s.$ref.replace(/^#/, "");
  // An intersection (Job = JobFields & JobSpec): a member that is itself a union gets parentheses.
  if (s.allOf)
    return s.allOf
      .map((m) => (m.anyOf || m.oneOf ? `(${renderType(m, indent)})` : renderType(m, indent)))
      .join(" & ");
  const union = s.anyOf ?? s.oneOf;
  if (union) return union.map((u) => renderType(u, indent)).join(" | ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (Array.isArray(s.type)) return s.type.join(" | ");
  switch (s.type) {
    case "object":
      return _object(s, indent);
    case "array": {
      const item = s.items ? renderType(s.items, indent) : "unknown";
      return /[\n |]/.test(item) ? `Array<${item}>` : `${item}[]`;
    }
    case "string":
    case "integer":
    case "number":
    case "boolean":
    case "null":
      return s.type;
    default:
      return "unknown";
  }
}

function _object(s: JsonSchema, indent: string): string {
  if (!s.properties) {
    const values =
      typeof s.additionalProperties === "object" ? renderType(s.additionalProperties, indent) : "unknown";
    return `Record<string, ${values}>`;
  }
  const required = new Set(s.required ?? []);
  const lines = Object.entries(s.properties).map(([key, prop]) => {
    const optional = required.has(key) ? "" : "?";
    const fallback = prop.default !== undefined ? ` = ${JSON.stringify(prop.default)}` : "";
    const limits = limitsOf(prop);
    return `${indent}  ${key}${optional}: ${renderType(prop, `${indent}  `)}${fallback};${limits ? `  // ${limits}` : ""}`;
  });
  return `{\n${lines.join("\n")}\n${indent}}`;
}

/** `Name = type  // limits` for a top-level schema. */
export function renderNamed(name: string, s: JsonSchema): string {
  const limits = limitsOf(s);
  const fallback = s.default !== undefined ? ` = ${JSON.stringify(s.default)}` : "";
  return `${name} = ${renderType(s)}${fallback}${limits ? `  // ${limits}` : ""}`;
}

// Checks JSON values against the JSON Schemas zod writes for our schemas (protocol/json-schema.ts,
// draft 2020-12, "input" view), with zod's results: unknown object keys dropped, defaults filled
// in, a URL trimmed, the first issue's path and message. It exists so the idle agent validates
// everything it reads without constructing zod schemas, which cost it ~10 MB of resident memory
// (bench/RESULTS.md, "Agent RSS"). A keyword it does not know is refused before the first value
// is checked, never ignored: a schema it cannot check fully is not checked at all. The schema is
// read and compiled only when used, each part when a value reaches it: an idle agent's polls are
// answered `{"command":null}`, and the command union is never compiled.

export type JsonSchema = { readonly [keyword: string]: unknown };

/** The JSON Schema of a value of type T (the type is only for the checker it is given to). */
export type JsonSchemaOf<T> = JsonSchema & { readonly __type?: T };

export interface Issue {
  path: (string | number)[];
  message: string;
}

export type Checked<T> =
  | { success: true; data: T; error?: undefined }
  | { success: false; error: { issues: Issue[] } };

/** The part of a zod schema the agent uses: safeParse and parse, with zod's result shapes. */
export interface Checker<T> {
  safeParse(value: unknown): Checked<T>;
  parse(value: unknown): T;
}

export class JsonCheckError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
  }
}

/** `schema` is called at the first check: `jsonChecker(() => jsonSchema("X"))` keeps X's literal unbuilt till then. */
export function jsonChecker<T>(schema: () => JsonSchemaOf<T>): Checker<T> {
  let check: Check | undefined;
  const safeParse = (value: unknown): Checked<T> => {
    if (!check) {
      const json = schema();
      _refuseUnknown(json);
      check = _compile(json);
    }
    const issues: Issue[] = [];
    const data = check(value, [], issues);
    return issues.length ? { success: false, error: { issues } } : { success: true, data: data as T };
  };
  return {
    safeParse,
    parse(value) {
      const checked = safeParse(value);
      if (!checked.success) throw new JsonCheckError(checked.error.issues);
      return checked.data;
    },
  };
}

/** Checks `value` at `path`, pushing what is wrong to `issues`; answers the value as zod outputs it. */
type Check = (value: unknown, path: Issue["path"], issues: Issue[]) => unknown;

const ANNOTATIONS = new Set(["$schema", "description", "title", "examples", "default", "errorMessage"]);
const KEYWORDS = new Set([
  ...ANNOTATIONS,
  ...["type", "const", "enum", "anyOf", "oneOf"],
  ...["minLength", "maxLength", "pattern", "format"],
  ...["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"],
  ...["items", "minItems", "maxItems", "uniqueItems"],
  ...["properties", "required", "additionalProperties", "propertyNames"],
]);

function _refuseUnknown(schema: JsonSchema): void {
  for (const keyword of Object.keys(schema)) {
    if (!KEYWORDS.has(keyword)) throw new Error(`JSON Schema keyword "${keyword}" is not supported`);
  }
  _formatCheck(schema);
  const subschemas = [
    ...((schema.anyOf ?? schema.oneOf ?? []) as JsonSchema[]),
    ...Object.values((schema.properties ?? {}) as Record<string, JsonSchema>),
    ...[schema.items, schema.additionalProperties, schema.propertyNames].filter(
      (s): s is JsonSchema => typeof s === "object" && s !== null,
    ),
  ];
  for (const sub of subschemas) _refuseUnknown(sub);
}

/** A part of the schema, compiled when the first value reaches it. */
function _lazy(schema: JsonSchema): Check {
  let check: Check | undefined;
  return (value, path, issues) => {
    check ??= _compile(schema);
    return check(value, path, issues);
  };
}

function _compile(schema: JsonSchema): Check {
  if (schema.anyOf || schema.oneOf) return _union(schema);
  const checks = [_typeCheck(schema), ..._valueChecks(schema)];
  return (value, path, issues) => {
    let out = value;
    for (const check of checks) {
      const before = issues.length;
      out = check(out, path, issues);
      if (issues.length > before) return out;
    }
    return out;
  };
}

function _typeCheck(schema: JsonSchema): Check {
  const types = schema.type === undefined ? [] : ([] as string[]).concat(schema.type as string | string[]);
  return (value, path, issues) => {
    if (
      types.length &&
      !types.includes(_typeOf(value)) &&
      !(types.includes("number") && _typeOf(value) === "integer")
    )
      issues.push({ path, message: `expected ${types.join(" or ")}, received ${_received(value)}` });
    return value;
  };
}

function _valueChecks(schema: JsonSchema): Check[] {
  const checks: Check[] = [];
  const messages = (schema.errorMessage ?? {}) as Record<string, string>;
  const allowed =
    (test: (v: unknown) => boolean, message: string): Check =>
    (v, path, issues) => {
      if (!test(v)) issues.push({ path, message });
      return v;
    };
  if ("const" in schema)
    checks.push(allowed((v) => v === schema.const, `expected ${JSON.stringify(schema.const)}`));
  if (Array.isArray(schema.enum)) {
    const values = schema.enum as unknown[];
    const says = `expected one of ${values.map((v) => JSON.stringify(v)).join("|")}`;
    checks.push(allowed((v) => values.includes(v), says));
  }
  checks.push(..._stringChecks(schema, messages), ..._numberChecks(schema));
  if (schema.items !== undefined || schema.minItems !== undefined || schema.maxItems !== undefined)
    checks.push(_arrayCheck(schema, messages));
  if (schema.properties !== undefined || schema.additionalProperties !== undefined)
    checks.push(_objectCheck(schema));
  return checks;
}

function _stringChecks(schema: JsonSchema, messages: Record<string, string>): Check[] {
  const checks: Check[] = [];
  const { minLength, maxLength, pattern, format } = schema as Record<string, number | string | undefined>;
  const onString =
    (test: (s: string) => string | null): Check =>
    (v, p, i) => {
      const problem = typeof v === "string" ? test(v) : null;
      if (problem) i.push({ path: p, message: problem });
      return v;
    };
  if (typeof minLength === "number")
    checks.push(
      onString((s) => (s.length < minLength ? `too short: expected at least ${minLength} characters` : null)),
    );
  if (typeof maxLength === "number")
    checks.push(
      onString((s) => (s.length > maxLength ? `too long: expected at most ${maxLength} characters` : null)),
    );
  if (typeof pattern === "string") {
    const regex = new RegExp(pattern);
    checks.push(
      onString((s) => (regex.test(s) ? null : (messages.pattern ?? `does not match /${pattern}/`))),
    );
  }
  if (format === "uri") {
    // zod's url(): trimmed, parsed by URL, and answered without the tabs and newlines URL drops.
    checks.push((v, p, i) => {
      if (typeof v !== "string") return v;
      const trimmed = v.trim();
      if (!URL.canParse(trimmed)) i.push({ path: p, message: "invalid URL" });
      return trimmed.replace(/[\t\n\r]/g, "");
    });
  }
  return checks;
}

/** zod writes "date-time" with the pattern that checks it; of the other formats only "uri" is known. */
function _formatCheck(schema: JsonSchema): void {
  const { format, pattern } = schema;
  if (format === undefined || format === "uri") return;
  if (format !== "date-time") throw new Error(`JSON Schema format "${format}" is not supported`);
  if (typeof pattern !== "string")
    throw new Error(`JSON Schema format "date-time" without a pattern is not supported`);
}

function _numberChecks(schema: JsonSchema): Check[] {
  const bounds: [string, (n: number, bound: number) => boolean, string][] = [
    ["minimum", (n, b) => n >= b, ">="],
    ["maximum", (n, b) => n <= b, "<="],
    ["exclusiveMinimum", (n, b) => n > b, ">"],
    ["exclusiveMaximum", (n, b) => n < b, "<"],
  ];
  return bounds
    .filter(([keyword]) => typeof schema[keyword] === "number")
    .map(([keyword, holds, sign]): Check => {
      const bound = schema[keyword] as number;
      return (v, p, i) => {
        if (typeof v === "number" && !holds(v, bound))
          i.push({ path: p, message: `out of range: expected ${sign} ${bound}` });
        return v;
      };
    });
}

function _arrayCheck(schema: JsonSchema, messages: Record<string, string>): Check {
  const item = schema.items === undefined ? null : _lazy(schema.items as JsonSchema);
  const { minItems, maxItems } = schema as Record<string, number | undefined>;
  const unique = schema.uniqueItems === true;
  return (value, path, issues) => {
    if (!Array.isArray(value)) return value;
    if (minItems !== undefined && value.length < minItems)
      issues.push({ path, message: `too short: expected at least ${minItems} items` });
    if (maxItems !== undefined && value.length > maxItems)
      issues.push({ path, message: `too long: expected at most ${maxItems} items` });
    const out = item ? value.map((v, index) => item(v, [...path, index], issues)) : value;
    if (unique && new Set(out.map((v) => JSON.stringify(v))).size !== out.length)
      issues.push({ path, message: messages.uniqueItems ?? "an item is listed twice" });
    return out;
  };
}

function _objectCheck(schema: JsonSchema): Check {
  const properties = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).map(
    ([key, property]) => ({
      key,
      check: _lazy(property),
      hasDefault: "default" in property,
      fallback: property.default,
    }),
  );
  const required = new Set((schema.required ?? []) as string[]);
  const known = new Set(properties.map((p) => p.key));
  const extra = schema.additionalProperties;
  const extraCheck = typeof extra === "object" && extra !== null ? _lazy(extra as JsonSchema) : null;
  const keyCheck = schema.propertyNames ? _lazy(schema.propertyNames as JsonSchema) : null;
  return (value, path, issues) => {
    if (!_isObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const { key, check, hasDefault, fallback } of properties) {
      if (value[key] === undefined) {
        // zod answers a default as it is written, without checking it again.
        if (hasDefault) out[key] = structuredClone(fallback);
        else if (required.has(key)) issues.push({ path: [...path, key], message: "required" });
        continue;
      }
      out[key] = check(value[key], [...path, key], issues);
    }
    for (const key of Object.keys(value)) {
      if (known.has(key)) continue;
      if (extra === false) issues.push({ path, message: `unrecognized key "${key}"` });
      else if (extraCheck) {
        keyCheck?.(key, [...path, key], issues);
        out[key] = extraCheck(value[key], [...path, key], issues);
      }
    }
    return out;
  };
}

/**
 * anyOf / oneOf, as zod's unions and discriminated unions. With a discriminator (a key every
 * branch fixes to values of its own, e.g. a command's `type`, then its `op`) the value's own
 * branch is checked, so a bad field of a run command is named, not "matches no branch". Without
 * one, the first branch that fits; when none does, the issues of the one that got furthest.
 */
function _union(schema: JsonSchema): Check {
  const schemas = (schema.anyOf ?? schema.oneOf) as JsonSchema[];
  const branches = schemas.map(_lazy);
  const own = _compile(
    Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "anyOf" && k !== "oneOf")),
  );
  const tag = _discriminator(schemas);
  if (tag) {
    const expected = `expected one of ${tag.values.map((v) => JSON.stringify(v)).join("|")}`;
    return (value, path, issues) => {
      if (!_isObject(value)) {
        issues.push({ path, message: `expected object, received ${_received(value)}` });
        return value;
      }
      const index = tag.branchOf.get(value[tag.key]);
      if (index === undefined) {
        issues.push({ path: [...path, tag.key], message: expected });
        return value;
      }
      const before = issues.length;
      const out = branches[index]!(value, path, issues);
      return issues.length > before ? value : own(out, path, issues);
    };
  }
  return (value, path, issues) => {
    let best: Issue[] | null = null;
    for (const branch of branches) {
      const tried: Issue[] = [];
      const out = branch(value, path, tried);
      if (!tried.length) return own(out, path, issues);
      if (!best || _depth(tried) > _depth(best)) best = tried;
    }
    const atRoot = best!.every((i) => i.path.length === path.length);
    // Nothing of the value fits any branch (5 for a nullable string): say what would have.
    if (atRoot && branches.length > 1) {
      const types = schemas.map((b) => (typeof b.type === "string" ? b.type : null));
      if (types.every((t) => t !== null)) {
        issues.push({ path, message: `expected ${types.join(" or ")}, received ${_received(value)}` });
        return value;
      }
    }
    issues.push(...best!);
    return value;
  };
}

interface Discriminator {
  key: string;
  values: unknown[];
  branchOf: Map<unknown, number>;
}

/** The key whose `const` tells the branches apart, looking through nested unions; null if none. */
function _discriminator(branches: JsonSchema[]): Discriminator | null {
  const leaves = branches.map(_leaves);
  const first = leaves[0]?.[0]?.properties as Record<string, JsonSchema> | undefined;
  for (const key of Object.keys(first ?? {})) {
    const branchOf = new Map<unknown, number>();
    const fits = leaves.every((branchLeaves, index) =>
      branchLeaves.every((leaf) => {
        const property = (leaf.properties as Record<string, JsonSchema> | undefined)?.[key];
        if (!property || !("const" in property)) return false;
        const owner = branchOf.get(property.const);
        if (owner !== undefined && owner !== index) return false;
        branchOf.set(property.const, index);
        return true;
      }),
    );
    if (fits) return { key, values: [...branchOf.keys()], branchOf };
  }
  return null;
}

function _leaves(schema: JsonSchema): JsonSchema[] {
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  return union ? union.flatMap(_leaves) : [schema];
}

const _depth = (issues: Issue[]) => Math.max(...issues.map((i) => i.path.length));

function _isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function _typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function _received(value: unknown): string {
  return value === undefined ? "undefined" : _typeOf(value) === "integer" ? "number" : _typeOf(value);
}

// The idle agent checks what it reads with JSON Schemas made from the zod schemas at build time
// (agent/schema-macro.ts, lib/json-schema-check.ts). Each must accept exactly what its zod schema
// accepts and answer the same value: checked on real examples and on thousands of variations of
// them (every field dropped, retyped, emptied, lengthened past its bound, duplicated, an unknown
// key added), each compared with zod's verdict and output. And a refusal names the field.
import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { AgentConfig } from "../../agent/config.ts";
import { CHECKED_SCHEMAS, type CheckedName } from "../../agent/schema-macro.ts";
import { jsonChecker } from "../../lib/json-schema-check.ts";
import { jsonSchemaOf } from "../../protocol/json-schema.ts";

const SHA = "a".repeat(64);
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const AT = "2026-11-22T10:00:00.000Z";

const RUN = { type: "run", jobId: "j_1" };
const COMMANDS = [
  { ...RUN, op: "pull" },
  { ...RUN, op: "switch", args: {} },
  { ...RUN, op: "test" },
  { ...RUN, op: "restart" },
  { ...RUN, op: "update", args: { version: "1.2.0", sha256: SHA, allowDowngrade: true, timeoutSeconds: 60 } },
  { ...RUN, op: "update", args: { version: "1.2.0", sha256: SHA } },
  { ...RUN, op: "deploy", args: { commit: COMMIT, confirmSeconds: 30, test: false, rollback: true } },
  { ...RUN, op: "deploy", args: { commit: COMMIT } },
  { ...RUN, op: "rollback" },
];
const CHECKOUT = {
  commit: COMMIT,
  branch: "main",
  subject: "web: open port 443",
  committedAt: AT,
  dirty: false,
  remoteCommit: null,
  fetchedAt: AT,
  lockHash: SHA,
  lockInputs: [{ name: "nixpkgs", rev: COMMIT, lastModified: AT }],
};
const SWITCH = { commit: COMMIT, dirty: false, generation: 12, at: AT };

/** Real examples of everything each schema checks; the variations are made from these. */
const EXAMPLES: Record<CheckedName, unknown[]> = {
  HelloResponse: [{ protocol: 1, serverVersion: "1.4.0", pollSeconds: 25, outdated: false }],
  PollResponse: [
    { command: null },
    { command: { type: "cancel", jobId: "j_2" } },
    ...COMMANDS.map((c) => ({ command: c })),
  ],
  JobEventsAck: [{ nextSeq: 12 }],
  Ok: [{ ok: true }],
  EnrollResponse: [{ hostId: "h_1", hostToken: "fh_secret", name: "web1" }],
  RunCommand: COMMANDS,
  JobResult: [
    { state: "succeeded", exitCode: 0 },
    {
      state: "failed",
      exitCode: 1,
      reason: "tests failed",
      outcome: {
        op: "deploy",
        kind: "rolled_back",
        commit: COMMIT,
        generationBefore: 11,
        generationAfter: 11,
        cause: "tests_failed",
      },
      tests: [{ name: "T1-web.sh", state: "failed", exitCode: 1, durationMs: 120 }],
      outputLines: 40,
    },
    {
      state: "failed",
      exitCode: null,
      outcome: { op: "update", kind: "rolled_back", reason: "no hello", restored: true },
    },
    {
      state: "succeeded",
      exitCode: 0,
      outcome: { op: "rollback", kind: "rolled_back", generationBefore: 12, generationAfter: 11 },
    },
  ],
  CheckoutState: [CHECKOUT, { ...CHECKOUT, branch: null, lockHash: null, lockInputs: [] }],
  SystemState: [
    { generation: 12, path: "/nix/store/abc-nixos-system", needsReboot: false },
    { generation: null, path: null, needsReboot: null },
  ],
  HostState: [
    {
      checkout: CHECKOUT,
      system: { generation: 12, path: "/nix/store/abc-nixos-system", needsReboot: false },
      lastSwitch: SWITCH,
      lastSwitchFailed: false,
      lastTest: { passed: true, at: AT },
      generations: [
        { generation: 12, commit: COMMIT, at: AT },
        { generation: 11, commit: null, at: AT },
      ],
    },
    {
      checkout: null,
      system: null,
      lastSwitch: null,
      lastSwitchFailed: true,
      lastTest: null,
      generations: [],
    },
  ],
  AgentConfig: [
    { server: "http://fleet.example:8080", name: "web1" },
    {
      server: "https://fleet.example",
      name: "web1.dc-2",
      repo: {
        dir: "/etc/nixos",
        url: "https://git.example/fleet.git",
        branch: "prod",
        flakeInputs: ["nixpkgs"],
      },
      switch: ["nixos-rebuild", "switch", "--flake", "{repo}#{host}"],
      rollback: ["nixos-rebuild", "switch", "--rollback"],
      system: { profile: "/nix/var/nix/profiles/system", stateCommand: ["generation"] },
      stateIntervalSeconds: 60,
      vitalsIntervalSeconds: 0,
      tags: ["web", "dc-2"],
      testsDir: "tests",
      service: {
        manager: "systemd",
        unit: "fleet-agent.service",
        restartCommand: ["systemctl", "restart", "fleet-agent"],
      },
      update: { healthGraceSeconds: 30, soakSeconds: 5 },
      timeouts: {
        gitSeconds: 10,
        switchSeconds: 100,
        testSeconds: 100,
        killGraceSeconds: 1,
        restartSeconds: 20,
      },
      backoff: { baseSeconds: 1, maxSeconds: 60 },
    },
  ],
  Credentials: [{ hostId: "h_1", hostToken: "fh_secret" }],
  HealthNote: [{ pid: 4242, version: "1.4.0", sha256: SHA, at: 1_790_000_000_000 }],
  SpoolEvent: [
    { t: "start", ts: AT },
    { t: "out", seq: 0, ts: AT, stream: "stdout", data: "building…" },
    { t: "progress", progress: { current: 2, total: 5, passed: 1, unit: "KiB", label: "tests" } },
  ],
  SwitchFile: [
    {
      version: 1,
      lastSwitch: SWITCH,
      failedAfter: null,
      builtFrom: [{ generation: 12, commit: COMMIT, at: AT }],
    },
    {
      version: 1,
      lastSwitch: null,
      failedAfter: { ...SWITCH, commit: null, generation: null },
      builtFrom: [],
    },
  ],
  TestFile: [{ version: 1, passed: true, at: AT }],
  SwitchOutcome: [
    { ...SWITCH, ok: true },
    { commit: null, dirty: true, generation: null, ok: false },
  ],
  TestOutcome: [{ passed: false }, { passed: true, at: AT }],
};

/** Values that are wrong in most places and right in some: each replaces every field in turn. */
const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1_000_001,
  86_401,
  "",
  "X",
  "not a url",
  "2026-11-22 10:00",
  [],
  {},
  ...[33, 64, 65, 101, 256, 501, 1001, 2001, 64 * 1024 + 1].map((n) => "x".repeat(n)),
];

/** Every variation of `value`: each field replaced, dropped, grown past a bound; an unknown key. */
function variations(value: unknown): unknown[] {
  const out: unknown[] = ODD_VALUES.filter((odd) => odd !== value);
  if (typeof value === "string") out.push(`${value}!`, value.toUpperCase(), ` ${value} `, value.slice(1));
  if (typeof value === "number") out.push(value + 0.5, -value, value + 1, value * 1000);
  if (Array.isArray(value)) {
    if (value.length)
      out.push([value[0], ...value], ...[21, 33, 51, 101].map((n) => Array(n).fill(value[0])));
    value.forEach((item, i) => {
      for (const v of variations(item)) out.push(value.map((x, j) => (j === i ? v : x)));
    });
  } else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    out.push({ ...record, unknownKey: 1 });
    for (const key of Object.keys(record)) {
      const { [key]: _, ...without } = record;
      out.push(without);
      for (const v of variations(record[key])) out.push({ ...record, [key]: v });
    }
  }
  return out;
}

describe.each(Object.keys(EXAMPLES) as CheckedName[])("%s", (name) => {
  const zodSchema = CHECKED_SCHEMAS[name] as z.ZodType;
  const checker = jsonChecker(() => jsonSchemaOf(zodSchema));

  test("its examples are valid and answered as zod answers them", () => {
    for (const example of EXAMPLES[name]) {
      expect(zodSchema.safeParse(example).success).toBe(true);
      expect(checker.safeParse(example)).toEqual({ success: true, data: zodSchema.parse(example) });
    }
  });

  test("every variation gets zod's verdict and zod's value", () => {
    let refused = 0;
    const cases = EXAMPLES[name].flatMap(variations);
    for (const value of cases) {
      const expected = zodSchema.safeParse(value);
      const got = checker.safeParse(value);
      expect({ value, success: got.success }).toEqual({ value, success: expected.success });
      if (got.success && expected.success)
        expect({ value, data: got.data }).toEqual({ value, data: expected.data });
      if (!got.success) refused++;
    }
    // The variations must test refusals, not only harmless changes.
    expect(refused).toBeGreaterThan(cases.length / 4);
  });
});

describe("what a refusal says", () => {
  const poll = jsonChecker(() => jsonSchemaOf(CHECKED_SCHEMAS.PollResponse));
  const first = (checked: ReturnType<typeof poll.safeParse>) =>
    checked.success
      ? null
      : { path: checked.error.issues[0]!.path.join("."), message: checked.error.issues[0]!.message };

  test("an unknown op names the op field and the ops there are", () => {
    expect(first(poll.safeParse({ command: { ...RUN, op: "frobnicate", args: {} } }))).toEqual({
      path: "command.op",
      message: 'expected one of "pull"|"switch"|"test"|"restart"|"update"|"deploy"|"rollback"',
    });
  });

  test("a bad field of a known command is named, not the union", () => {
    expect(first(poll.safeParse({ command: { ...RUN, op: "deploy", args: { commit: "HEAD" } } }))).toEqual({
      path: "command.args.commit",
      message: "a commit is 40 or 64 lowercase hex digits",
    });
    expect(first(poll.safeParse({ command: { ...RUN, op: "pull", args: { force: true } } }))).toEqual({
      path: "command.args",
      message: 'unrecognized key "force"',
    });
  });

  test("config.json: zod's own messages, the field, the bounds", () => {
    const issues = (value: object) =>
      AgentConfig.safeParse({ server: "http://fleet", name: "web1", ...value }).error?.issues;
    expect(issues({ name: "-web" })).toEqual([
      { path: ["name"], message: "host names are letters, digits, '.', '-' and '_'" },
    ]);
    expect(issues({ tags: ["web", "web"] })).toEqual([{ path: ["tags"], message: "a tag is listed twice" }]);
    expect(issues({ server: "fleet 8080" })).toEqual([{ path: ["server"], message: "invalid URL" }]);
    expect(issues({ backoff: { baseSeconds: 0 } })).toEqual([
      { path: ["backoff", "baseSeconds"], message: "out of range: expected > 0" },
    ]);
    expect(issues({ service: { manager: "upstart" } })).toEqual([
      { path: ["service", "manager"], message: 'expected one of "auto"|"systemd"|"launchd"|"none"' },
    ]);
    expect(() => AgentConfig.parse({ server: "http://fleet" })).toThrow("name: required");
  });
});

describe("what cannot be carried over fails the build", () => {
  test("a refinement without a JSON Schema equivalent", () => {
    expect(() => jsonSchemaOf(z.string().refine((s) => s !== "root", "not root"))).toThrow(
      "a refinement (not root) has no JSON Schema equivalent",
    );
  });

  test("a transform", () => {
    expect(() => jsonSchemaOf(z.object({ n: z.string().transform((s) => s.length) }))).toThrow(
      "a pipe has no JSON Schema equivalent",
    );
  });

  test("a keyword or format the checker does not know", () => {
    const email = jsonChecker(() => ({ properties: { to: { type: "string", format: "email" } } }));
    expect(() => email.safeParse({})).toThrow('format "email" is not supported');
    const allOf = jsonChecker(() => ({ anyOf: [{ allOf: [{ type: "string" }] }, { type: "null" }] }));
    expect(() => allOf.safeParse(null)).toThrow('keyword "allOf" is not supported');
  });
});

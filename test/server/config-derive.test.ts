// deriveHostConfig: every combination of the inputs that decide a host's config state, checked
// against the definitions of each state one by one (which may overlap) resolved by the
// documented precedence; then named cases for what a table hides (behindBy, the copied fields).
import { describe, expect, test } from "bun:test";
import type { ConfigStateName, ConfigTarget, HostState } from "../../protocol/config-state.ts";
import { deriveHostConfig } from "../../server/services/config/derive.ts";

const TARGET_SHA = "1".repeat(40);
const OTHER_SHA = "2".repeat(40);
const T_SWITCH = "2026-01-02T10:00:00.000Z";
const T_BEFORE = "2026-01-02T09:00:00.000Z";
const T_AFTER = "2026-01-02T11:00:00.000Z";

const PRECEDENCE: ConfigStateName[] = [
  "unknown",
  "failed",
  "dirty",
  "behind",
  "pulled",
  "untested",
  "current",
];

type Checkout = "none" | "atTarget" | "elsewhere";
type Switch = "none" | "fromTarget" | "fromTargetDirty" | "fromOther";
type Test = "none" | "passedAfter" | "passedBefore" | "failedAfter" | "failedBefore";
interface Inputs {
  target: boolean;
  reported: boolean;
  checkout: Checkout;
  dirty: boolean;
  lastSwitch: Switch;
  lastSwitchFailed: boolean;
  lastTest: Test;
}

function target(commit = TARGET_SHA): ConfigTarget {
  return { commit, source: "repo", subject: "s", committedAt: T_BEFORE, checkedAt: T_AFTER };
}

function stateOf(i: Inputs): HostState | null {
  if (!i.reported) return null;
  const commit = i.checkout === "atTarget" ? TARGET_SHA : OTHER_SHA;
  const switchCommit = i.lastSwitch === "fromOther" ? OTHER_SHA : TARGET_SHA;
  const testAt = i.lastTest.endsWith("After") ? T_AFTER : T_BEFORE;
  return {
    checkout:
      i.checkout === "none"
        ? null
        : {
            commit,
            branch: "main",
            subject: "a commit",
            committedAt: T_BEFORE,
            dirty: i.dirty,
            remoteCommit: TARGET_SHA,
            fetchedAt: T_BEFORE,
            lockHash: "f".repeat(64),
            lockInputs: [],
          },
    system: { generation: 7, path: "/nix/store/abc-system", needsReboot: false },
    lastSwitch:
      i.lastSwitch === "none"
        ? null
        : { commit: switchCommit, dirty: i.lastSwitch === "fromTargetDirty", generation: 7, at: T_SWITCH },
    lastSwitchFailed: i.lastSwitchFailed,
    lastTest: i.lastTest === "none" ? null : { passed: i.lastTest.startsWith("passed"), at: testAt },
    generations: [],
  };
}

/** Each state as the issue defines it, on its own; several may hold at once. */
function definitions(i: Inputs): Record<ConfigStateName, boolean> {
  const hasCheckout = i.target && i.reported && i.checkout !== "none";
  const at = hasCheckout && i.checkout === "atTarget";
  const switchedFromTarget = i.lastSwitch === "fromTarget";
  const passedSince = i.lastSwitch !== "none" && i.lastTest === "passedAfter";
  const testFailed =
    i.lastTest === "failedAfter" || (i.lastTest === "failedBefore" && i.lastSwitch === "none");
  return {
    unknown: !hasCheckout,
    failed: hasCheckout && (i.lastSwitchFailed || testFailed),
    dirty: hasCheckout && i.dirty,
    behind: hasCheckout && !at,
    pulled: at && !switchedFromTarget,
    untested: at && switchedFromTarget && !passedSince,
    current: at && !i.dirty && switchedFromTarget && passedSince,
  };
}

function* combinations(): Generator<Inputs> {
  for (const t of [true, false])
    for (const reported of [true, false])
      for (const checkout of ["none", "atTarget", "elsewhere"] as const)
        for (const dirty of [false, true])
          for (const lastSwitch of ["none", "fromTarget", "fromTargetDirty", "fromOther"] as const)
            for (const lastSwitchFailed of [false, true])
              for (const lastTest of [
                "none",
                "passedAfter",
                "passedBefore",
                "failedAfter",
                "failedBefore",
              ] as const)
                yield { target: t, reported, checkout, dirty, lastSwitch, lastSwitchFailed, lastTest };
}

describe("deriveHostConfig over every combination", () => {
  const all = [...combinations()];

  test(`${all.length} combinations: the first state by precedence whose definition holds`, () => {
    const wrong: string[] = [];
    for (const inputs of all) {
      const holding = definitions(inputs);
      const want = PRECEDENCE.find((name) => holding[name]);
      const got = deriveHostConfig(stateOf(inputs), inputs.target ? target() : null, null).config.state;
      if (got !== want) wrong.push(`${JSON.stringify(inputs)}: got ${got}, want ${want}`);
    }
    expect(wrong).toEqual([]);
  });

  test("every combination meets at least one definition, and every state is reached", () => {
    const reached = new Set<ConfigStateName>();
    for (const inputs of all) {
      const holding = definitions(inputs);
      expect(PRECEDENCE.some((name) => holding[name])).toBe(true);
      reached.add(deriveHostConfig(stateOf(inputs), inputs.target ? target() : null, 3).config.state);
    }
    expect([...reached].sort()).toEqual([...PRECEDENCE].sort());
  });
});

const base: Inputs = {
  target: true,
  reported: true,
  checkout: "atTarget",
  dirty: false,
  lastSwitch: "fromTarget",
  lastSwitchFailed: false,
  lastTest: "passedAfter",
};
const derive = (over: Partial<Inputs>, behindBy: number | null = null) => {
  const inputs = { ...base, ...over };
  return deriveHostConfig(stateOf(inputs), inputs.target ? target() : null, behindBy);
};

describe("named cases", () => {
  test("current: at the target, clean, switched from it, tested since", () => {
    const { config, system } = derive({});
    expect(config).toEqual({
      commit: TARGET_SHA,
      state: "current",
      behindBy: 0,
      dirty: false,
      lockHash: "f".repeat(64),
      builtFrom: TARGET_SHA,
      switchedAt: T_SWITCH,
    });
    expect(system).toEqual({ generation: 7, path: "/nix/store/abc-system", needsReboot: false });
  });

  test("untested: a test that passed before the switch does not count", () => {
    expect(derive({ lastTest: "passedBefore" }).config.state).toBe("untested");
    expect(derive({ lastTest: "none" }).config.state).toBe("untested");
  });

  test("failed: a failed test before the last switch is forgiven, one after it is not", () => {
    expect(derive({ lastTest: "failedBefore" }).config.state).toBe("untested");
    expect(derive({ lastTest: "failedAfter" }).config.state).toBe("failed");
    expect(derive({ lastSwitchFailed: true, checkout: "elsewhere", dirty: true }).config.state).toBe(
      "failed",
    );
  });

  test("pulled: switched from another commit, from a dirty tree, or never", () => {
    for (const lastSwitch of ["fromOther", "fromTargetDirty", "none"] as const)
      expect(derive({ lastSwitch }).config.state).toBe("pulled");
  });

  test("behind carries the mirror's count; without a mirror it is null", () => {
    expect(derive({ checkout: "elsewhere" }, 3).config).toMatchObject({ state: "behind", behindBy: 3 });
    expect(derive({ checkout: "elsewhere" }, null).config).toMatchObject({ state: "behind", behindBy: null });
    // At the target the count is known without one.
    expect(derive({}, null).config.behindBy).toBe(0);
  });

  test("dirty wins over behind, failed over dirty", () => {
    expect(derive({ checkout: "elsewhere", dirty: true }).config.state).toBe("dirty");
    expect(derive({ dirty: true, lastSwitchFailed: true }).config.state).toBe("failed");
  });

  test("unknown: no report, no checkout, or no target; what is known is still shown", () => {
    expect(deriveHostConfig(null, target(), 5)).toEqual({
      config: {
        commit: null,
        state: "unknown",
        behindBy: null,
        dirty: null,
        lockHash: null,
        builtFrom: null,
        switchedAt: null,
      },
      system: null,
    });
    const noTarget = derive({ target: false }, 5).config;
    expect(noTarget).toMatchObject({
      state: "unknown",
      commit: TARGET_SHA,
      behindBy: null,
      builtFrom: TARGET_SHA,
    });
    expect(derive({ checkout: "none" }).config).toMatchObject({ state: "unknown", commit: null });
  });
});

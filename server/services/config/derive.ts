// One host's config state, derived from what it reported (HostState) and the target fleetd
// compares with (ConfigTarget). Pure: the board and fleetctl only display what this decides.
//
// Exactly one state, the first of these that holds (the precedence):
//   unknown   no target, no report, or no checkout in the report: nothing to compare
//   failed    the last switch or test failed (lastSwitchFailed, or a failed test since the last
//             switch): the operator has to look, whatever else is true
//   dirty     tracked files in the checkout differ from its HEAD: what runs is nobody's commit
//   behind    the checkout's commit is not the target (behindBy counts the commits, with a mirror)
//   pulled    the checkout is at the target, but the last switch was not built from it
//   untested  switched from the target, but no test passed since that switch
//   current   at the target, clean, switched from it, and a test passed since that switch
// A switch built from a dirty tree was not built from the target's commit, so it does not count
// as switched from it. A test "since the switch" is one whose time is not before the switch's.
import type { TestVerdict } from "../../../protocol/board.ts";
import type {
  CheckoutState,
  ConfigStateName,
  ConfigTarget,
  HostConfig,
  HostState,
  HostSystem,
} from "../../../protocol/config-state.ts";

/** What the derivation reads of a report: a whole HostState does, and so does its stored summary. */
export type ReportedState = Pick<HostState, "system" | "lastSwitch" | "lastSwitchFailed" | "lastTest"> & {
  checkout: Pick<CheckoutState, "commit" | "dirty" | "lockHash"> | null;
};

export interface DerivedConfig {
  config: HostConfig;
  system: HostSystem | null;
}

export function deriveHostConfig(
  state: ReportedState | null,
  target: ConfigTarget | null,
  behindBy: number | null,
): DerivedConfig {
  const checkout = state?.checkout ?? null;
  const atTarget = checkout !== null && target !== null && checkout.commit === target.commit;
  const config: HostConfig = {
    commit: checkout?.commit ?? null,
    state: _stateName(state, target),
    // At the target it is 0 for certain; elsewhere only the mirror can count.
    behindBy: atTarget ? 0 : checkout && target ? behindBy : null,
    dirty: checkout?.dirty ?? null,
    lockHash: checkout?.lockHash ?? null,
    builtFrom: state?.lastSwitch?.commit ?? null,
    switchedAt: state?.lastSwitch?.at ?? null,
  };
  return { config, system: state?.system ?? null };
}

function _stateName(state: ReportedState | null, target: ConfigTarget | null): ConfigStateName {
  const checkout = state?.checkout;
  if (!state || !checkout || !target) return "unknown";
  const tests = testVerdict(state);
  if (state.lastSwitchFailed || tests === "failed") return "failed";
  if (checkout.dirty) return "dirty";
  if (checkout.commit !== target.commit) return "behind";
  const sw = state.lastSwitch;
  if (!sw || sw.dirty || sw.commit !== target.commit) return "pulled";
  return tests === "passed" ? "current" : "untested";
}

/**
 * The last test against the last switch: a test from before it ("stale") is about a system that
 * no longer runs. One rule for config.state and the board's Tests compartment.
 */
export function testVerdict(state: ReportedState | null): TestVerdict | null {
  const test = state?.lastTest;
  if (!test) return null;
  if (state.lastSwitch && _before(test.at, state.lastSwitch.at)) return "stale";
  return test.passed ? "passed" : "failed";
}

const _before = (a: string, b: string): boolean => Date.parse(a) < Date.parse(b);

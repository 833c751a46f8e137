// What a silent update's failure says, case by case: never acknowledged (frozen agent, or a
// runner that never reported though the agent polls), acknowledged then silent, stuck while
// online, and "too old" only for an agent whose protocol predates the update op.
import { describe, expect, test } from "bun:test";
import { describeSilentUpdate, type SilentUpdate } from "../../server/services/update-silence.ts";

const T = (s: string) => `2026-01-01T20:${s}.000Z`;
const ms = (s: string) => Date.parse(T(s));
const base: SilentUpdate = {
  job: { id: "j_1", state: "dispatched", dispatchedAt: T("43:05"), args: { version: "2.0.0" } },
  timeoutMs: 90_000,
  lastReportAt: null,
  agentProtocol: 1,
  lastHeard: T("42:51"),
  offlineSince: ms("43:16"),
};

describe("describeSilentUpdate", () => {
  test("a frozen agent that never acknowledged: what was seen, and not 'too old'", () => {
    const reason = describeSilentUpdate(base);
    expect(reason).toBe(
      "the agent never acknowledged the update: the command went out on its poll at 20:43:05 UTC and no " +
        "report came for 90 s (nothing heard from the host since, last at 20:42:51 UTC; offline since " +
        "20:43:16 UTC); the agent is hung, stopped or cut off from fleetd",
    );
    expect(reason).not.toContain("too old");
  });

  test("never acknowledged though the agent keeps polling: its runner is the suspect", () => {
    const reason = describeSilentUpdate({ ...base, lastHeard: T("44:30"), offlineSince: null });
    expect(reason).toStartWith("the agent never acknowledged the update within 90 s although it is online");
    expect(reason).toContain("last heard from the host at 20:44:30 UTC");
    expect(reason).toContain("runner");
  });

  test("acknowledged, then silent and offline", () => {
    const reason = describeSilentUpdate({
      ...base,
      job: { ...base.job, state: "running", startedAt: T("43:06") },
      lastReportAt: ms("43:09"),
      lastHeard: T("43:09"),
      offlineSince: ms("43:20"),
    });
    expect(reason).toBe(
      "the agent acknowledged the update, then went silent: it started at 20:43:06 UTC and last reported " +
        "at 20:43:09 UTC, then nothing for 90 s (last heard from the host at 20:43:09 UTC; offline since " +
        "20:43:20 UTC) and no hello on 2.0.0; it is hung, stopped or cut off from fleetd",
    );
  });

  test("acknowledged and stuck while the host stays online", () => {
    const reason = describeSilentUpdate({
      ...base,
      job: { ...base.job, state: "running", startedAt: T("43:06") },
      offlineSince: null,
    });
    expect(reason).toStartWith(
      "no word from the update and no hello on 2.0.0 for 90 s: it started at 20:43:06",
    );
    expect(reason).toContain("still online");
  });

  test("'too old' only for an agent whose protocol predates the update op", () => {
    const reason = describeSilentUpdate({ ...base, agentProtocol: 0 });
    expect(reason).toContain("speaks protocol 0, older than the update command (protocol 1)");
    expect(reason).toContain("install.sh");
  });
});

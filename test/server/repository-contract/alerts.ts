// The repository contract on raising, resolving and acking alerts:
// every outcome, and the races two replicas can start.
import { describe, expect, test } from "bun:test";
import type { AlertRecord } from "../../../server/store/records/alert.ts";
import type { AlertSilenceRecord } from "../../../server/store/records/alert-silence.ts";
import { HOUR, isoAt, NOW, type OpenRepository, usingRepo } from "./fixtures.ts";

const silence = (subject: string, until: string, createdBy = "admin"): AlertSilenceRecord => ({
  subject,
  subjectType: subject.startsWith("h_") ? "host" : "kind",
  until,
  createdAt: NOW.toISOString(),
  createdBy,
});

const alert = (id: string, message = "web1 is offline", extra: Partial<AlertRecord> = {}): AlertRecord => ({
  id,
  kind: "host_offline",
  subject: "h_one",
  message,
  raisedAt: NOW.toISOString(),
  ...extra,
});

export function alertsContract(name: string, open: OpenRepository): void {
  const withRepo = usingRepo(open);

  describe(`the ${name} repository: alerts`, () => {
    test(
      "raising: a new alert, then the same one unchanged, then a new message keeping id and ack",
      withRepo(async (r) => {
        expect(await r.repo.raiseAlert(alert("a_1"))).toEqual({ kind: "raised", alert: alert("a_1") });
        expect(await r.repo.raiseAlert(alert("a_2"))).toEqual({ kind: "unchanged", alert: alert("a_1") });
        await r.repo.ackAlert("a_1", "admin", NOW);
        const acked = { ackedAt: NOW.toISOString(), ackedBy: "admin" };
        expect(await r.repo.raiseAlert(alert("a_3", "web1 is offline still"))).toEqual({
          kind: "updated",
          alert: alert("a_1", "web1 is offline still", acked),
        });
        expect(r.read.alerts()).toEqual([alert("a_1", "web1 is offline still", acked)]);
      }),
    );

    test(
      "resolving: only what is open; then the next raise opens a new alert",
      withRepo(async (r) => {
        expect(await r.repo.resolveAlert("host_offline", "h_one", "back", NOW)).toEqual({ kind: "not_open" });
        await r.repo.raiseAlert(alert("a_1"));
        const resolved = alert("a_1", "web1 is offline", {
          resolvedAt: NOW.toISOString(),
          resolution: "back",
        });
        expect(await r.repo.resolveAlert("host_offline", "h_one", "back", NOW)).toEqual({
          kind: "resolved",
          alert: resolved,
        });
        expect(await r.repo.raiseAlert(alert("a_2"))).toMatchObject({ kind: "raised", alert: { id: "a_2" } });
        expect(r.read.alerts().map((a) => [a.id, a.resolvedAt ?? null])).toEqual([
          ["a_1", NOW.toISOString()],
          ["a_2", null],
        ]);
      }),
    );

    test(
      "acking: an open alert once; a resolved one and an unknown one are not acked",
      withRepo(async (r) => {
        await r.seed.alert(alert("a_done", "m", { kind: "disk_full", resolvedAt: NOW.toISOString() }));
        await r.repo.raiseAlert(alert("a_1"));
        const [a, b] = await Promise.all([
          r.repo.ackAlert("a_1", "alice", NOW),
          r.repo.ackAlert("a_1", "bob", NOW),
        ]);
        expect([a.kind, b.kind].sort()).toEqual(["acked", "already_acked"]);
        expect(r.read.alerts().find((x) => x.id === "a_1")?.ackedBy).toBe(
          a.kind === "acked" ? "alice" : "bob",
        );
        expect(await r.repo.ackAlert("a_done", "alice", NOW)).toMatchObject({ kind: "resolved" });
        expect(await r.repo.ackAlert("a_none", "alice", NOW)).toEqual({ kind: "unknown" });
      }),
    );

    test(
      "silences: one per subject, the expired dropped with the next change, removed only when in force",
      withRepo(async (r) => {
        await r.repo.setAlertSilence(silence("h_one", isoAt(1)), NOW);
        await r.repo.setAlertSilence(silence("disk_full", isoAt(HOUR)), NOW);
        expect(await r.repo.setAlertSilence(silence("disk_full", isoAt(2 * HOUR), "bob"), NOW)).toEqual({
          kind: "set",
          silence: silence("disk_full", isoAt(2 * HOUR), "bob"),
          replaced: silence("disk_full", isoAt(HOUR)),
        });
        expect(r.read.silences()).toEqual([
          silence("h_one", isoAt(1)),
          silence("disk_full", isoAt(2 * HOUR), "bob"),
        ]);
        const later = new Date(NOW.getTime() + 1);
        expect(await r.repo.removeAlertSilence(["h_one"], later)).toEqual({ kind: "none_in_force" });
        expect(await r.repo.removeAlertSilence(["web1", "disk_full"], later)).toEqual({
          kind: "removed",
          silence: silence("disk_full", isoAt(2 * HOUR), "bob"),
        });
        expect(r.read.silences()).toEqual([]);
      }),
    );

    test(
      "two silences of one subject at once: one is in force",
      withRepo(async (r) => {
        await Promise.all([
          r.repo.setAlertSilence(silence("h_one", isoAt(HOUR), "alice"), NOW),
          r.repo.setAlertSilence(silence("h_one", isoAt(HOUR), "bob"), NOW),
        ]);
        expect(r.read.silences()).toHaveLength(1);
      }),
    );

    test(
      "two raises of one alert at once: one alert is open",
      withRepo(async (r) => {
        const outcomes = await Promise.all([
          r.repo.raiseAlert(alert("a_1")),
          r.repo.raiseAlert(alert("a_2")),
        ]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(["raised", "unchanged"]);
        expect(r.read.alerts()).toHaveLength(1);
      }),
    );
  });
}

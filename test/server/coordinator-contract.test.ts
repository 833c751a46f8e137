// One contract for every coordinator, run against the in-process one and against PostgreSQL with
// a single replica: wakes reach subscribers of held polls, a lone replica leads every task with
// one handle per task, presence follows polls, requests and grace, and closing ends every term.
import { describe, expect, test } from "bun:test";
import { InProcessCoordinator } from "../../server/coordinator/in-process.ts";
import { type Coordinator, SINGLETON_TASKS } from "../../server/coordinator/types.ts";
import { noPostgres, openReplica, usePostgres } from "../postgres/replicas.ts";

const GRACE_MS = 1_000;
const { freshDatabase } = usePostgres();

const implementations: { name: string; skip: boolean; open: () => Promise<Coordinator> }[] = [
  {
    name: "in-process",
    skip: false,
    open: async () => new InProcessCoordinator({ offlineGraceMs: GRACE_MS }),
  },
  {
    name: "PostgreSQL",
    skip: noPostgres !== null,
    open: async () =>
      (await openReplica((await freshDatabase()).url, "solo", { offlineGraceMs: GRACE_MS })).coordinator,
  },
];

for (const impl of implementations) {
  describe.skipIf(impl.skip)(`the ${impl.name} coordinator`, () => {
    test("a wake for a held poll reaches every subscriber until it unsubscribes", async () => {
      const coordinator = await impl.open();
      const first: string[] = [];
      const second: string[] = [];
      const stop = coordinator.onWake((h) => first.push(h));
      coordinator.onWake((h) => second.push(h));
      coordinator.presence.hold("h1");
      coordinator.wake("h1");
      stop();
      coordinator.wake("h1");
      expect({ first, second }).toEqual({ first: ["h1"], second: ["h1", "h1"] });
      await coordinator.close();
    });

    test("alone, it leads every task, one handle per task, until it closes", async () => {
      const coordinator = await impl.open();
      const terms = SINGLETON_TASKS.map((task) => coordinator.leadership(task).term());
      expect(terms.map((t) => t !== null && t.epoch >= 1 && !t.signal.aborted)).toEqual(
        SINGLETON_TASKS.map(() => true),
      );
      expect(coordinator.leadership("sweeper")).toBe(coordinator.leadership("sweeper"));
      await coordinator.close();
      expect(SINGLETON_TASKS.map((task) => coordinator.leadership(task).isLeader())).toEqual(
        SINGLETON_TASKS.map(() => false),
      );
      expect(terms.every((t) => t!.signal.aborted)).toBe(true);
    });

    test("presence: online while held and for the grace after, offline since the grace ended", async () => {
      const coordinator = await impl.open();
      const { presence } = coordinator;
      const t0 = Date.now();
      expect({ online: presence.isOnline("h1", t0), heard: presence.heardSinceStart("h1") }).toEqual({
        online: false,
        heard: false,
      });
      expect(presence.offlineSince("h1", t0)).toBe(presence.startedAt);
      presence.hold("h1");
      expect(presence.isOnline("h1", t0 + 60_000)).toBe(true);
      presence.release("h1", "answered", t0);
      expect(presence.isOnline("h1", t0 + GRACE_MS - 1)).toBe(true);
      expect(presence.offlineSince("h1", t0 + GRACE_MS + 1)).toBe(t0 + GRACE_MS);
      presence.seen("h2", t0);
      expect(presence.isOnline("h2", t0 + 1)).toBe(true);
      expect([...presence.takeCandidates()].sort()).toEqual(["h1", "h2"]);
      presence.forget("h1");
      expect(presence.heardSinceStart("h1")).toBe(false);
      await coordinator.close();
    });
  });
}

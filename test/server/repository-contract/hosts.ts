// The repository contract on changing a host record (a hello, a revoke):
// every outcome, and the race two replicas can start.
import { describe, expect, test } from "bun:test";
import { host, NOW, type OpenRepository, usingRepo } from "./fixtures.ts";

export function hostsContract(name: string, open: OpenRepository): void {
  const withRepo = usingRepo(open);

  describe(`the ${name} repository: hosts`, () => {
    test(
      "an update lands only on the record it was decided from; a deleted host is changed meanwhile",
      withRepo(async (r) => {
        await r.seed.host(host("h_1", "web"));
        const read = r.read.hosts()[0]!;
        const first = await r.repo.updateHost(read, { ...read, version: "1.2.3" });
        expect(first).toMatchObject({ kind: "updated", host: { version: "1.2.3" } });
        const revokedAt = NOW.toISOString();
        const stale = await r.repo.updateHost(read, { ...read, revokedAt });
        expect(stale).toMatchObject({ kind: "changed_meanwhile", current: { version: "1.2.3" } });
        if (first.kind !== "updated") return;
        expect(await r.repo.updateHost(first.host, { ...first.host, revokedAt })).toMatchObject({
          kind: "updated",
          host: { version: "1.2.3", revokedAt },
        });
        expect(r.read.hosts()).toMatchObject([{ id: "h_1", version: "1.2.3", revokedAt }]);
        expect(await r.repo.updateHost(host("h_gone"), host("h_gone"))).toEqual({
          kind: "changed_meanwhile",
          current: undefined,
        });
      }),
    );

    test(
      "a hello and a revoke from one read at once: one lands, the other hears it changed",
      withRepo(async (r) => {
        await r.seed.host(host("h_1", "web"));
        const read = r.read.hosts()[0]!;
        const outcomes = await Promise.all([
          r.repo.updateHost(read, { ...read, version: "1.2.3" }),
          r.repo.updateHost(read, { ...read, revokedAt: NOW.toISOString() }),
        ]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(["changed_meanwhile", "updated"]);
        const landed = outcomes.flatMap((o) => (o.kind === "updated" ? [o.host] : []));
        expect(r.read.hosts()).toEqual(landed);
      }),
    );
  });
}

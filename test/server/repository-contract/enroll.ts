// The repository contract on enrolling and enroll tokens:
// every outcome, and the races two replicas can start.
import { describe, expect, test } from "bun:test";
import { host, NOW, type OpenRepository, type RepositoryUnderTest, token, usingRepo } from "./fixtures.ts";

export function enrollContract(name: string, open: OpenRepository): void {
  const withRepo = usingRepo(open);
  describe(`the ${name} repository: enroll`, () => {
    const enroll = (r: RepositoryUnderTest, n: number, id: string, at = NOW) =>
      r.repo.enroll({ tokenHash: token(n).tokenHash, host: host(id, `${id}-name`), at });

    test(
      "uses the token and creates the host in one step",
      withRepo(async (r) => {
        await r.seed.token(token(1));
        expect(await enroll(r, 1, "h_new")).toEqual({ kind: "enrolled", host: host("h_new", "h_new-name") });
        expect(r.read.token(token(1).tokenHash)).toMatchObject({
          usedAt: NOW.toISOString(),
          usedByHostId: "h_new",
        });
        expect(r.read.hosts().map((h) => h.id)).toEqual(["h_new"]);
      }),
    );

    test(
      "refuses an unknown, used, revoked or expired token, and creates no host",
      withRepo(async (r) => {
        await r.seed.token(token(2, { usedAt: NOW.toISOString(), usedByHostId: "h_old" }));
        await r.seed.token(token(3, { revokedAt: NOW.toISOString() }));
        await r.seed.token(token(4, { expiresAt: NOW.toISOString() }));
        const kinds = [];
        for (const n of [1, 2, 3, 4]) kinds.push((await enroll(r, n, `h_${n}`)).kind);
        expect(kinds).toEqual(["token_unknown", "token_used", "token_revoked", "token_expired"]);
        expect(r.read.hosts()).toEqual([]);
        expect(r.read.token(token(4).tokenHash)).toEqual(token(4, { expiresAt: NOW.toISOString() }));
      }),
    );

    test(
      "a taken name is refused with the host that has it, and the token stays unused",
      withRepo(async (r) => {
        await r.seed.token(token(1));
        await r.seed.host(host("h_old", "web"));
        const outcome = await r.repo.enroll({
          tokenHash: token(1).tokenHash,
          host: host("h_new", "web"),
          at: NOW,
        });
        expect(outcome).toEqual({ kind: "name_taken", hostId: "h_old" });
        expect(r.read.token(token(1).tokenHash)).toEqual(token(1));
        expect(r.read.hosts().map((h) => h.id)).toEqual(["h_old"]);
      }),
    );

    test(
      "a host id already taken is answered as such, and the token stays unused",
      withRepo(async (r) => {
        await r.seed.token(token(1));
        await r.seed.host(host("h_old", "web"));
        const outcome = await r.repo.enroll({
          tokenHash: token(1).tokenHash,
          host: host("h_old", "db"),
          at: NOW,
        });
        expect(outcome).toEqual({ kind: "host_id_taken" });
        expect(r.read.token(token(1).tokenHash)).toEqual(token(1));
      }),
    );

    test(
      "two enrolls with one token at once: exactly one host is enrolled",
      withRepo(async (r) => {
        await r.seed.token(token(1));
        const outcomes = await Promise.all([enroll(r, 1, "h_a"), enroll(r, 1, "h_b")]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(["enrolled", "token_used"]);
        expect(r.read.hosts()).toHaveLength(1);
      }),
    );

    test(
      "revoking: only an unused token; a revoke and an enroll at once, exactly one wins",
      withRepo(async (r) => {
        await r.seed.token(token(1));
        await r.seed.token(token(2, { usedAt: NOW.toISOString(), usedByHostId: "h_old" }));
        expect(await r.repo.revokeEnrollToken(token(9).tokenHash, NOW)).toEqual({ kind: "unknown" });
        expect(await r.repo.revokeEnrollToken(token(2).tokenHash, NOW)).toMatchObject({ kind: "not_unused" });
        const revoked = await r.repo.revokeEnrollToken(token(1).tokenHash, NOW);
        expect(revoked).toEqual({ kind: "revoked", token: token(1, { revokedAt: NOW.toISOString() }) });

        await r.seed.token(token(3));
        const [use, revoke] = await Promise.all([
          enroll(r, 3, "h_c"),
          r.repo.revokeEnrollToken(token(3).tokenHash, NOW),
        ]);
        expect([use.kind === "enrolled", revoke.kind === "revoked"].filter(Boolean)).toHaveLength(1);
      }),
    );
  });
}

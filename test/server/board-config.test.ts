// The board document's config side, in process: each host's tags, derived config, system, oldest
// lock input and test verdict, the target and the counts per config state, all as the hosts list
// derives them; the ETag moves when a host's report or the target changes and stays while a
// report is resent; the public board scrubs the store path like any other path.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Board, BoardHostDetail } from "../../protocol/board.ts";
import { PATH_PLACEHOLDER, redactBoard } from "../../server/services/board-redact.ts";
import { enroll, helloBody, hostStateBody, removeTempDirs, startTestApp, type TestApp } from "./helpers.ts";

const A = "a1".repeat(20);
const B = "b2".repeat(20);
let app: TestApp;
let web1: { hostId: string; hostToken: string };
let db1: { hostId: string; hostToken: string };

const readBoard = async (etag?: string) => {
  // Past boardCacheMs (1 ms), so every read is a rebuild: the ETag alone says what changed.
  await Bun.sleep(5);
  const reply = await app.call("GET", "/api/v1/board", {
    token: app.adminToken,
    headers: etag ? { "if-none-match": etag } : {},
  });
  return { status: reply.status, etag: reply.headers.get("etag")!, body: reply.body };
};
const report = (host: { hostToken: string }, state: unknown) =>
  app.call("POST", "/api/v1/agent/state", { token: host.hostToken, json: state });

beforeAll(async () => {
  app = await startTestApp({ boardCacheMs: 1 });
  web1 = await enroll(app, "web1");
  db1 = await enroll(app, "db1");
  await enroll(app, "fresh");
  await app.call("POST", "/api/v1/agent/hello", {
    token: web1.hostToken,
    json: helloBody({ tags: ["web", "eu"] }),
  });
  await app.call("POST", "/api/v1/agent/hello", { token: db1.hostToken, json: helloBody({ tags: ["db"] }) });
  // web1: current at B, three lock inputs: the oldest dated one is named, the undated says nothing.
  const current = hostStateBody(B);
  const inputs: { name: string; rev: string | null; lastModified: string | null }[] = [
    { name: "nixpkgs", rev: "d".repeat(40), lastModified: "2026-01-01T00:00:00.000Z" },
    { name: "old-input", rev: "f".repeat(40), lastModified: "2025-06-01T00:00:00.000Z" },
    { name: "by-hash", rev: null, lastModified: null },
  ];
  current.checkout = { ...current.checkout, lockInputs: inputs } as typeof current.checkout;
  expect((await report(web1, current)).status).toBe(200);
  // db1: at A, fetched before web1 did (so the target is web1's B), its test from before its switch.
  const behind = hostStateBody(A, { lastTest: { passed: true, at: "2026-01-02T09:59:00.000Z" } });
  behind.checkout.fetchedAt = "2026-01-02T08:00:00.000Z";
  expect((await report(db1, behind)).status).toBe(200);
});

afterAll(async () => {
  await app.close();
  removeTempDirs();
});

describe("the board's config fields", () => {
  test("each host carries what GET /api/v1/hosts derives, plus its oldest lock input and test verdict", async () => {
    const board = Board.parse((await readBoard()).body);
    const list = (await app.call("GET", "/api/v1/hosts", { token: app.adminToken })).body;
    for (const listed of list.hosts) {
      const shown = board.hosts.find((h) => h.id === listed.id)!;
      expect({ tags: shown.tags, config: shown.config, system: shown.system }).toEqual({
        tags: listed.tags,
        config: listed.config,
        system: listed.system,
      });
    }
    const byName = Object.fromEntries(board.hosts.map((h) => [h.name, h]));
    expect(byName.web1!.tags).toEqual(["web", "eu"]);
    expect(byName.web1!.config.state).toBe("current");
    expect(byName.web1!.system).toEqual({
      generation: 41,
      path: "/nix/store/aaaa-nixos-system-web1",
      needsReboot: false,
    });
    expect(byName.web1!.oldestLockInput).toEqual({
      name: "old-input",
      rev: "f".repeat(40),
      lastModified: "2025-06-01T00:00:00.000Z",
    });
    expect(byName.web1!.tests).toEqual({ verdict: "passed", at: "2026-01-02T10:05:00.000Z" });
    expect(byName.db1!.config).toMatchObject({ commit: A, state: "behind", behindBy: null });
    expect(byName.db1!.tests).toEqual({ verdict: "stale", at: "2026-01-02T09:59:00.000Z" });
    expect(byName.fresh!).toMatchObject({ tags: [], system: null, oldestLockInput: null, tests: null });
    expect(byName.fresh!.config.state).toBe("unknown");

    expect(board.target).toEqual(list.target);
    expect(board.target).toMatchObject({ commit: B, source: "hosts", subject: "hosts: web1 gets nginx" });
    expect(board.configRepo).toBeNull();
    expect(board.summary.config).toEqual({
      current: 1,
      untested: 0,
      pulled: 0,
      behind: 1,
      dirty: 0,
      failed: 0,
      unknown: 1,
    });
  });

  test("a host's detail carries the same config and system", async () => {
    const reply = await app.call("GET", `/api/v1/board/hosts/${web1.hostId}`, { token: app.adminToken });
    const detail = BoardHostDetail.parse(reply.body);
    expect(detail.host.config.state).toBe("current");
    expect(detail.host.system?.generation).toBe(41);
    expect(detail.host.tags).toEqual(["web", "eu"]);
  });

  test("the ETag stays while a report is resent, and moves when a host's state or the target changes", async () => {
    const first = await readBoard();
    expect(
      (
        await report(
          web1,
          (
            await app.call("GET", `/api/v1/hosts/${web1.hostId}`, { token: app.adminToken })
          ).body.state,
        )
      ).status,
    ).toBe(200);
    expect((await readBoard(first.etag)).status).toBe(304);

    // db1 pulls B: behind → pulled.
    const pulled = hostStateBody(B, {
      lastSwitch: { commit: A, dirty: false, generation: 40, at: "2026-01-02T10:00:00.000Z" },
    });
    pulled.checkout.fetchedAt = "2026-01-02T08:00:00.000Z";
    expect((await report(db1, pulled)).status).toBe(200);
    const afterReport = await readBoard(first.etag);
    expect(afterReport.status).toBe(200);
    expect(afterReport.etag).not.toBe(first.etag);
    const hosts = Board.parse(afterReport.body).hosts;
    expect(hosts.find((h) => h.name === "db1")!.config.state).toBe("pulled");

    // Pinned to A: web1 and db1 are now behind, and the header's target says "pin".
    const pin = await app.call("POST", "/api/v1/config/target/pin", {
      token: app.adminToken,
      json: { commit: A },
    });
    expect(pin.status).toBe(200);
    const afterPin = await readBoard(afterReport.etag);
    expect(afterPin.status).toBe(200);
    const pinned = Board.parse(afterPin.body);
    expect(pinned.target).toMatchObject({ commit: A, source: "pin" });
    expect(pinned.summary.config?.behind).toBe(2);
  });
});

describe("--public-board", () => {
  let open: TestApp;
  beforeAll(async () => {
    open = await startTestApp({ publicBoard: true, boardCacheMs: 1 });
    const nas = await enroll(open, "nas");
    await open.call("POST", "/api/v1/agent/hello", {
      token: nas.hostToken,
      json: helloBody({ tags: ["nas"] }),
    });
    await open.call("POST", "/api/v1/agent/state", { token: nas.hostToken, json: hostStateBody(B) });
  });
  afterAll(() => open.close());

  test("the store path is path-like: replaced, while commits, tags and states stay", async () => {
    const board = Board.parse((await open.call("GET", "/api/v1/board")).body);
    expect(board.redacted).toBe(true);
    const nas = board.hosts[0]!;
    expect(nas.system?.path).toBe(PATH_PLACEHOLDER);
    expect(nas.system?.generation).toBe(41);
    expect(nas.config).toMatchObject({ commit: B, state: "current", builtFrom: B });
    expect(nas.tags).toEqual(["nas"]);
    expect(board.target?.commit).toBe(B);
    expect(JSON.stringify(board)).not.toContain("/nix/store");
  });

  test("the config repo's URL is replaced whole, an scp-style one too", async () => {
    const full = Board.parse((await app.call("GET", "/api/v1/board", { token: app.adminToken })).body);
    for (const url of ["git@forge.example:ops/fleet-config.git", "https://forge.example/ops/config.git"]) {
      const doc = { ...full, configRepo: { url, branch: "main" } };
      const redacted = redactBoard({ doc, etag: '"x"' }).doc;
      expect(redacted.configRepo).toEqual({ url: PATH_PLACEHOLDER, branch: "main" });
    }
  });
});

// The board's vitals live apart from the board document: a sample changes GET /api/v1/board/vitals
// (its own ETag) and leaves the board's ETag alone, so a page holding the board gets a 304; a
// sample that raises disk_full is news and does change the board. The vitals part is rebuilt at
// most every boardVitalsCacheMs, and lists only hosts that sent vitals and still exist.
import { afterEach, expect, test } from "bun:test";
import { hashToken } from "../../server/services/tokens.ts";
import { currentBoardVitals } from "../../server/services/vitals/board-vitals.ts";
import { enroll, helloBody, removeTempDirs, startTestApp, type TestApp, vitalsBody } from "./helpers.ts";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  removeTempDirs();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

async function hostWithVitals(name: string) {
  const host = await enroll(app!, name);
  await app!.call("POST", "/api/v1/agent/hello", { token: host.hostToken, json: helloBody() });
  await sample(host.hostToken, vitalsBody(minutesAgo(3), 40, { cpuPercent: 10 }));
  return host;
}

async function sample(token: string, body: unknown) {
  expect((await app!.call("POST", "/api/v1/agent/vitals", { token, json: body })).status).toBe(200);
}

/** A conditional GET as the board page makes it. */
async function get(path: string, etag?: string) {
  const headers: Record<string, string> = etag ? { "if-none-match": etag } : {};
  const reply = await app!.call("GET", path, { token: app!.adminToken, headers });
  return { status: reply.status, etag: reply.headers.get("etag"), body: reply.body };
}

test("a vitals sample: the board answers 304 to the ETag it gave before, the vitals part a new one", async () => {
  // Both caches expire at once, so every read below is a rebuild: the ETag alone says what changed.
  app = await startTestApp({ boardCacheMs: 1, boardVitalsCacheMs: 1 });
  const host = await hostWithVitals("web1");
  const board = await get("/api/v1/board");
  expect(board.status).toBe(200);
  expect(board.body.hosts[0].name).toBe("web1");
  expect("vitals" in board.body.hosts[0]).toBe(false);
  const vitals = await get("/api/v1/board/vitals");
  expect(vitals.status).toBe(200);
  expect(vitals.body.hosts[host.hostId]).toMatchObject({ cpuPercent: 10, diskPercent: 40 });

  await Bun.sleep(5);
  await sample(host.hostToken, vitalsBody(minutesAgo(2), 45, { cpuPercent: 70 }));
  await Bun.sleep(5);
  expect(await get("/api/v1/board", board.etag!)).toMatchObject({ status: 304, etag: board.etag });
  const changed = await get("/api/v1/board/vitals", vitals.etag!);
  expect(changed.status).toBe(200);
  expect(changed.etag).not.toBe(vitals.etag);
  expect(changed.body.hosts[host.hostId]).toMatchObject({ cpuPercent: 70, diskPercent: 45, cpu: [10, 70] });
  expect((await get("/api/v1/board/vitals", changed.etag!)).status).toBe(304);
});

test("a sample that fills a disk raises disk_full, and that does change the board", async () => {
  app = await startTestApp({ boardCacheMs: 1, boardVitalsCacheMs: 1, diskFullPercent: 90 });
  const host = await hostWithVitals("db1");
  const board = await get("/api/v1/board");
  await Bun.sleep(5);
  await sample(host.hostToken, vitalsBody(minutesAgo(2), 95));
  const after = await get("/api/v1/board", board.etag!);
  expect(after.status).toBe(200);
  expect(after.body.alerts.map((a: { kind: string }) => a.kind)).toEqual(["disk_full"]);
});

test("the vitals part is rebuilt at most every boardVitalsCacheMs", async () => {
  app = await startTestApp({ boardVitalsCacheMs: 60_000 });
  const host = await hostWithVitals("web1");
  const ctx = app.fleet.ctx;
  const t0 = Date.now();
  const first = currentBoardVitals(ctx, t0);
  await sample(host.hostToken, vitalsBody(minutesAgo(2), 40, { cpuPercent: 90 }));
  expect(currentBoardVitals(ctx, t0 + 59_999)).toBe(first);
  const next = currentBoardVitals(ctx, t0 + 60_000);
  expect(next.etag).not.toBe(first.etag);
  expect(next.doc.hosts[host.hostId]?.cpuPercent).toBe(90);
});

test("only hosts that sent vitals are listed, and a deleted host's go with it", async () => {
  app = await startTestApp({ boardVitalsCacheMs: 1 });
  const kept = await hostWithVitals("web1");
  const gone = await hostWithVitals("web2");
  const quiet = await enroll(app, "web3");
  await app.call("POST", "/api/v1/agent/hello", { token: quiet.hostToken, json: helloBody() });
  expect(Object.keys((await get("/api/v1/board/vitals")).body.hosts).sort()).toEqual(
    [kept.hostId, gone.hostId].sort(),
  );
  expect((await app.call("DELETE", `/api/v1/hosts/${gone.hostId}`, { token: app.adminToken })).status).toBe(
    200,
  );
  await Bun.sleep(5);
  expect(Object.keys((await get("/api/v1/board/vitals")).body.hosts)).toEqual([kept.hostId]);
});

test("the board's access: a board token reads it, no token is 401, --public-board opens it", async () => {
  const boardToken = "board-token-0123456789abcdef";
  app = await startTestApp({ boardTokenHash: hashToken(boardToken) });
  await hostWithVitals("db1");
  expect((await app.call("GET", "/api/v1/board/vitals")).status).toBe(401);
  const withToken = await app.call("GET", "/api/v1/board/vitals", { token: boardToken });
  expect(withToken.status).toBe(200);
  expect(Object.keys(withToken.body.hosts)).toHaveLength(1);
  await app.close();
  app = await startTestApp({ publicBoard: true });
  const host = await hostWithVitals("web1");
  const open = await app.call("GET", "/api/v1/board/vitals");
  expect(open.status).toBe(200);
  expect(open.body.hosts[host.hostId]).toMatchObject({ cpuPercent: 10 });
});

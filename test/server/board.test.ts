// The status board's server side, in process: the document's shape and what it derives (last
// results, running job with progress, failing, summary), ETag/304, board access with and
// without --board-token, the badge, and the embedded page and assets.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Board, BoardHostDetail } from "../../protocol/board.ts";
import { resolveConfig } from "../../server/config.ts";
import { enroll, helloBody, outputLine, removeTempDirs, startTestApp, type TestApp } from "./helpers.ts";

const BOARD_TOKEN = "board-read-token-0123456789";
let app: TestApp;
let hosts: Record<string, { hostId: string; hostToken: string }>;

async function runJob(name: string, op: string, finish: Record<string, unknown> | null, progress?: object) {
  const { hostId, hostToken } = hosts[name]!;
  const created = await app.call("POST", `/api/v1/hosts/${hostId}/jobs`, {
    token: app.adminToken,
    json: { op },
  });
  const jobId = created.body.job.id as string;
  await app.call("GET", "/api/v1/agent/poll?wait=0", { token: hostToken });
  const output = Array.from({ length: 250 }, (_, i) => outputLine(i, `${op} line ${i}`));
  await app.call("POST", `/api/v1/agent/jobs/${jobId}/events`, {
    token: hostToken,
    json: { started: true, output, progress },
  });
  if (finish)
    await app.call("POST", `/api/v1/agent/jobs/${jobId}/result`, { token: hostToken, json: finish });
  return jobId;
}

beforeAll(async () => {
  app = await startTestApp({ boardCacheMs: 1 });
  hosts = {};
  for (const name of ["web-2", "db-1", "web-1"]) {
    hosts[name] = await enroll(app, name);
    await app.call("POST", "/api/v1/agent/hello", { token: hosts[name]!.hostToken, json: helloBody() });
  }
  await runJob("web-1", "pull", { state: "succeeded", exitCode: 0 });
  await runJob("web-1", "test", { state: "failed", exitCode: 1, reason: "1/2 passed" });
  await runJob("db-1", "switch", { state: "succeeded", exitCode: 0 });
  await runJob("db-1", "test", null, { current: 2, total: 5, passed: 2 });
  await app.call("POST", `/api/v1/hosts/${hosts["db-1"]!.hostId}/jobs`, {
    token: app.adminToken,
    json: { op: "pull" },
  });
});

afterAll(async () => {
  await app.close();
  removeTempDirs();
});

describe("GET /api/v1/board", () => {
  test("is public without a board token and matches the protocol schema", async () => {
    const reply = await app.call("GET", "/api/v1/board");
    expect(reply.status).toBe(200);
    const board = Board.parse(reply.body);
    expect(board.hosts.map((h) => h.name)).toEqual(["db-1", "web-1", "web-2"]);
    expect(board.summary).toEqual({ hosts: 3, online: 3, offline: 0, outdated: 0, failing: 1, running: 1 });
    expect(board.audit.length).toBeGreaterThan(0);
    expect(board.rollout).toBeNull();
  });

  test("each host carries its last pull/switch/test, the running job with progress, and queued work", async () => {
    const board = Board.parse((await app.call("GET", "/api/v1/board")).body);
    const [db, web1, web2] = board.hosts;
    expect(web1!.last.pull?.state).toBe("succeeded");
    expect(web1!.last.test).toMatchObject({ state: "failed", reason: "1/2 passed" });
    expect(web1!.last.switch).toBeNull();
    expect(web1!.failing).toBe(true);
    expect(db!.last.switch?.state).toBe("succeeded");
    expect(db!.running).toMatchObject({ op: "test", state: "running", progress: { current: 2, total: 5 } });
    expect(db!.queued).toBe(1);
    expect(db!.failing).toBe(false);
    expect(web2!.last).toEqual({ pull: null, switch: null, test: null });
    expect(web2!).toMatchObject({ platform: "linux", arch: "x64", version: "1.2.3", online: true });
  });

  test("answers 304 to the ETag it gave while nothing changed, and a new ETag after a change", async () => {
    const first = await app.call("GET", "/api/v1/board");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get("cache-control")).toBe("no-cache");
    await Bun.sleep(5); // past boardCacheMs: a rebuild with a new generatedAt, same content
    const again = await app.call("GET", "/api/v1/board", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    await runJob("web-2", "pull", { state: "succeeded", exitCode: 0 });
    await Bun.sleep(5);
    const changed = await app.call("GET", "/api/v1/board", { headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });

  test("a host's detail has its recent jobs with the tail of their output", async () => {
    const id = hosts["web-1"]!.hostId;
    const reply = await app.call("GET", `/api/v1/board/hosts/${id}`);
    expect(reply.status).toBe(200);
    const detail = BoardHostDetail.parse(reply.body);
    expect(detail.host.name).toBe("web-1");
    expect(detail.jobs.map((j) => j.op)).toEqual(["test", "pull"]);
    expect(detail.jobs[0]!.output).toHaveLength(200);
    expect(detail.jobs[0]!.output.at(-1)?.data).toBe("test line 249");
    expect(detail.jobs[0]!.outputClipped).toBe(true);
  });
});

test("a running job's detail shows output that arrived since the last look", async () => {
  const { hostId, hostToken } = hosts["db-1"]!;
  const path = `/api/v1/board/hosts/${hostId}`;
  const running = () =>
    app.call("GET", path).then((r) => BoardHostDetail.parse(r.body).jobs.find((j) => j.state === "running")!);
  const before = await running();
  expect(before.output.at(-1)?.data).toBe("test line 249");
  await app.call("POST", `/api/v1/agent/jobs/${before.id}/events`, {
    token: hostToken,
    json: { output: [outputLine(250, "T03 ok")], progress: { current: 3, total: 5 } },
  });
  const after = await running();
  expect(after.output.at(-1)?.data).toBe("T03 ok");
  expect(after.progress?.current).toBe(3);
});

describe("board access with --board-token", () => {
  let locked: TestApp;
  beforeAll(async () => {
    const { boardTokenHash } = resolveConfig({ boardToken: BOARD_TOKEN, data: "/nonexistent" }, {});
    locked = await startTestApp({ boardTokenHash });
  });
  afterAll(() => locked.close());

  test("needs the board or admin token; a host token is forbidden", async () => {
    expect((await locked.call("GET", "/api/v1/board")).status).toBe(401);
    expect((await locked.call("GET", "/api/v1/board", { token: BOARD_TOKEN })).status).toBe(200);
    expect((await locked.call("GET", "/api/v1/board", { token: locked.adminToken })).status).toBe(200);
    expect((await locked.call("GET", "/api/v1/board", { token: "wrong-token-0123456789" })).status).toBe(401);
    const host = await enroll(locked, "h1");
    const asHost = await locked.call("GET", "/api/v1/board", { token: host.hostToken });
    expect(asHost.status).toBe(403);
    expect(asHost.body.error.code).toBe("forbidden");
  });

  test("?token= takes the board token only, never the admin token", async () => {
    expect((await locked.call("GET", `/api/v1/board/badge.svg?token=${BOARD_TOKEN}`)).status).toBe(200);
    expect((await locked.call("GET", `/api/v1/board?token=${BOARD_TOKEN}`)).status).toBe(200);
    expect((await locked.call("GET", `/api/v1/board/badge.svg?token=${locked.adminToken}`)).status).toBe(401);
  });

  test("the page and its assets stay public: they hold no data", async () => {
    expect((await locked.call("GET", "/")).status).toBe(200);
    expect((await locked.call("GET", "/assets/board.js")).status).toBe(200);
  });

  test("a malformed board token is refused at start, and only its hash is kept", () => {
    expect(() => resolveConfig({ boardToken: "short" }, {})).toThrow(/board token must be 16-512/);
    const config = resolveConfig({}, { FLEET_BOARD_TOKEN: BOARD_TOKEN });
    expect(config.boardTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(config)).not.toContain(BOARD_TOKEN);
  });
});

describe("badge and site", () => {
  test("the badge says what is wrong, worst first, as SVG", async () => {
    const reply = await app.call("GET", "/api/v1/board/badge.svg");
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toStartWith("image/svg+xml");
    expect(reply.body).toContain("<svg");
    expect(reply.body).toContain("fleet: 1 failing");
  });

  test("GET / serves the embedded page with a strict CSP, and the assets it links", async () => {
    const page = await app.call("GET", "/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toStartWith("text/html");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.body).toContain('src="assets/board.js"');
    expect(page.body).toContain('href="assets/board.css"');
    const js = await app.call("GET", "/assets/board.js");
    expect(js.headers.get("content-type")).toStartWith("text/javascript");
    expect(js.body).toContain("api/v1/board");
    const css = await app.call("GET", "/assets/board.css");
    expect(css.body).toContain("prefers-color-scheme: dark");
    const cached = await app.call("GET", "/assets/board.js", {
      headers: { "if-none-match": js.headers.get("etag")! },
    });
    expect(cached.status).toBe(304);
    expect((await app.call("GET", "/assets/nope.js")).status).toBe(404);
    expect((await app.call("GET", "/assets/__proto__")).status).toBe(404);
  });
});

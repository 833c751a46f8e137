// The status board's server side, in process: the document's shape and what it derives (last
// results, running job with progress, failing, summary), ETag/304, board access with and
// without --board-token and --public-board (and what the public document leaves out), a host's
// detail by name, the badge, and the embedded page and assets.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Board, BoardHostDetail } from "../../protocol/board.ts";
import { resolveConfig } from "../../server/config.ts";
import { PATH_PLACEHOLDER, scrubPaths } from "../../server/services/board-redact.ts";
import { hashToken } from "../../server/services/tokens.ts";
import { enroll, helloBody, outputLine, removeTempDirs, startTestApp, type TestApp } from "./helpers.ts";

const BOARD_TOKEN = "board-read-token-0123456789";
const asBoard = { token: BOARD_TOKEN };
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
  app = await startTestApp({ boardCacheMs: 1, boardTokenHash: hashToken(BOARD_TOKEN) });
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
  test("needs a token by default and matches the protocol schema", async () => {
    expect((await app.call("GET", "/api/v1/board", { headers: {} })).status).toBe(401);
    const reply = await app.call("GET", "/api/v1/board", asBoard);
    expect(reply.status).toBe(200);
    const board = Board.parse(reply.body);
    expect(board.hosts.map((h) => h.name)).toEqual(["db-1", "web-1", "web-2"]);
    const config = { current: 0, untested: 0, pulled: 0, behind: 0, dirty: 0, failed: 0, unknown: 3 };
    expect(board.summary).toEqual({
      hosts: 3,
      online: 3,
      offline: 0,
      outdated: 0,
      failing: 1,
      running: 1,
      config,
    });
    expect(board.audit.length).toBeGreaterThan(0);
    expect(board.rollout).toBeNull();
  });

  test("each host carries its last pull/switch/test, the running job with progress, and queued work", async () => {
    const board = Board.parse((await app.call("GET", "/api/v1/board", asBoard)).body);
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
    const first = await app.call("GET", "/api/v1/board", asBoard);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get("cache-control")).toBe("no-cache");
    await Bun.sleep(5); // past boardCacheMs: a rebuild with a new generatedAt, same content
    const again = await app.call("GET", "/api/v1/board", { ...asBoard, headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    await runJob("web-2", "pull", { state: "succeeded", exitCode: 0 });
    await Bun.sleep(5);
    const changed = await app.call("GET", "/api/v1/board", {
      ...asBoard,
      headers: { "if-none-match": etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });

  test("a host's detail has its recent jobs with the tail of their output", async () => {
    const id = hosts["web-1"]!.hostId;
    const reply = await app.call("GET", `/api/v1/board/hosts/${id}`, asBoard);
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
    app
      .call("GET", path, asBoard)
      .then((r) => BoardHostDetail.parse(r.body).jobs.find((j) => j.state === "running")!);
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

describe("a host's detail by name", () => {
  test("#host=db-1 links work: the detail takes a host name as well as an id", async () => {
    const byName = await app.call("GET", "/api/v1/board/hosts/db-1", asBoard);
    expect(byName.status).toBe(200);
    expect(BoardHostDetail.parse(byName.body).host.id).toBe(hosts["db-1"]!.hostId);
    const missing = await app.call("GET", "/api/v1/board/hosts/no.such.host", asBoard);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain("no host with id or name");
  });
});

describe("--public-board", () => {
  let open: TestApp;
  let host: { hostId: string; hostToken: string };
  beforeAll(async () => {
    open = await startTestApp({ publicBoard: true, boardTokenHash: hashToken(BOARD_TOKEN) });
    host = await enroll(open, "nas");
    await open.call("POST", "/api/v1/agent/hello", { token: host.hostToken, json: helloBody() });
    const { job } = (
      await open.call("POST", `/api/v1/hosts/${host.hostId}/jobs`, {
        token: open.adminToken,
        json: { op: "pull" },
      })
    ).body;
    await open.call("GET", "/api/v1/agent/poll?wait=0", { token: host.hostToken });
    await open.call("POST", `/api/v1/agent/jobs/${job.id}/events`, {
      token: host.hostToken,
      json: { started: true, output: [outputLine(0, "token=s3cret in /home/ops/.netrc")] },
    });
    await open.call("POST", `/api/v1/agent/jobs/${job.id}/result`, {
      token: host.hostToken,
      json: { state: "failed", exitCode: 128, reason: "git fetch failed in /srv/config (C:\\fleet\\repo)" },
    });
  });
  afterAll(() => open.close());

  test("anyone reads it, with output dropped, paths replaced and the document marked redacted", async () => {
    const board = Board.parse((await open.call("GET", "/api/v1/board")).body);
    expect(board.redacted).toBe(true);
    expect(board.hosts[0]!.last.pull?.reason).toBe(
      `git fetch failed in ${PATH_PLACEHOLDER} (${PATH_PLACEHOLDER})`,
    );
    const detail = BoardHostDetail.parse((await open.call("GET", `/api/v1/board/hosts/${host.hostId}`)).body);
    expect(detail.redacted).toBe(true);
    expect(detail.jobs[0]!.output).toEqual([]);
    expect(JSON.stringify(detail)).not.toContain("/srv");
  });

  test("a token still shows everything, under an ETag of its own", async () => {
    const path = `/api/v1/board/hosts/${host.hostId}`;
    const full = await open.call("GET", path, asBoard);
    const detail = BoardHostDetail.parse(full.body);
    expect(detail.redacted).toBeUndefined();
    expect(detail.jobs[0]!.output.map((l) => l.data)).toEqual(["token=s3cret in /home/ops/.netrc"]);
    const anonymous = await open.call("GET", path, {
      headers: { "if-none-match": full.headers.get("etag")! },
    });
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.redacted).toBe(true);
  });

  test("FLEET_PUBLIC_BOARD=1 turns it on; nothing does by default", () => {
    expect(resolveConfig({}, {}).publicBoard).toBe(false);
    expect(resolveConfig({}, { FLEET_PUBLIC_BOARD: "1" }).publicBoard).toBe(true);
    expect(resolveConfig({ publicBoard: true }, {}).publicBoard).toBe(true);
  });

  test("path-like text is scrubbed; counts, versions and arrows are not", () => {
    const cases: [string, string][] = [
      ["2/3 passed; failed: T02.sh", "2/3 passed; failed: T02.sh"],
      ["updated 0.0.9 → 0.1.0", "updated 0.0.9 → 0.1.0"],
      ["no tests in /var/lib/fleet/repo/tests", `no tests in ${PATH_PLACEHOLDER}`],
      ["open ~/.config/fleet/x: denied", `open ${PATH_PLACEHOLDER} denied`],
      ["fetch http://fleet.lan:8080/api failed", `fetch ${PATH_PLACEHOLDER} failed`],
      ["spool=/tmp/s,", `spool=${PATH_PLACEHOLDER},`],
    ];
    for (const [input, output] of cases)
      expect({ input, got: scrubPaths(input) }).toEqual({ input, got: output });
  });
});

describe("badge and site", () => {
  test("the badge says what is wrong, worst first, as SVG", async () => {
    const reply = await app.call("GET", "/api/v1/board/badge.svg", asBoard);
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

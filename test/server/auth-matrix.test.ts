// The auth matrix, generated from the route table: every route × every kind of credential, each
// refused with 401/403 in the error envelope where it does not belong and let in where it does.
// A route Hono serves that ROUTES does not list, or a route whose auth kind the matrix has no
// decision for, fails here; a new public route must be added to PUBLIC_ROUTES on purpose. Board
// routes are walked once more per way fleetd can be configured (no board token, --board-token,
// --public-board): who gets in, and who gets the redacted document.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BoardHostVitals } from "../../protocol/board.ts";
import { ErrorBody } from "../../protocol/common.ts";
import {
  type Auth,
  ROUTES,
  type RouteName,
  routePath,
  WEBHOOK_SECRET_HEADER,
} from "../../protocol/routes.ts";
import type { ServerConfig } from "../../server/config.ts";
import { hashToken } from "../../server/services/tokens.ts";
import {
  type CallOptions,
  enroll,
  helloBody,
  outputLine,
  removeTempDirs,
  startTestApp,
  type TestApp,
  vitalsBody,
} from "./helpers.ts";

const BOARD_TOKEN = "board-read-token-0123456789";
const WEBHOOK_SECRET = "forge-push-hook-secret-0123";
const METRICS_TOKEN = "prometheus-scrape-token-0123";
/** Routes anyone may call: they hold no data and change nothing. Adding one is a decision. */
const PUBLIC_ROUTES: RouteName[] = [
  "boardPage",
  "boardAsset",
  "manifest",
  "artifact",
  "artifactBySha256",
  "installScript",
  "health",
];

type Credential =
  | "none"
  | "malformed"
  | "wrong"
  | "admin"
  | "host"
  | "otherHost"
  | "revokedHost"
  | "deletedHost"
  | "enroll"
  | "board"
  | "webhookSecret"
  | "wrongWebhookSecret"
  | "metricsToken";

/** Who each auth kind lets in; everything else must be refused with the given status. */
const DECISIONS: Record<Exclude<Auth, "public" | "enroll">, Record<Credential, number | "ok">> = {
  admin: {
    none: 401,
    malformed: 401,
    wrong: 401,
    admin: "ok",
    host: 403,
    otherHost: 403,
    revokedHost: 401,
    deletedHost: 401,
    enroll: 403,
    board: 401,
    webhookSecret: 401,
    wrongWebhookSecret: 401,
    metricsToken: 401,
  },
  host: {
    none: 401,
    malformed: 401,
    wrong: 401,
    admin: 403,
    host: "ok",
    otherHost: "ok", // valid for its own host; which jobs it reaches is tested below
    revokedHost: 401,
    deletedHost: 401,
    enroll: 403,
    board: 401,
    webhookSecret: 401,
    wrongWebhookSecret: 401,
    metricsToken: 401,
  },
  board: {
    none: 401,
    malformed: 401,
    wrong: 401,
    admin: "ok",
    host: 403,
    otherHost: 403,
    revokedHost: 401,
    deletedHost: 401,
    enroll: 403,
    board: "ok",
    webhookSecret: 401,
    wrongWebhookSecret: 401,
    metricsToken: 401,
  },
  webhook: {
    none: 401,
    malformed: 401,
    wrong: 401,
    admin: "ok",
    host: 403,
    otherHost: 403,
    revokedHost: 401,
    deletedHost: 401,
    enroll: 403,
    board: 401,
    webhookSecret: "ok",
    wrongWebhookSecret: 401,
    metricsToken: 401,
  },
  metrics: {
    none: 401,
    malformed: 401,
    wrong: 401,
    admin: "ok",
    host: 403,
    otherHost: 403,
    revokedHost: 401,
    deletedHost: 401,
    enroll: 403,
    board: 401,
    webhookSecret: 401,
    wrongWebhookSecret: 401,
    metricsToken: "ok",
  },
};

let app: TestApp;
let hostA: { hostId: string; hostToken: string };
let hostB: { hostId: string; hostToken: string };
let revoked: { hostId: string; hostToken: string };
let deleted: { hostId: string; hostToken: string };
let enrollToken: string;
let jobA: string;

beforeAll(async () => {
  // A locked board, and polls that return at once so "let in" cases do not wait out a window.
  app = await startTestApp({
    boardTokenHash: hashToken(BOARD_TOKEN),
    configWebhookSecretHash: hashToken(WEBHOOK_SECRET),
    metricsTokenHash: hashToken(METRICS_TOKEN),
    pollWindowMs: 20,
  });
  hostA = await enroll(app, "host-a");
  hostB = await enroll(app, "host-b");
  revoked = await enroll(app, "host-revoked");
  deleted = await enroll(app, "host-deleted");
  const admin = { token: app.adminToken };
  expect((await app.call("POST", `/api/v1/hosts/${revoked.hostId}/revoke`, admin)).status).toBe(200);
  expect((await app.call("DELETE", `/api/v1/hosts/${deleted.hostId}`, admin)).status).toBe(200);
  await app.call("POST", "/api/v1/agent/hello", { token: hostA.hostToken, json: helloBody() });
  jobA = (await app.call("POST", `/api/v1/hosts/${hostA.hostId}/jobs`, { ...admin, json: { op: "test" } }))
    .body.job.id;
  enrollToken = (await app.call("POST", "/api/v1/enroll-tokens", { ...admin, json: {} })).body.token;
});

afterAll(async () => {
  await app.close();
  removeTempDirs();
});

function credential(which: Credential): CallOptions {
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  switch (which) {
    case "none":
      return {};
    case "malformed":
      return { headers: { authorization: "Basic YWRtaW46YWRtaW4=" } };
    case "wrong":
      return bearer(`fa_${"A".repeat(43)}`);
    case "admin":
      return bearer(app.adminToken);
    case "host":
      return bearer(hostA.hostToken);
    case "otherHost":
      return bearer(hostB.hostToken);
    case "revokedHost":
      return bearer(revoked.hostToken);
    case "deletedHost":
      return bearer(deleted.hostToken);
    case "enroll":
      return bearer(enrollToken);
    case "board":
      return bearer(BOARD_TOKEN);
    case "webhookSecret":
      return { headers: { [WEBHOOK_SECRET_HEADER]: WEBHOOK_SECRET } };
    case "wrongWebhookSecret":
      return { headers: { [WEBHOOK_SECRET_HEADER]: `${WEBHOOK_SECRET}x` } };
    case "metricsToken":
      return bearer(METRICS_TOKEN);
  }
}

/**
 * Refusals are tried on real ids; the credentials let in get ids nobody has, so they prove auth
 * passed (404, or 400 for the missing body) without deleting or revoking the fixtures.
 */
function pathOf(name: RouteName, real: boolean): string {
  const path = ROUTES[name].path;
  if (path.includes("/jobs/:id")) return routePath(name, { id: real ? jobA : "j_nosuchjob" });
  if (path.includes("/rollouts/:id")) return routePath(name, { id: real ? "current" : "r_nosuch" });
  if (path.includes("/hosts/:id")) return routePath(name, { id: real ? hostA.hostId : "h_nosuchhost" });
  if (path.includes("/notify/channels/:id")) return routePath(name, { id: "ch_nosuchchannel" });
  if (path.includes("/notify/deliveries/:id")) return routePath(name, { id: "n_nosuchdelivery" });
  if (path.includes("/enroll-tokens/:id")) return routePath(name, { id: "et_nosuchtoken" });
  if (path.includes(":hash")) return routePath(name, { hash: "0".repeat(64), file: "board.js" });
  if (path.includes(":file")) return routePath(name, { file: "board.js" });
  return path;
}

const routeNames = Object.keys(ROUTES) as RouteName[];

describe("every route has an auth decision", () => {
  test("Hono serves exactly the routes in ROUTES, nothing unlisted", () => {
    const served = new Set(
      app.fleet.app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`),
    );
    const listed = new Set(routeNames.map((n) => `${ROUTES[n].method} ${ROUTES[n].path}`));
    expect([...served].filter((r) => !listed.has(r))).toEqual([]);
    expect([...listed].filter((r) => !served.has(r))).toEqual([]);
  });

  test("every route's auth kind is one the matrix decides, and public routes are deliberate", () => {
    for (const name of routeNames) {
      const { auth } = ROUTES[name];
      if (auth === "public")
        expect({ name, public: PUBLIC_ROUTES.includes(name) }).toEqual({ name, public: true });
      else if (auth !== "enroll") expect(Object.keys(DECISIONS)).toContain(auth);
    }
    expect(PUBLIC_ROUTES.filter((n) => n in ROUTES && ROUTES[n].auth !== "public")).toEqual([]);
  });
});

describe("the matrix", () => {
  const credentials = Object.keys(DECISIONS.admin) as Credential[];
  for (const name of routeNames) {
    const { auth, method } = ROUTES[name];
    if (auth === "public" || auth === "enroll") continue;
    test(`${name} (${auth}) × ${credentials.length} credentials`, async () => {
      const failures: string[] = [];
      for (const who of credentials) {
        const want = DECISIONS[auth][who];
        // Bodies that would pass validation are not needed: auth runs before the body is read.
        const reply = await app.call(method, pathOf(name, want !== "ok"), credential(who));
        if (want === "ok") {
          if (reply.status === 401 || reply.status === 403)
            failures.push(`${who}: refused with ${reply.status}, should be let in`);
          continue;
        }
        const envelope = ErrorBody.safeParse(reply.body);
        const code = want === 401 ? "unauthorized" : "forbidden";
        if (reply.status !== want || !envelope.success || envelope.data.error.code !== code)
          failures.push(
            `${who}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 160)}, want ${want} ${code}`,
          );
      }
      expect(failures).toEqual([]);
    });
  }

  test("enroll takes only an unused, unexpired enroll token in its body", async () => {
    const tokens = [app.adminToken, hostA.hostToken, BOARD_TOKEN, `fe_${"Z".repeat(43)}`];
    for (const token of tokens) {
      const reply = await app.call("POST", "/api/v1/enroll", { json: { token, name: "intruder" } });
      expect({ token: token.slice(0, 6), status: reply.status }).toEqual({
        token: token.slice(0, 6),
        status: 401,
      });
      expect(reply.body.error.code).toBe("unauthorized");
    }
    expect(app.fleet.ctx.store.findHostByName("intruder")).toBeUndefined();
  });

  test("a revoked host is told its token was revoked; an unknown token learns nothing", async () => {
    const reply = await app.call("POST", "/api/v1/agent/hello", {
      token: revoked.hostToken,
      json: helloBody(),
    });
    expect(reply.status).toBe(401);
    expect(reply.body.error.message).toContain("revoked");
    const forged = `fh_${revoked.hostId}_${"B".repeat(43)}`;
    const guess = await app.call("POST", "/api/v1/agent/hello", { token: forged, json: helloBody() });
    expect(guess.status).toBe(401);
    expect(guess.body.error.message).toBe("invalid, expired or revoked token");
  });
});

describe("the config webhook secret", () => {
  test("it lets a push hook refresh and nothing else; a bad Authorization beside it is still refused", async () => {
    const secret = { headers: { [WEBHOOK_SECRET_HEADER]: WEBHOOK_SECRET } };
    expect((await app.call("POST", "/api/v1/config/refresh", secret)).status).toBe(200);
    for (const name of routeNames.filter((n) => ROUTES[n].auth === "admin")) {
      const reply = await app.call(ROUTES[name].method, pathOf(name, true), secret);
      expect({ name, status: reply.status }).toEqual({ name, status: 401 });
    }
    const mixed = { headers: { ...secret.headers, authorization: `Bearer fa_${"A".repeat(43)}` } };
    expect((await app.call("POST", "/api/v1/config/refresh", mixed)).status).toBe(401);
  });

  test("a fleetd without a secret says how to set one", async () => {
    const bare = await startTestApp();
    try {
      const reply = await bare.call("POST", "/api/v1/config/refresh", {
        headers: { [WEBHOOK_SECRET_HEADER]: WEBHOOK_SECRET },
      });
      expect(reply.status).toBe(401);
      expect(reply.body.error.message).toContain("--config-webhook-secret");
    } finally {
      await bare.close();
    }
  });
});

describe("the metrics token", () => {
  test("it reads /metrics and nothing else; a near miss is refused", async () => {
    const token = { token: METRICS_TOKEN };
    const scrape = await app.call("GET", "/metrics", token);
    expect(scrape.status).toBe(200);
    expect(scrape.body).toContain("fleet_hosts_online");
    for (const name of routeNames.filter((n) =>
      ["admin", "board", "webhook", "host"].includes(ROUTES[n].auth),
    )) {
      const reply = await app.call(ROUTES[name].method, pathOf(name, true), token);
      expect({ name, status: reply.status }).toEqual({ name, status: 401 });
    }
    const nearMiss = await app.call("GET", "/metrics", { token: `${METRICS_TOKEN}x` });
    expect([nearMiss.status, nearMiss.body.error.code]).toEqual([401, "unauthorized"]);
  });

  test("a fleetd without a metrics token takes only the admin token there", async () => {
    const bare = await startTestApp();
    try {
      expect((await bare.call("GET", "/metrics", { token: METRICS_TOKEN })).status).toBe(401);
      expect((await bare.call("GET", "/metrics", { token: bare.adminToken })).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe("a host reaches only its own jobs", () => {
  // A host of its own: the matrix above has polled host A's job away.
  let owner: { hostId: string; hostToken: string };
  let ownJob: string;
  beforeAll(async () => {
    owner = await enroll(app, "host-c");
    await app.call("POST", "/api/v1/agent/hello", { token: owner.hostToken, json: helloBody() });
    const created = await app.call("POST", `/api/v1/hosts/${owner.hostId}/jobs`, {
      token: app.adminToken,
      json: { op: "test" },
    });
    ownJob = created.body.job.id;
  });

  test("another host's poll never gets the job; its events, result and hello cannot touch it", async () => {
    const b = { token: hostB.hostToken };
    await app.call("POST", "/api/v1/agent/hello", { ...b, json: helloBody({ activeJobs: [ownJob] }) });
    expect((await app.call("GET", "/api/v1/agent/poll?wait=0", b)).body).toEqual({ command: null });
    const events = await app.call("POST", `/api/v1/agent/jobs/${ownJob}/events`, {
      ...b,
      json: { started: true, output: [outputLine(0, "forged")] },
    });
    const result = await app.call("POST", `/api/v1/agent/jobs/${ownJob}/result`, {
      ...b,
      json: { state: "succeeded", exitCode: 0 },
    });
    expect([events.status, result.status]).toEqual([404, 404]);
    const job = await app.call("GET", `/api/v1/jobs/${ownJob}`, { token: app.adminToken });
    expect(job.body.job.state).toBe("queued");
    expect(job.body.output).toEqual([]);
  });

  test("the owner gets it, reports it, and only then is it done", async () => {
    const a = { token: owner.hostToken };
    const polled = await app.call("GET", "/api/v1/agent/poll?wait=0", a);
    expect(polled.body.command?.jobId).toBe(ownJob);
    const events = await app.call("POST", `/api/v1/agent/jobs/${ownJob}/events`, {
      ...a,
      json: { started: true, output: [outputLine(0, "mine")] },
    });
    expect(events.status).toBe(200);
    const result = await app.call("POST", `/api/v1/agent/jobs/${ownJob}/result`, {
      ...a,
      json: { state: "succeeded", exitCode: 0 },
    });
    expect(result.status).toBe(200);
    const job = await app.call("GET", `/api/v1/jobs/${ownJob}`, { token: app.adminToken });
    expect(job.body.job.state).toBe("succeeded");
    expect(job.body.output.map((l: { data: string }) => l.data)).toEqual(["mine"]);
  });
});

describe("board routes under each board configuration", () => {
  /** A fleetd started this way, with one host whose job printed a secret and named a path. */
  interface Setup {
    app: TestApp;
    host: { hostId: string; hostToken: string };
    enrollToken: string;
  }
  const SECRET_LINE = "db password is hunter2, config in /etc/fleet/secret.conf";
  const REASON = "1/2 passed; failed: T02.sh (see /var/lib/fleet-agent/spool/j_1/out)";

  async function setUp(config: Partial<ServerConfig>): Promise<Setup> {
    const app = await startTestApp({ ...config, boardCacheMs: 1 });
    const host = await enroll(app, "db1");
    const admin = { token: app.adminToken };
    await app.call("POST", "/api/v1/agent/hello", { token: host.hostToken, json: helloBody() });
    await app.call("POST", "/api/v1/agent/vitals", { token: host.hostToken, json: vitalsBody() });
    const job = (
      await app.call("POST", `/api/v1/hosts/${host.hostId}/jobs`, { ...admin, json: { op: "test" } })
    ).body.job.id;
    await app.call("GET", "/api/v1/agent/poll?wait=0", { token: host.hostToken });
    await app.call("POST", `/api/v1/agent/jobs/${job}/events`, {
      token: host.hostToken,
      json: { started: true, output: [outputLine(0, SECRET_LINE)] },
    });
    await app.call("POST", `/api/v1/agent/jobs/${job}/result`, {
      token: host.hostToken,
      json: { state: "failed", exitCode: 1, reason: REASON },
    });
    const enrollToken = (await app.call("POST", "/api/v1/enroll-tokens", { ...admin, json: {} })).body.token;
    return { app, host, enrollToken };
  }

  type Outcome = 401 | 403 | "full" | "redacted";
  const boardRoutes = routeNames.filter((n) => ROUTES[n].auth === "board");
  const CONFIGS: { name: string; config: Partial<ServerConfig>; want: Record<string, Outcome> }[] = [
    {
      name: "default (no board token, no --public-board)",
      config: {},
      want: { none: 401, admin: "full", host: 403, enroll: 403, board: 401 },
    },
    {
      name: "--board-token",
      config: { boardTokenHash: hashToken(BOARD_TOKEN) },
      want: { none: 401, admin: "full", host: 403, enroll: 403, board: "full" },
    },
    {
      name: "--public-board --board-token",
      config: { publicBoard: true, boardTokenHash: hashToken(BOARD_TOKEN) },
      want: { none: "redacted", admin: "full", host: 403, enroll: 403, board: "full" },
    },
    {
      name: "--public-board alone",
      config: { publicBoard: true },
      want: { none: "redacted", admin: "full", host: 403, enroll: 403, board: 401 },
    },
  ];

  for (const { name, config, want } of CONFIGS) {
    describe(name, () => {
      let setup: Setup;
      beforeAll(async () => {
        setup = await setUp(config);
      });
      afterAll(() => setup.app.close());

      for (const route of boardRoutes) {
        test(`${route}: ${Object.entries(want)
          .map(([who, w]) => `${who} ${w}`)
          .join(", ")}`, async () => {
          const { app, host, enrollToken } = setup;
          const tokens: Record<string, string | undefined> = {
            none: undefined,
            admin: app.adminToken,
            host: host.hostToken,
            enroll: enrollToken,
            board: BOARD_TOKEN,
          };
          const path = route === "boardHost" ? routePath(route, { id: host.hostId }) : ROUTES[route].path;
          const got: Record<string, Outcome | string> = {};
          for (const who of Object.keys(want)) {
            const reply = await app.call("GET", path, { token: tokens[who] });
            got[who] = _outcome(reply.status, reply.body);
          }
          // The badge holds counts only, the vitals numbers and times: every reader let in gets the same.
          const same: Partial<Record<string, string>> = { boardBadge: "svg", boardVitals: "vitals" };
          const expected = Object.fromEntries(
            Object.entries(want).map(([who, w]) => [
              who,
              same[route] && (w === "full" || w === "redacted") ? same[route] : w,
            ]),
          );
          expect(got).toEqual(expected);
        });
      }

      test("a refusal without a token says how to get in", async () => {
        const reply = await setup.app.call("GET", "/api/v1/board");
        if (want.none !== 401) return expect(reply.status).toBe(200);
        expect(ErrorBody.parse(reply.body).error.code).toBe("unauthorized");
        const message = reply.body.error.message as string;
        if (config.boardTokenHash) expect(message).toContain("board token");
        else
          for (const way of ["admin token", "--board-token", "--public-board"])
            expect(message).toContain(way);
      });
    });
  }

  /** 401/403, or for a 200 whether the secret output and the path made it through. */
  function _outcome(status: number, body: unknown): Outcome | "svg" | string {
    if (status === 401 || status === 403) {
      const code = ErrorBody.safeParse(body).data?.error.code;
      return code === (status === 401 ? "unauthorized" : "forbidden") ? status : `${status} without envelope`;
    }
    if (status !== 200) return `${status}`;
    if (typeof body === "string") return body.startsWith("<svg") ? "svg" : `200 ${body.slice(0, 40)}`;
    const vitals = BoardHostVitals.safeParse(body);
    if (vitals.success) return Object.keys(vitals.data.hosts).length === 1 ? "vitals" : "vitals of no host";
    const text = JSON.stringify(body);
    // Every full document names the path (in the test's reason); the detail also has the output.
    const leaks = text.includes("hunter2") || text.includes("/var/lib/fleet-agent") || text.includes("/etc/");
    const marked = (body as { redacted?: boolean }).redacted === true;
    if (marked && !leaks) return "redacted";
    if (!marked && leaks) return "full";
    return `inconsistent: redacted=${marked}, leaks=${leaks}`;
  }
});

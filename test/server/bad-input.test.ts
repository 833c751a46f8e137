// Bad input on every endpoint: each gets the documented status and error envelope, and leaves
// every file in the data dir byte-identical.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorBody, MAX_BODY_BYTES, PROTOCOL_VERSION } from "../../protocol/common.ts";
import { ROUTES, type RouteName, routePath } from "../../protocol/routes.ts";
import { startServer } from "../../server/app.ts";
import {
  type CallOptions,
  enroll,
  fingerprintDir,
  helloBody,
  hostStateBody,
  removeTempDirs,
  silentLog,
  startTestApp,
  type TestApp,
  tempDir,
  testConfig,
  toReply,
  vitalsBody,
} from "./helpers.ts";

interface BadCase {
  route: RouteName | null;
  name: string;
  method: string;
  path: string;
  options: CallOptions;
  status: number;
  code: string;
  message?: RegExp;
}

let app: TestApp;
let hostA: { hostId: string; hostToken: string };
let hostB: { hostId: string; hostToken: string };
let deletedHost: { hostId: string; hostToken: string };
let jobA: string;
let finishedJob: string;
let enrollToken: string;
const cases: BadCase[] = [];
const exercised = new Set<RouteName>();

const oversize = "x".repeat(MAX_BODY_BYTES + 1);
const fakeAdmin = `fa_${"A".repeat(43)}`;

beforeAll(async () => {
  app = await startTestApp();
  hostA = await enroll(app, "host-a");
  hostB = await enroll(app, "host-b");
  deletedHost = await enroll(app, "host-gone");
  await app.call("DELETE", `/api/v1/hosts/${deletedHost.hostId}`, { token: app.adminToken });
  await app.call("POST", "/api/v1/agent/hello", { token: hostA.hostToken, json: helloBody() });
  // A stored report, which every refused one below must leave as it is.
  const reported = await app.call("POST", "/api/v1/agent/state", {
    token: hostA.hostToken,
    json: hostStateBody(),
  });
  expect(reported.status).toBe(200);
  jobA = (
    await app.call("POST", `/api/v1/hosts/${hostA.hostId}/jobs`, {
      token: app.adminToken,
      json: { op: "pull" },
    })
  ).body.job.id;
  await app.call("GET", "/api/v1/agent/poll?wait=0", { token: hostA.hostToken });
  finishedJob = (
    await app.call("POST", `/api/v1/hosts/${hostB.hostId}/jobs`, {
      token: app.adminToken,
      json: { op: "test" },
    })
  ).body.job.id;
  await app.call("POST", `/api/v1/jobs/${finishedJob}/cancel`, { token: app.adminToken });
  enrollToken = (await app.call("POST", "/api/v1/enroll-tokens", { token: app.adminToken, json: {} })).body
    .token;
  buildCases();
});

afterAll(async () => {
  await app.close();
  removeTempDirs();
});

function add(route: RouteName | null, name: string, c: Omit<BadCase, "route" | "name">) {
  cases.push({ route, name, ...c });
}

function buildCases() {
  const params: Record<string, Record<string, string>> = { job: { id: jobA }, host: { id: hostA.hostId } };
  const pathOf = (route: RouteName) =>
    routePath(route, ROUTES[route].path.includes("/jobs/:id") ? params.job : params.host);

  for (const [name, spec] of Object.entries(ROUTES) as [RouteName, (typeof ROUTES)[RouteName]][]) {
    const path = spec.path.includes(":id") ? pathOf(name) : spec.path;
    const { method } = spec;
    // Webhook and metrics routes take the admin token like an admin route (and a secret or the
    // metrics token, tested in auth-matrix).
    const adminLike = spec.auth === "admin" || spec.auth === "webhook" || spec.auth === "metrics";
    if (adminLike || spec.auth === "host") {
      add(name, "no Authorization header", { method, path, options: {}, status: 401, code: "unauthorized" });
      for (const header of ["Basic abc", "Bearer", "Bearer a b", `Bearer ${"x".repeat(600)}`]) {
        add(name, `malformed header "${header.slice(0, 12)}"`, {
          method,
          path,
          options: { headers: { authorization: header } },
          status: 401,
          code: "unauthorized",
        });
      }
      add(name, "unknown token", {
        method,
        path,
        options: { token: fakeAdmin },
        status: 401,
        code: "unauthorized",
      });
      add(name, "deleted host's token", {
        method,
        path,
        options: { token: deletedHost.hostToken },
        status: 401,
        code: "unauthorized",
      });
      add(name, "host id with the wrong secret", {
        method,
        path,
        options: { token: `fh_${hostA.hostId}_${"B".repeat(43)}` },
        status: 401,
        code: "unauthorized",
      });
    }
    if (adminLike) {
      add(name, "host token on an admin route", {
        method,
        path,
        options: { token: hostA.hostToken },
        status: 403,
        code: "forbidden",
      });
      add(name, "enroll token on an admin route", {
        method,
        path,
        options: { token: enrollToken },
        status: 403,
        code: "forbidden",
      });
    }
    if (spec.auth === "board") {
      // A token that is sent must be valid, even where none is needed (--public-board).
      for (const header of ["Basic abc", "Bearer a b", `Bearer ${"x".repeat(600)}`]) {
        add(name, `malformed header "${header.slice(0, 12)}"`, {
          method,
          path,
          options: { headers: { authorization: header } },
          status: 401,
          code: "unauthorized",
        });
      }
      add(name, "unknown token", {
        method,
        path,
        options: { token: fakeAdmin },
        status: 401,
        code: "unauthorized",
      });
      add(name, "host token on a board route", {
        method,
        path,
        options: { token: hostA.hostToken },
        status: 403,
        code: "forbidden",
      });
    }
    if (spec.auth === "host") {
      add(name, "admin token on an agent route", {
        method,
        path,
        options: { token: app.adminToken },
        status: 403,
        code: "forbidden",
      });
    }
    if (method !== "GET") {
      const token = spec.auth === "host" ? hostA.hostToken : adminLike ? app.adminToken : undefined;
      add(name, "oversize body without Content-Length", {
        method,
        path,
        options: { token, body: oversize },
        status: 413,
        code: "payload_too_large",
      });
      add(name, "oversize body with a lying Content-Length", {
        method,
        path,
        options: { token, body: oversize, headers: { "content-length": "10" } },
        status: 413,
        code: "payload_too_large",
      });
      add(name, "oversize Content-Length", {
        method,
        path,
        options: { token, body: oversize, headers: { "content-length": String(oversize.length) } },
        status: 413,
        code: "payload_too_large",
      });
    }
  }

  const admin = app.adminToken;
  const host = hostA.hostToken;
  // Malformed JSON and wrong types on every route with a body.
  const bodies: [RouteName, string, string | undefined, unknown][] = [
    ["enroll", "/api/v1/enroll", undefined, { token: 5, name: "bad name!" }],
    ["agentHello", "/api/v1/agent/hello", host, { ...helloBody(), pid: "many", sha256: "nope" }],
    ["agentJobEvents", `/api/v1/agent/jobs/${jobA}/events`, host, { output: [{ seq: -1, data: 3 }] }],
    ["agentJobResult", `/api/v1/agent/jobs/${jobA}/result`, host, { state: "exploded", exitCode: "0" }],
    ["createJob", `/api/v1/hosts/${hostA.hostId}/jobs`, admin, { op: "reboot", ttlSeconds: 0 }],
    ["createEnrollToken", "/api/v1/enroll-tokens", admin, { ttlSeconds: -5, note: 7 }],
    ["agentState", "/api/v1/agent/state", host, { ...hostStateBody(), lastSwitchFailed: "no" }],
    ["pinConfigTarget", "/api/v1/config/target/pin", admin, { commit: 42 }],
    ["agentVitals", "/api/v1/agent/vitals", host, { ...vitalsBody(), cpuPercent: "busy", load: [1] }],
    ["addSilence", "/api/v1/alert-silences", admin, { subject: "host-a", for: "2x" }],
  ];
  for (const [route, path, token, wrong] of bodies) {
    for (const body of ["{", "not json", "", "\xff\xfe"]) {
      add(route, `malformed JSON ${JSON.stringify(body)}`, {
        method: "POST",
        path,
        options: { token, body },
        status: 400,
        code: "invalid_json",
      });
    }
    add(route, "wrong types", {
      method: "POST",
      path,
      options: { token, json: wrong },
      status: 400,
      code: "validation_failed",
    });
    add(route, "a JSON array", {
      method: "POST",
      path,
      options: { token, json: [1] },
      status: 400,
      code: "validation_failed",
    });
  }

  // Config reports a careful agent would never send: each refused whole, the stored report kept.
  const state = hostStateBody();
  const badStates: [string, unknown][] = [
    ["a malformed commit", { ...state, checkout: { ...state.checkout, commit: "not-a-sha" } }],
    ["an uppercase commit", { ...state, checkout: { ...state.checkout, commit: "C".repeat(40) } }],
    ["a short commit", { ...state, lastSwitch: { ...state.lastSwitch, commit: "c".repeat(12) } }],
    ["an absurd generation", { ...state, system: { ...state.system, generation: 1e9 } }],
    ["a negative generation", { ...state, lastSwitch: { ...state.lastSwitch, generation: -1 } }],
    ["an oversize subject", { ...state, checkout: { ...state.checkout, subject: "s".repeat(501) } }],
    ["an oversize store path", { ...state, system: { ...state.system, path: `/nix/${"p".repeat(1000)}` } }],
    [
      "too many lock inputs",
      {
        ...state,
        checkout: { ...state.checkout, lockInputs: Array(101).fill(state.checkout.lockInputs[0]) },
      },
    ],
    [
      "an absurd generation in the list",
      { ...state, generations: [{ ...state.generations[0], generation: 1e9 }] },
    ],
    ["too many generations", { ...state, generations: Array(21).fill(state.generations[0]) }],
    ["a lock hash that is no SHA-256", { ...state, checkout: { ...state.checkout, lockHash: "abc" } }],
  ];
  for (const [what, body] of badStates) {
    add("agentState", what, {
      method: "POST",
      path: "/api/v1/agent/state",
      options: { token: host, json: body },
      status: 400,
      code: "validation_failed",
    });
    add("agentHello", `state with ${what}`, {
      method: "POST",
      path: "/api/v1/agent/hello",
      options: { token: host, json: helloBody({ state: body }) },
      status: 400,
      code: "validation_failed",
    });
  }
  for (const [what, tags] of [
    ["an uppercase tag", ["Web"]],
    ["a tag of 33 characters", ["t".repeat(33)]],
    ["33 tags", Array.from({ length: 33 }, (_, i) => `t${i}`)],
  ] as const) {
    add("agentHello", what, {
      method: "POST",
      path: "/api/v1/agent/hello",
      options: { token: host, json: helloBody({ tags }) },
      status: 400,
      code: "validation_failed",
    });
  }
  add("listHosts", "query tag=Not_Lower", {
    method: "GET",
    path: "/api/v1/hosts?tag=Not_Lower",
    options: { token: admin },
    status: 400,
    code: "validation_failed",
  });
  add("pinConfigTarget", "a short commit", {
    method: "POST",
    path: "/api/v1/config/target/pin",
    options: { token: admin, json: { commit: "abc1234" } },
    status: 400,
    code: "validation_failed",
  });
  add("unpinConfigTarget", "unpin of a target that is not pinned", {
    method: "POST",
    path: "/api/v1/config/target/unpin",
    options: { token: admin },
    status: 409,
    code: "conflict",
  });

  // Unknown and impossible ids.
  for (const id of ["h_doesnotexist", "bad%20id", "x".repeat(65)]) {
    add("getHost", `unknown host ${id}`, {
      method: "GET",
      path: `/api/v1/hosts/${id}`,
      options: { token: admin },
      status: 404,
      code: "not_found",
    });
    add("boardHost", `unknown host ${id}`, {
      method: "GET",
      path: `/api/v1/board/hosts/${id}`,
      options: { token: admin },
      status: 404,
      code: "not_found",
    });
    add("deleteHost", `unknown host ${id}`, {
      method: "DELETE",
      path: `/api/v1/hosts/${id}`,
      options: { token: admin },
      status: 404,
      code: "not_found",
    });
    add("createJob", `unknown host ${id}`, {
      method: "POST",
      path: `/api/v1/hosts/${id}/jobs`,
      options: { token: admin, json: { op: "pull" } },
      status: 404,
      code: "not_found",
    });
  }
  for (const id of ["j_doesnotexist", "bad%20id"]) {
    add("getJob", `unknown job ${id}`, {
      method: "GET",
      path: `/api/v1/jobs/${id}`,
      options: { token: admin },
      status: 404,
      code: "not_found",
    });
    add("cancelJob", `unknown job ${id}`, {
      method: "POST",
      path: `/api/v1/jobs/${id}/cancel`,
      options: { token: admin },
      status: 404,
      code: "not_found",
    });
    add("agentJobEvents", `unknown job ${id}`, {
      method: "POST",
      path: `/api/v1/agent/jobs/${id}/events`,
      options: { token: host, json: { output: [] } },
      status: 404,
      code: "not_found",
    });
    add("agentJobResult", `unknown job ${id}`, {
      method: "POST",
      path: `/api/v1/agent/jobs/${id}/result`,
      options: { token: host, json: { state: "succeeded", exitCode: 0 } },
      status: 404,
      code: "not_found",
    });
  }
  for (const id of ["et_doesnotexist", "bad%20id", "x".repeat(65)]) {
    add("revokeEnrollToken", `unknown enroll token ${id.slice(0, 20)}`, {
      method: "POST",
      path: `/api/v1/enroll-tokens/${id}/revoke`,
      options: { token: admin },
      status: 404,
      code: "not_found",
    });
  }
  // Another host's job looks unknown, not forbidden.
  add("agentJobEvents", "another host's job", {
    method: "POST",
    path: `/api/v1/agent/jobs/${jobA}/events`,
    options: {
      token: hostB.hostToken,
      json: {
        started: true,
        output: [{ seq: 0, ts: new Date().toISOString(), stream: "stdout", data: "x" }],
      },
    },
    status: 404,
    code: "not_found",
  });
  add("agentJobResult", "another host's job", {
    method: "POST",
    path: `/api/v1/agent/jobs/${jobA}/result`,
    options: { token: hostB.hostToken, json: { state: "succeeded", exitCode: 0 } },
    status: 404,
    code: "not_found",
  });

  // jobA is a pull: an update's outcome does not fit it, and a job must not end on a wrong one.
  add("agentJobResult", "an outcome of another op", {
    method: "POST",
    path: `/api/v1/agent/jobs/${jobA}/result`,
    options: {
      token: host,
      json: {
        state: "failed",
        exitCode: null,
        outcome: { op: "update", kind: "rolled_back", reason: "crash", restored: true },
      },
    },
    status: 400,
    code: "validation_failed",
    message: /outcome: outcome "rolled_back" is an outcome of update, not of this pull job/,
  });

  // Bad query values.
  for (const query of ["limit=0", "limit=abc", "limit=1001", "limit=1.5", "state=bogus", "host=bad!id"]) {
    add("listJobs", `query ${query}`, {
      method: "GET",
      path: `/api/v1/jobs?${query}`,
      options: { token: admin },
      status: 400,
      code: "validation_failed",
    });
  }
  for (const query of ["limit=-1", "limit=x", "action=DROP TABLE"]) {
    add("listAudit", `query ${query}`, {
      method: "GET",
      path: `/api/v1/audit?${query}`,
      options: { token: admin },
      status: 400,
      code: "validation_failed",
    });
  }
  for (const query of ["wait=abc", "wait=-1"]) {
    add("agentPoll", `query ${query}`, {
      method: "GET",
      path: `/api/v1/agent/poll?${query}`,
      options: { token: host },
      status: 400,
      code: "validation_failed",
    });
  }
  add("getJob", "query after=x", {
    method: "GET",
    path: `/api/v1/jobs/${jobA}?after=x`,
    options: { token: admin },
    status: 400,
    code: "validation_failed",
  });

  // Requests that are well formed but refused.
  add("agentHello", "another protocol version", {
    method: "POST",
    path: "/api/v1/agent/hello",
    options: { token: host, json: helloBody({ protocol: PROTOCOL_VERSION + 1 }) },
    status: 409,
    code: "protocol_mismatch",
  });
  // An argument the operation never reads would be stored and silently ignored.
  add("createJob", "an argument the op does not take", {
    method: "POST",
    path: `/api/v1/hosts/${hostA.hostId}/jobs`,
    options: { token: admin, json: { op: "test", args: { suite: "smoke" } } },
    status: 400,
    code: "validation_failed",
    message: /unknown argument "suite" for test \(test takes no arguments\)/,
  });
  add("cancelJob", "cancel of a finished job", {
    method: "POST",
    path: `/api/v1/jobs/${finishedJob}/cancel`,
    options: { token: admin },
    status: 409,
    code: "conflict",
  });
  add("enroll", "a taken name", {
    method: "POST",
    path: "/api/v1/enroll",
    options: { json: { token: enrollToken, name: "host-a" } },
    status: 409,
    code: "conflict",
  });
  add("enroll", "an unknown enroll token", {
    method: "POST",
    path: "/api/v1/enroll",
    options: { json: { token: `fe_${"z".repeat(43)}`, name: "host-z" } },
    status: 401,
    code: "unauthorized",
    message: /unknown/,
  });
  add("enroll", "the admin token as enroll token", {
    method: "POST",
    path: "/api/v1/enroll",
    options: { json: { token: app.adminToken, name: "host-z" } },
    status: 401,
    code: "unauthorized",
  });

  // Paths and methods nobody serves.
  add(null, "unknown API path", {
    method: "GET",
    path: "/api/v1/nope",
    options: { token: admin },
    status: 404,
    code: "not_found",
  });
  add(null, "unknown path", { method: "GET", path: "/nope", options: {}, status: 404, code: "not_found" });
  add(null, "wrong method on a known path", {
    method: "DELETE",
    path: "/api/v1/jobs",
    options: { token: admin },
    status: 405,
    code: "bad_request",
  });
  add(null, "wrong method on a parameterized path", {
    method: "PUT",
    path: `/api/v1/hosts/${hostA.hostId}`,
    options: { token: admin, json: {} },
    status: 405,
    code: "bad_request",
  });
  add(null, "POST on health", {
    method: "POST",
    path: "/api/v1/health",
    options: {},
    status: 405,
    code: "bad_request",
  });
}

describe("bad input", () => {
  test("every case is answered with its status and the error envelope, and no file changes", async () => {
    expect(cases.length).toBeGreaterThan(150);
    await app.fleet.ctx.store.flush();
    const before = fingerprintDir(app.dataDir);
    const failures: string[] = [];
    for (const c of cases) {
      const reply = await app.call(c.method, c.path, c.options);
      const label = `${c.route ?? "-"} ${c.method} ${c.path.slice(0, 60)} (${c.name})`;
      if (reply.status !== c.status)
        failures.push(
          `${label}: status ${reply.status}, want ${c.status}: ${JSON.stringify(reply.body).slice(0, 200)}`,
        );
      const envelope = ErrorBody.safeParse(reply.body);
      if (!envelope.success)
        failures.push(`${label}: not an error envelope: ${JSON.stringify(reply.body).slice(0, 200)}`);
      else if (envelope.data.error.code !== c.code)
        failures.push(`${label}: code ${envelope.data.error.code}, want ${c.code}`);
      else if (c.message && !c.message.test(envelope.data.error.message))
        failures.push(`${label}: message ${envelope.data.error.message}`);
      if (c.code === "validation_failed" && !Array.isArray(reply.body?.error?.details))
        failures.push(`${label}: no details`);
      await app.fleet.ctx.store.flush();
      const after = fingerprintDir(app.dataDir);
      if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${label}: changed the data dir`);
      if (c.route) exercised.add(c.route);
    }
    expect(failures).toEqual([]);
  });

  test("every authenticated route was exercised", () => {
    const authenticated = (Object.keys(ROUTES) as RouteName[]).filter((r) => ROUTES[r].auth !== "public");
    expect([...exercised].sort()).toEqual(expect.arrayContaining(authenticated.sort()));
  });

  test("validation details name the offending fields", async () => {
    const reply = await app.call("POST", `/api/v1/hosts/${hostA.hostId}/jobs`, {
      token: app.adminToken,
      json: { op: "reboot", ttlSeconds: 0 },
    });
    expect(reply.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "op" }),
        expect.objectContaining({ path: "ttlSeconds" }),
      ]),
    );
  });

  test("rejected requests do not count as signs of life", () => {
    const host = app.fleet.ctx.store.getHost(hostB.hostId);
    expect(host?.lastSeen).toBeNull();
  });
});

test("over real HTTP an oversize body is refused with 413 in the envelope", async () => {
  const dataDir = tempDir();
  const server = await startServer(testConfig(dataDir), { log: silentLog });
  try {
    const admin = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
    const reply = await toReply(
      await fetch(`${server.url}/api/v1/enroll-tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify({ note: "x".repeat(2 * MAX_BODY_BYTES) }),
      }),
    );
    expect(reply.status).toBe(413);
    expect(reply.body.error.code).toBe("payload_too_large");
  } finally {
    await server.stop();
  }
});

// The route table's response schemas bind both sides: a handler whose answer drifts from its
// declaration is refused by fleetd (500 naming the field) while the suite runs with
// FLEET_CHECK_RESPONSES=1, and the client refuses an answer that does not fit (bad_response).
// The compile-time half is test/contract/typecheck.ts, which tsc must accept.
import { afterAll, afterEach, expect, test } from "bun:test";
import { Hono } from "hono";
import { createClient } from "../../protocol/client.ts";
import { ApiError } from "../../protocol/errors.ts";
import { ROUTES } from "../../protocol/routes.ts";
import { resolveConfig } from "../../server/config.ts";
import type { AppEnv } from "../../server/context.ts";
import { onError } from "../../server/error-handler.ts";
import { defineRoutes, type RouteHandlers } from "../../server/routes/define.ts";
import { removeTempDirs, startTestApp, testConfig } from "../server/helpers.ts";

afterAll(removeTempDirs);

const servers: { stop(force?: boolean): unknown }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.stop(true);
});

test("the suite runs every fleetd with its answers checked", () => {
  // Without it the check below is off and drifting handlers would pass unseen: child fleetds
  // read the variable, in-process ones get the test config.
  expect(process.env.FLEET_CHECK_RESPONSES).toBe("1");
  expect(resolveConfig({}, process.env).checkResponses).toBe(true);
  expect(testConfig("/nonexistent").checkResponses).toBe(true);
});

test("fleetd refuses to send an answer that does not match the route's declared response", async () => {
  const real = await startTestApp();
  try {
    const app = new Hono<AppEnv>();
    app.use(async (c, next) => {
      c.set("fleet", real.fleet.ctx);
      await next();
    });
    // A handler that drifted: the cast stands in for code the type check did not see.
    const drifted = { health: () => ({ ok: true, version: 7 }) } as unknown as RouteHandlers;
    app.route("/", defineRoutes(drifted));
    app.onError(onError);
    const res = await app.request("/api/v1/health");
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("internal");
    expect(body.error.message).toContain("health does not match its declared response (version:");
  } finally {
    await real.close();
  }
});

test("the same handler's right answer passes the check", async () => {
  const real = await startTestApp();
  try {
    const res = await real.call("GET", "/api/v1/health");
    expect(res.status).toBe(200);
    expect(ROUTES.health.response.safeParse(res.body).success).toBe(true);
  } finally {
    await real.close();
  }
});

test("the client refuses an answer that does not fit the declared response, naming the field", async () => {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => Response.json({ ok: true, version: 7 }),
  });
  servers.push(server);
  const client = createClient({ server: `http://127.0.0.1:${server.port}`, routes: ROUTES });
  const err = await client.call("health").catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe("bad_response");
  expect((err as ApiError).message).toContain(
    "GET /api/v1/health answered with an unexpected shape (version:",
  );
});

test("the client turns the error envelope into an ApiError with its code, details and Retry-After", async () => {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      Response.json(
        { error: { code: "rate_limited", message: "slow down", details: { retryAfterSeconds: 7 } } },
        { status: 429, headers: { "retry-after": "7" } },
      ),
  });
  servers.push(server);
  const client = createClient({ server: `http://127.0.0.1:${server.port}`, routes: ROUTES });
  const err = (await client.call("listHosts").catch((e: unknown) => e)) as ApiError;
  expect(err).toBeInstanceOf(ApiError);
  expect([err.status, err.code, err.message, err.retryAfterMs]).toEqual([
    429,
    "rate_limited",
    "slow down",
    7000,
  ]);
  expect(err.details).toEqual({ retryAfterSeconds: 7 });
});

test("a path segment that cannot be an id is answered 404 in the resource's words, before any handler", async () => {
  const real = await startTestApp();
  try {
    const res = await real.call("GET", "/api/v1/hosts/not%20an%20id", { token: real.adminToken });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe('no host with id "not an id"');
  } finally {
    await real.close();
  }
});

// Per-address rate limits: enroll attempts and refused tokens are counted and answered with 429
// `rate_limited` and Retry-After past the limit; successful agent traffic is never counted, so a
// fleet behind one NAT is not throttled by itself; behind a trusted proxy X-Forwarded-For counts.
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AUTH_RETRY_MS } from "../../agent/client.ts";
import { ErrorBody } from "../../protocol/common.ts";
import { startServer } from "../../server/app.ts";
import { DEFAULT_LIMITS, type ServerConfig } from "../../server/config.ts";
import { RateLimiter } from "../../server/rate-limiter.ts";
import {
  enroll,
  helloBody,
  removeTempDirs,
  silentLog,
  startTestApp,
  type TestApp,
  tempDir,
  testConfig,
  toReply,
} from "./helpers.ts";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  removeTempDirs();
});

/** A request as Bun would hand it over from `address`: Hono reaches the server as c.env.server. */
async function from(address: string, method: string, path: string, token?: string, json?: unknown) {
  const server = { requestIP: () => ({ address, family: "IPv4", port: 40000 }), timeout: () => {} };
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const body = json === undefined ? undefined : JSON.stringify(json);
  return toReply(await app!.fleet.app.request(path, { method, headers, body }, { server }));
}

const limits = (overrides: Partial<ServerConfig>) =>
  startTestApp({
    failedAuthBurst: 5,
    failedAuthPerMinute: 60,
    enrollBurst: 3,
    enrollPerMinute: 60,
    ...overrides,
  });

function expectLimited(reply: Awaited<ReturnType<typeof from>>) {
  expect(reply.status).toBe(429);
  expect(ErrorBody.parse(reply.body).error.code).toBe("rate_limited");
  expect(Number(reply.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
}

describe("refused tokens", () => {
  test("past the burst an address gets 429 with Retry-After, even with a good token; others do not", async () => {
    app = await limits({});
    for (let i = 0; i < 5; i++)
      expect((await from("10.0.0.9", "GET", "/api/v1/hosts", "fa_bad")).status).toBe(401);
    expectLimited(await from("10.0.0.9", "GET", "/api/v1/hosts", "fa_bad"));
    expectLimited(await from("10.0.0.9", "GET", "/api/v1/hosts", app.adminToken));
    expect((await from("10.0.0.10", "GET", "/api/v1/hosts", app.adminToken)).status).toBe(200);
    // Public routes stay reachable: they take no token to refuse.
    expect((await from("10.0.0.9", "GET", "/api/v1/health")).status).toBe(200);
  });

  test("the bucket refills at its rate: after Retry-After the address may try again", async () => {
    app = await limits({});
    for (let i = 0; i < 5; i++) await from("10.0.0.9", "GET", "/api/v1/hosts");
    const limited = await from("10.0.0.9", "GET", "/api/v1/hosts", app.adminToken);
    expectLimited(limited);
    await Bun.sleep(Number(limited.headers.get("retry-after")) * 1000 + 50);
    expect((await from("10.0.0.9", "GET", "/api/v1/hosts", app.adminToken)).status).toBe(200);
  });

  test("successful agent traffic from one address (a NAT) never counts", async () => {
    app = await limits({ pollWindowMs: 10 });
    const hosts = await Promise.all(Array.from({ length: 10 }, (_, i) => enroll(app!, `nat-${i}`)));
    for (let round = 0; round < 20; round++) {
      for (const h of hosts) {
        const hello = await from("192.0.2.1", "POST", "/api/v1/agent/hello", h.hostToken, helloBody());
        const poll = await from("192.0.2.1", "GET", "/api/v1/agent/poll?wait=0", h.hostToken);
        expect([hello.status, poll.status]).toEqual([200, 200]);
      }
    }
  });

  test("with the default limits, agents retrying a refused token once a minute are never limited", () => {
    let now = 0;
    const limiter = new RateLimiter(
      DEFAULT_LIMITS.failedAuthBurst,
      DEFAULT_LIMITS.failedAuthPerMinute,
      () => now,
    );
    // Twenty revoked agents behind one NAT, each at the agent's AUTH_RETRY_MS pace, for an hour.
    for (let minute = 0; minute < 60; minute++, now += AUTH_RETRY_MS)
      for (let agent = 0; agent < 20; agent++) expect(limiter.take("nat")).toBe(0);
  });
});

describe("enroll attempts", () => {
  test("every attempt counts, good or bad; past the burst 429 and no host is created", async () => {
    app = await limits({});
    const token = (await app.call("POST", "/api/v1/enroll-tokens", { token: app.adminToken, json: {} })).body
      .token;
    for (let i = 0; i < 2; i++) {
      const bad = await from("10.0.0.7", "POST", "/api/v1/enroll", undefined, {
        token: `fe_${"x".repeat(43)}`,
        name: "x",
      });
      expect(bad.status).toBe(401);
    }
    expect(
      (await from("10.0.0.7", "POST", "/api/v1/enroll", undefined, { token, name: "ok-1" })).status,
    ).toBe(201);
    const second = (await app.call("POST", "/api/v1/enroll-tokens", { token: app.adminToken, json: {} })).body
      .token;
    expectLimited(
      await from("10.0.0.7", "POST", "/api/v1/enroll", undefined, { token: second, name: "ok-2" }),
    );
    expect(app.fleet.ctx.store.findHostByName("ok-2")).toBeUndefined();
    expect(
      (await from("10.0.0.8", "POST", "/api/v1/enroll", undefined, { token: second, name: "ok-2" })).status,
    ).toBe(201);
  });
});

describe("client address", () => {
  test("X-Forwarded-For is ignored unless fleetd trusts its proxy; then the last entry counts", async () => {
    app = await limits({});
    const forged = async (xff: string) => {
      const server = { requestIP: () => ({ address: "127.0.0.1", family: "IPv4", port: 1 }) };
      return app!.fleet.app.request("/api/v1/hosts", { headers: { "x-forwarded-for": xff } }, { server });
    };
    // Untrusted: every forged header still counts against the real peer.
    for (let i = 0; i < 5; i++) await forged(`203.0.113.${i}`);
    expect((await forged("203.0.113.99")).status).toBe(429);
    await app.close();

    app = await limits({ trustProxy: true });
    // Trusted: the proxy appends the real client last; what the client put before it is ignored.
    for (let i = 0; i < 5; i++) await forged(`1.2.3.${i}, 198.51.100.1`);
    expect((await forged("9.9.9.9, 198.51.100.1")).status).toBe(429);
    expect((await forged("198.51.100.2")).status).toBe(401);
  });

  test("over real HTTP the socket's address is what is limited", async () => {
    const dataDir = tempDir();
    const server = await startServer(testConfig(dataDir, { failedAuthBurst: 3, failedAuthPerMinute: 1 }), {
      log: silentLog,
    });
    try {
      const admin = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
      const get = (token: string) =>
        fetch(`${server.url}/api/v1/hosts`, { headers: { authorization: `Bearer ${token}` } });
      for (let i = 0; i < 3; i++) expect((await get("fa_nope")).status).toBe(401);
      const limited = await toReply(await get(admin));
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("60");
      expect(limited.body.error.message).toContain("retry in 60 s");
    } finally {
      await server.stop();
    }
  });
});

test("RateLimiter: burst, refill, and a bounded number of tracked addresses", () => {
  let now = 0;
  const limiter = new RateLimiter(2, 60, () => now);
  expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([0, 0, 1]);
  now += 500;
  expect(limiter.retryAfter("a")).toBe(1);
  now += 500;
  expect(limiter.take("a")).toBe(0);
  now += 10_000;
  for (let i = 0; i < 100_010; i++) limiter.take(`10.${i}`);
  expect(limiter.size).toBeLessThanOrEqual(100_000);
});

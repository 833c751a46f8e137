// fleetctl's API client: URLs from the route table, bearer auth, zod-parsed responses, and
// every failure (envelope, non-envelope, bad shape, no server) turned into a clear message.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApiClient, errorFromResponse, renderDetails, unreachableError } from "../../cli/api.ts";
import { ApiError } from "../../cli/errors.ts";
import { HostList, JobDetail } from "../../protocol/index.ts";
import { makeHost, makeJob } from "./fixtures.ts";

describe("errorFromResponse", () => {
  test("an error envelope keeps fleetd's message, code and status", () => {
    const body = JSON.stringify({ error: { code: "not_found", message: "no job j_9" } });
    const err = errorFromResponse(404, body, "GET /api/v1/jobs/:id");
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe("no job j_9 (404 not_found)");
    expect(err.code).toBe("not_found");
    expect(err.status).toBe(404);
  });

  test("401 says where the admin token is", () => {
    const body = JSON.stringify({ error: { code: "unauthorized", message: "invalid admin token" } });
    const err = errorFromResponse(401, body, "GET /api/v1/hosts");
    expect(err.message).toContain("fleetd rejected the token: invalid admin token (401)");
    expect(err.message).toContain(
      "set FLEET_TOKEN (the admin token is in <data>/admin-token on the fleetd machine)",
    );
  });

  test("validation details are listed one issue per line", () => {
    const details = [
      { path: ["op"], message: "Invalid option" },
      { path: ["ttlSeconds"], message: "Too big" },
    ];
    const body = JSON.stringify({
      error: { code: "validation_failed", message: "bad job request", details },
    });
    const err = errorFromResponse(400, body, "POST /api/v1/hosts/:id/jobs");
    expect(err.message).toBe(
      "bad job request (400 validation_failed)\n  - op: Invalid option\n  - ttlSeconds: Too big",
    );
  });

  test("issues fleetd already summarised in its message are not repeated", () => {
    const details = [{ path: "op", message: "Invalid option" }];
    const message = "invalid request body: op: Invalid option";
    const body = JSON.stringify({ error: { code: "validation_failed", message, details } });
    expect(errorFromResponse(400, body, "x").message).toBe(`${message} (400 validation_failed)`);
  });

  test("403 (a host token used as admin) points at the admin token", () => {
    const message = "this route needs the admin token, not a host token";
    const body = JSON.stringify({ error: { code: "forbidden", message } });
    expect(errorFromResponse(403, body, "x").message).toContain(
      "(403 forbidden); fleetctl needs the admin token: set FLEET_TOKEN",
    );
  });

  test("details of another shape are shown as compact JSON", () => {
    expect(renderDetails({ running: "j_1" })).toBe('  details: {"running":"j_1"}');
    expect(renderDetails({ issues: [{ path: "a.b", message: "m" }] })).toBe("  - a.b: m");
    expect(renderDetails(undefined)).toBe("");
  });

  test("a body without the envelope (a proxy's HTML page) is reported as such", () => {
    const err = errorFromResponse(502, "<html>Bad Gateway</html>", "GET /api/v1/hosts");
    expect(err.message).toBe(
      "GET /api/v1/hosts failed with HTTP 502 and no fleetd error envelope (a proxy in the way?): <html>Bad Gateway</html>",
    );
    expect(err.code).toBe("bad_response");
  });
});

describe("unreachableError", () => {
  test("connection refused asks whether fleetd is running", () => {
    const err = unreachableError(
      "http://127.0.0.1:8080",
      Object.assign(new TypeError("x"), { code: "ECONNREFUSED" }),
      1000,
    );
    expect(err.message).toBe("cannot reach fleetd at http://127.0.0.1:8080: is it running? (fleetd serve)");
  });

  test("other network failures keep their cause; timeouts say how long we waited", () => {
    const dns = unreachableError(
      "http://fleet.invalid",
      Object.assign(new TypeError("x"), { code: "ENOTFOUND" }),
      1000,
    );
    expect(dns.message).toEndWith("(fleetd serve) (ENOTFOUND)");
    const slow = unreachableError("http://a", Object.assign(new Error("t"), { name: "TimeoutError" }), 2500);
    expect(slow.message).toBe("fleetd at http://a did not answer within 2.5s");
  });
});

describe("createApiClient against a real HTTP server", () => {
  const seen: { method: string; url: string; auth: string | null; body: string }[] = [];
  let server: ReturnType<typeof Bun.serve>;
  let base: string;

  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const url = new URL(req.url);
        seen.push({
          method: req.method,
          url: url.pathname + url.search,
          auth: req.headers.get("authorization"),
          body: await req.text(),
        });
        if (url.pathname === "/api/v1/hosts") return Response.json({ hosts: [makeHost()] });
        if (url.pathname.startsWith("/api/v1/jobs/"))
          return Response.json({ job: makeJob(), output: "not an array" });
        return Response.json(
          { error: { code: "not_found", message: `no route ${url.pathname}` } },
          { status: 404 },
        );
      },
    });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.stop(true));

  test("sends the bearer token and parses with the protocol schema", async () => {
    const client = createApiClient({ server: `${base}/`, token: "s3cret" });
    const list = await client.request("listHosts", HostList);
    expect(list.hosts[0]!.name).toBe("web1");
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/api/v1/hosts", auth: "Bearer s3cret" });
  });

  test("fills and encodes path params, adds the query, sends JSON bodies", async () => {
    const client = createApiClient({ server: base, token: "t" });
    await expect(
      client.request("createJob", HostList, {
        params: { id: "a b" },
        query: { x: 1, skip: undefined },
        body: { op: "pull" },
      }),
    ).rejects.toThrow("no route /api/v1/hosts/a%20b/jobs (404 not_found)");
    expect(seen.at(-1)).toMatchObject({
      method: "POST",
      url: "/api/v1/hosts/a%20b/jobs?x=1",
      body: '{"op":"pull"}',
    });
  });

  test("a response of the wrong shape names the field and suggests a version mismatch", async () => {
    const client = createApiClient({ server: base, token: "t" });
    const err = await client.request("getJob", JobDetail, { params: { id: "j_1" } }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toContain("GET /api/v1/jobs/:id answered with an unexpected shape (output:");
    expect(err.message).toContain("same version as fleetctl");
  });

  test("nothing listening: the unreachable message", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const err = await createApiClient({ server: url, token: "t" })
      .request("listHosts", HostList)
      .catch((e) => e);
    expect(err.message).toBe(`cannot reach fleetd at ${url}: is it running? (fleetd serve)`);
  });

  test("a server that never answers hits the request timeout", async () => {
    const hang = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Promise<Response>(() => {}) });
    const url = `http://127.0.0.1:${hang.port}`;
    const err = await createApiClient({ server: url, token: "t", timeoutMs: 200 })
      .request("listHosts", HostList)
      .catch((e) => e);
    hang.stop(true);
    expect(err.message).toBe(`fleetd at ${url} did not answer within 0.2s`);
  });
});

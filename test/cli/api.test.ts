// fleetctl's client: the protocol client with bearer auth and schema-checked answers, and every
// failure (envelope, non-envelope, bad shape, no server, no answer) in fleetctl's words, as a
// protocol ApiError that keeps the status, code and details.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApiClient, explainApiError, renderDetails } from "../../cli/api.ts";
import { errorMessage, isExplained } from "../../cli/errors.ts";
import { ApiError } from "../../protocol/errors.ts";
import { VERSION } from "../../protocol/index.ts";
import { makeHost, makeJob } from "./fixtures.ts";

const seen: { method: string; url: string; auth: string | null; body: string }[] = [];
/** What the test fleetd answers to /api/v1/hosts; the routes below answer for themselves. */
let hostsAnswer: () => Response = () => Response.json({ hosts: [makeHost()] });
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
      if (url.pathname === "/api/v1/hosts") return hostsAnswer();
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

/** The ApiError fleetctl's client throws when the test fleetd answers /api/v1/hosts with `answer`. */
async function failureFor(answer: () => Response): Promise<ApiError> {
  hostsAnswer = answer;
  try {
    const err = await createApiClient({ server: base, token: "t" })
      .call("listHosts")
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  } finally {
    hostsAnswer = () => Response.json({ hosts: [makeHost()] });
  }
}

const envelope = (status: number, error: Record<string, unknown>) => () =>
  Response.json({ error }, { status });

describe("fleetd's error envelope, in fleetctl's words", () => {
  test("keeps fleetd's message, code and status", async () => {
    const err = await failureFor(envelope(404, { code: "not_found", message: "no job j_9" }));
    expect(err.message).toBe("no job j_9 (404 not_found)");
    expect(err.code).toBe("not_found");
    expect(err.status).toBe(404);
  });

  test("401 says where the admin token is", async () => {
    const err = await failureFor(envelope(401, { code: "unauthorized", message: "invalid admin token" }));
    expect(err.message).toContain("fleetd rejected the token: invalid admin token (401)");
    expect(err.message).toContain(
      "set FLEET_TOKEN (the admin token is in <data>/admin-token on the fleetd machine)",
    );
    expect(err.tokenRefused).toBe(true);
  });

  test("validation details are listed one issue per line, and kept on the error", async () => {
    const details = [
      { path: ["op"], message: "Invalid option" },
      { path: ["ttlSeconds"], message: "Too big" },
    ];
    const err = await failureFor(
      envelope(400, { code: "validation_failed", message: "bad job request", details }),
    );
    expect(err.message).toBe(
      "bad job request (400 validation_failed)\n  - op: Invalid option\n  - ttlSeconds: Too big",
    );
    expect(err.details).toEqual(details);
  });

  test("issues fleetd already summarised in its message are not repeated", async () => {
    const details = [{ path: "op", message: "Invalid option" }];
    const message = "invalid request body: op: Invalid option";
    const err = await failureFor(envelope(400, { code: "validation_failed", message, details }));
    expect(err.message).toBe(`${message} (400 validation_failed)`);
  });

  test("403 (a host token used as admin) points at the admin token", async () => {
    const message = "this route needs the admin token, not a host token";
    const err = await failureFor(envelope(403, { code: "forbidden", message }));
    expect(err.message).toContain("(403 forbidden); fleetctl needs the admin token: set FLEET_TOKEN");
  });

  test("a 429 keeps its Retry-After", async () => {
    const err = await failureFor(() =>
      Response.json(
        { error: { code: "rate_limited", message: "slow down" } },
        { status: 429, headers: { "retry-after": "7" } },
      ),
    );
    expect(err.message).toBe("slow down (429 rate_limited)");
    expect(err.retryAfterMs).toBe(7_000);
  });

  test("details of another shape are shown as compact JSON", () => {
    expect(renderDetails({ running: "j_1" })).toBe('  details: {"running":"j_1"}');
    expect(renderDetails({ issues: [{ path: "a.b", message: "m" }] })).toBe("  - a.b: m");
    expect(renderDetails(undefined)).toBe("");
  });

  test("a body without the envelope (a proxy's HTML page) is reported as such", async () => {
    const err = await failureFor(() => new Response("<html>Bad Gateway</html>", { status: 502 }));
    expect(err.message).toBe(
      "GET /api/v1/hosts failed with HTTP 502 and no fleetd error envelope (a proxy in the way?): <html>Bad Gateway</html>",
    );
    expect(err.code).toBe("bad_response");
  });
});

describe("printed by the command wrapper", () => {
  test("as its message alone, a known failure like a CliError", async () => {
    const err = await failureFor(envelope(404, { code: "not_found", message: "no job j_9" }));
    expect(isExplained(err)).toBe(true);
    expect(errorMessage(err)).toBe("no job j_9 (404 not_found)");
    expect(isExplained(new TypeError("x"))).toBe(false);
  });
});

describe("no answer", () => {
  const noAnswer = (cause: Error) =>
    explainApiError(new ApiError(0, "unreachable", "cannot reach fleetd", { cause }), "http://a") as ApiError;

  test("connection refused asks whether fleetd is running", () => {
    const err = noAnswer(Object.assign(new TypeError("x"), { code: "ECONNREFUSED" }));
    expect(err.message).toBe("cannot reach fleetd at http://a: is it running? (fleetd serve)");
    expect([err.status, err.code]).toEqual([0, "unreachable"]);
  });

  test("other network failures keep their cause", () => {
    const err = noAnswer(Object.assign(new TypeError("x"), { code: "ENOTFOUND" }));
    expect(err.message).toEndWith("(fleetd serve) (ENOTFOUND)");
  });

  test("anything but an ApiError (the caller's own abort) is left as it is", () => {
    const abort = new DOMException("stopped", "AbortError");
    expect(explainApiError(abort, "http://a")).toBe(abort);
  });
});

describe("against a real HTTP server", () => {
  test("sends the bearer token and parses with the protocol schema", async () => {
    const client = createApiClient({ server: `${base}/`, token: "s3cret" });
    const list = await client.call("listHosts");
    expect(list.hosts[0]!.name).toBe("web1");
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/api/v1/hosts", auth: "Bearer s3cret" });
  });

  test("fills and encodes path params, adds the query, sends JSON bodies", async () => {
    const client = createApiClient({ server: base, token: "t" });
    await expect(
      client.call("listJobs", { query: { host: "h_1", limit: 5, state: undefined } }),
    ).rejects.toThrow("no route /api/v1/jobs (404 not_found)");
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/api/v1/jobs?host=h_1&limit=5" });
    await expect(client.call("createJob", { params: { id: "a b" }, body: { op: "pull" } })).rejects.toThrow(
      "no route /api/v1/hosts/a%20b/jobs (404 not_found)",
    );
    expect(seen.at(-1)).toMatchObject({
      method: "POST",
      url: "/api/v1/hosts/a%20b/jobs",
      body: '{"op":"pull"}',
    });
  });

  test("a response of the wrong shape names the field and suggests a version mismatch", async () => {
    const client = createApiClient({ server: base, token: "t" });
    const err = await client.call("getJob", { params: { id: "j_1" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toStartWith(
      "GET /api/v1/jobs/:id answered with an unexpected shape (output:",
    );
    expect((err as ApiError).message).toEndWith(`; is fleetd the same version as fleetctl ${VERSION}?`);
    expect((err as ApiError).code).toBe("bad_response");
  });

  test("nothing listening: the unreachable message", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const err = await createApiClient({ server: url, token: "t" })
      .call("listHosts")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe(`cannot reach fleetd at ${url}: is it running? (fleetd serve)`);
  });

  test("a server that never answers hits the request timeout", async () => {
    const hang = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Promise<Response>(() => {}) });
    const url = `http://127.0.0.1:${hang.port}`;
    const err = await createApiClient({ server: url, token: "t", timeoutMs: 200 })
      .call("listHosts")
      .catch((e: unknown) => e);
    hang.stop(true);
    expect((err as ApiError).message).toBe(`fleetd at ${url} did not answer within 0.2s`);
  });
});

// What the API fuzzer sends: any route of the table with random or mutated path params, query
// strings, headers, credentials and bodies. Valid samples are mutated (a field replaced, removed,
// added, the whole thing wrapped or cut), so most cases get past JSON parsing into validation and
// the services, where the interesting bugs live; the rest is plain garbage.
import fc from "fast-check";
import { ROUTES, type RouteName } from "../../protocol/routes.ts";
import { helloBody, outputLine } from "./helpers.ts";

export interface FuzzFixture {
  adminToken: string;
  boardToken: string;
  hostA: { hostId: string; hostToken: string };
  hostB: { hostId: string; hostToken: string };
  enrollToken: string;
  jobA: string;
}

export interface FuzzCase {
  route: RouteName;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

const routeNames = Object.keys(ROUTES) as RouteName[];

/** A valid body per route, as a starting point for mutations. */
function samples(f: FuzzFixture): Partial<Record<RouteName, unknown[]>> {
  return {
    enroll: [
      { token: f.enrollToken, name: "fuzzed" },
      { token: f.enrollToken, name: "fuzz-a" },
    ],
    agentHello: [helloBody(), helloBody({ activeJobs: [f.jobA] })],
    agentJobEvents: [{ started: true, output: [outputLine(0)], progress: { current: 1, total: 2 } }],
    agentJobResult: [
      { state: "succeeded", exitCode: 0 },
      { state: "failed", exitCode: 1, reason: "x" },
    ],
    createJob: [{ op: "test" }, { op: "pull", ttlSeconds: 60, args: {} }],
    updateHost: [{ allowDowngrade: true }, {}],
    createEnrollToken: [{ ttlSeconds: 60, note: "fuzz" }, {}],
    startRollout: [{ canary: 1, batch: 2, hosts: [f.hostA.hostId], maxFailures: 0 }, {}],
  };
}

type Json = ReturnType<typeof JSON.parse>;

/** One structural change to a JSON value, chosen by `pick`. */
function mutate(value: Json, kind: number, pick: number, replacement: Json, key: string): Json {
  if (value === null || typeof value !== "object") return kind % 2 ? replacement : [value];
  const copy: Json = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  const target = keys.length ? keys[pick % keys.length]! : key;
  switch (kind % 6) {
    case 0:
      copy[target] = replacement;
      return copy;
    case 1:
      delete copy[target];
      return copy;
    case 2:
      copy[key] = replacement;
      return copy;
    case 3:
      copy[target] = mutate(copy[target], pick + 1, pick >> 1, replacement, key);
      return copy;
    case 4:
      return [copy];
    default:
      return replacement;
  }
}

const weird = fc.constantFrom(
  "",
  "..",
  "../../etc/passwd",
  "%2e%2e%2f",
  "a/b",
  "%00",
  "current",
  "manifest.json",
  "x".repeat(300),
  "%F0%9F%92%A5",
  "%ZZ",
);

const numbers = fc.oneof(
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom("-1", "0", "1e309", "NaN", "0x10", "[]", "1.5", "99999999999999999999"),
);

export function fuzzCase(f: FuzzFixture): fc.Arbitrary<FuzzCase> {
  // Mostly the right kind of id for the route. Host A is never deleted or revoked, so the cases
  // after such a success keep a working host token.
  const rightId = (route: RouteName) => {
    const path = ROUTES[route].path;
    if (route === "deleteHost" || route === "revokeHost") return f.hostB.hostId;
    if (path.includes("/jobs/:id")) return f.jobA;
    if (path.includes("/rollouts/:id")) return "current";
    if (path.includes(":file")) return "manifest.json";
    return f.hostA.hostId;
  };
  const ids = (route: RouteName) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(rightId(route)) },
      { weight: 1, arbitrary: fc.constantFrom(f.hostB.hostId, f.jobA, "current", "h_nosuchhost") },
      { weight: 1, arbitrary: weird },
      { weight: 1, arbitrary: fc.string({ maxLength: 70 }).map(encodeURIComponent) },
    );
  const query = fc.dictionary(
    fc.oneof(
      fc.constantFrom("limit", "wait", "host", "state", "after", "action", "token", "id"),
      fc.string({ maxLength: 8 }),
    ),
    fc.oneof(numbers, fc.string({ maxLength: 40 }), weird),
    { maxKeys: 4 },
  );
  const bearer = (t: string) => `Bearer ${t}`;
  const rightToken: Record<string, string | undefined> = {
    admin: f.adminToken,
    host: f.hostA.hostToken,
    board: f.boardToken,
  };
  // Mostly the credential the route wants, so cases get past auth into parsing and the services.
  const authorization = (route: RouteName) =>
    fc.oneof(
      { weight: 10, arbitrary: fc.constant(rightToken[ROUTES[route].auth]).map((t) => t && bearer(t)) },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          undefined,
          bearer(f.adminToken),
          bearer(f.hostB.hostToken),
          bearer(f.enrollToken),
          bearer(f.boardToken),
          "Bearer",
          "Basic YTpi",
        ),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 80 }).map(bearer) },
      { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
    );
  const contentType = fc.constantFrom(
    undefined,
    "application/json",
    "text/plain",
    "application/json; charset=utf-16",
    "multipart/form-data; boundary=x",
  );
  const contentLength = fc.oneof(
    { weight: 9, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.oneof(fc.nat({ max: 2_000_000 }).map(String), numbers) },
  );
  const json = fc.jsonValue({ maxDepth: 3 });
  const mutated = (route: RouteName) => {
    const base = samples(f)[route] ?? [{}];
    return fc
      .tuple(
        fc.constantFrom(...base),
        fc.array(fc.tuple(fc.nat(), fc.nat(), json, fc.string({ maxLength: 10 })), { maxLength: 3 }),
      )
      .map(([sample, steps]) =>
        JSON.stringify(
          steps.reduce((v, [kind, pick, repl, key]) => mutate(v, kind, pick, repl, key), sample),
        ),
      );
  };
  const body = (route: RouteName) =>
    fc.oneof(
      { weight: 5, arbitrary: mutated(route) },
      { weight: 2, arbitrary: json.map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  return fc.constantFrom(...routeNames).chain((route) =>
    fc
      .record({
        id: ids(route),
        query,
        authorization: authorization(route),
        contentType,
        contentLength,
        body: body(route),
        method: fc.oneof(
          { weight: 9, arbitrary: fc.constant(ROUTES[route].method as string) },
          { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "DELETE", "PUT", "PATCH") },
        ),
      })
      .map((r): FuzzCase => {
        // Another method on the path may be another route (GET → DELETE /hosts/:id): spare host A.
        const other = r.method !== ROUTES[route].method && r.id === f.hostA.hostId;
        const path = ROUTES[route].path.replace(/:[a-z]+/g, other ? f.hostB.hostId : r.id);
        const search = new URLSearchParams(r.query).toString();
        const headers: Record<string, string> = {};
        if (r.authorization !== undefined) headers.authorization = r.authorization;
        if (r.contentType !== undefined) headers["content-type"] = r.contentType;
        if (r.contentLength !== undefined && r.body !== undefined)
          headers["content-length"] = r.contentLength;
        const hasBody = r.method !== "GET" && r.method !== "HEAD";
        return {
          route,
          method: r.method,
          path: search ? `${path}?${search}` : path,
          headers,
          body: hasBody ? r.body : undefined,
        };
      }),
  );
}

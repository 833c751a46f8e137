// Bad input to the notification routes: each kind answered with a clear 4xx in the error
// envelope and nothing on disk changed; and what list shows of a channel's secrets.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_TEMPLATE_CHARS } from "../../protocol/notify.ts";
import { fingerprintDir, removeTempDirs, startTestApp, type TestApp } from "./helpers.ts";

let app: TestApp;
beforeAll(async () => {
  // Listening on a known port, as fleetd does: a channel there is fleetd itself.
  app = await startTestApp({ port: 8123 });
});
afterAll(async () => {
  await app.close();
  removeTempDirs();
});

const GOOD = { name: "ops", type: "webhook", url: "http://127.0.0.1:9/hook" } as const;

const refused: [string, Record<string, unknown>, number, string][] = [
  ["an invalid URL", { ...GOOD, url: "not a url" }, 400, "url"],
  ["a URL that is not http(s)", { ...GOOD, url: "ftp://127.0.0.1/hook" }, 400, "only http:// and https://"],
  ["an unknown alert kind", { ...GOOD, kinds: ["host_exploded"] }, 400, "kinds"],
  ["an unknown channel type", { ...GOOD, type: "pager" }, 400, "type"],
  ["an oversize template", { ...GOOD, template: "x".repeat(MAX_TEMPLATE_CHARS + 1) }, 400, "template"],
  ["an empty template", { ...GOOD, template: "" }, 400, "template"],
  [
    "a URL at fleetd's public URL",
    { ...GOOD, url: "http://fleet.test:8080/api/v1/health" },
    400,
    "is fleetd itself",
  ],
  [
    "a URL at the address the request came in on",
    { ...GOOD, url: "http://localhost/x" },
    400,
    "is fleetd itself",
  ],
  [
    "a URL at fleetd's listen port on loopback",
    { ...GOOD, url: "http://127.0.0.1:8123/x" },
    400,
    "is fleetd itself",
  ],
  ["a URL at fleetd's port on [::1]", { ...GOOD, url: "http://[::1]:8123/x" }, 400, "is fleetd itself"],
  ["a signing key on a Slack channel", { ...GOOD, type: "slack", secret: "s".repeat(20) }, 400, "secret"],
  ["an ntfy priority on a webhook", { ...GOOD, priority: 3 }, 400, "priority"],
  ["an ntfy priority out of range", { ...GOOD, type: "ntfy", priority: 9 }, 400, "priority"],
  ["a signing key too short to be one", { ...GOOD, secret: "short" }, 400, "secret"],
  ["a name with spaces", { ...GOOD, name: "my channel" }, 400, "name"],
];

describe("adding a channel", () => {
  for (const [what, json, status, says] of refused) {
    test(`${what}: ${status}, nothing stored`, async () => {
      const before = fingerprintDir(app.dataDir);
      const reply = await app.call("POST", "/api/v1/notify/channels", { token: app.adminToken, json });
      expect(reply.status).toBe(status);
      expect(JSON.stringify(reply.body.error)).toContain(says);
      expect(fingerprintDir(app.dataDir)).toEqual(before);
      expect(
        (await app.call("GET", "/api/v1/notify/channels", { token: app.adminToken })).body.channels,
      ).toEqual([]);
    });
  }

  test("a name already taken: 409, the first channel kept as it was", async () => {
    const first = await app.call("POST", "/api/v1/notify/channels", { token: app.adminToken, json: GOOD });
    expect(first.status).toBe(201);
    const before = fingerprintDir(app.dataDir);
    const again = await app.call("POST", "/api/v1/notify/channels", {
      token: app.adminToken,
      json: { ...GOOD, url: "http://127.0.0.1:10/other" },
    });
    expect(again.status).toBe(409);
    expect(fingerprintDir(app.dataDir)).toEqual(before);
    expect((await app.call("DELETE", "/api/v1/notify/channels/ops", { token: app.adminToken })).status).toBe(
      200,
    );
  });
});

test("one channel past notifyMaxChannels: 409 naming the limit, nothing stored; a removal makes room", async () => {
  const small = await startTestApp({ notifyMaxChannels: 2 });
  try {
    const add = (name: string) =>
      small.call("POST", "/api/v1/notify/channels", { token: small.adminToken, json: { ...GOOD, name } });
    expect((await add("one")).status).toBe(201);
    expect((await add("two")).status).toBe(201);
    const before = fingerprintDir(small.dataDir);
    const third = await add("three");
    expect(third.status).toBe(409);
    expect(third.body.error.message).toContain("at most 2 notification channels (limit notifyMaxChannels)");
    expect(fingerprintDir(small.dataDir)).toEqual(before);
    const listed = await small.call("GET", "/api/v1/notify/channels", { token: small.adminToken });
    expect(listed.body.channels.map((c: { name: string }) => c.name)).toEqual(["one", "two"]);
    await small.call("DELETE", "/api/v1/notify/channels/one", { token: small.adminToken });
    expect((await add("three")).status).toBe(201);
  } finally {
    await small.close();
  }
});

describe("unknown ids", () => {
  for (const [method, path] of [
    ["DELETE", "/api/v1/notify/channels/ch_nosuchchannel"],
    ["POST", "/api/v1/notify/channels/ch_nosuchchannel/test"],
    ["GET", "/api/v1/notify/deliveries/n_nosuchdelivery"],
  ] as const) {
    test(`${method} ${path}: 404, nothing stored`, async () => {
      const before = fingerprintDir(app.dataDir);
      const reply = await app.call(method, path, { token: app.adminToken });
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe("not_found");
      expect(fingerprintDir(app.dataDir)).toEqual(before);
    });
  }
});

test("list shows a channel's secrets only as hints; the made key once, at the add", async () => {
  const slackUrl = "http://127.0.0.1:9/services/T000/B000/SECRETPATHXYZ";
  await app.call("POST", "/api/v1/notify/channels", {
    token: app.adminToken,
    json: { name: "chat", type: "slack", url: slackUrl },
  });
  const made = await app.call("POST", "/api/v1/notify/channels", {
    token: app.adminToken,
    json: { ...GOOD, name: "hook" },
  });
  const secret: string = made.body.secret;
  const listed = await app.call("GET", "/api/v1/notify/channels", { token: app.adminToken });
  const text = JSON.stringify(listed.body);
  expect(text).not.toContain("SECRETPATHXYZ");
  expect(text).not.toContain(secret);
  const hook = listed.body.channels.find((c: { name: string }) => c.name === "hook");
  expect(hook.secretHint).toBe(`…${secret.slice(-4)}`);
  expect(hook.urlHint).toBe("http://127.0.0.1:9/…");
  const { statSync } = await import("node:fs");
  expect(statSync(`${app.dataDir}/notify-channels.json`).mode & 0o777).toBe(0o600);
});

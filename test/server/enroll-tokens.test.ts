// Enroll tokens for the operator: listed newest first without the secret or its hash, revoked
// by id (then refused at enroll), audited, and the id survives a restart of fleetd.
import { afterEach, expect, test } from "bun:test";
import { EnrollTokenList, EnrollTokenResponse } from "../../protocol/enroll.ts";
import { hashToken } from "../../server/services/tokens.ts";
import { removeTempDirs, sleep, startTestApp, type TestApp } from "./helpers.ts";

let app: TestApp;
afterEach(async () => {
  await app?.close();
  removeTempDirs();
});

const mint = async (note: string) =>
  (await app.call("POST", "/api/v1/enroll-tokens", { token: app.adminToken, json: { note } })).body;
const list = async () =>
  EnrollTokenList.parse((await app.call("GET", "/api/v1/enroll-tokens", { token: app.adminToken })).body)
    .tokens;

test("list: newest first, state of each, never the token or its hash", async () => {
  app = await startTestApp();
  const first = await mint("rack 1");
  await sleep(5);
  const second = await mint("rack 2");
  await app.call("POST", "/api/v1/enroll", { json: { token: first.token, name: "web1" } });

  const raw = await app.call("GET", "/api/v1/enroll-tokens", { token: app.adminToken });
  expect(raw.status).toBe(200);
  const text = JSON.stringify(raw.body);
  for (const secret of [first.token, second.token, hashToken(first.token), hashToken(second.token)])
    expect(text).not.toContain(secret);
  const tokens = await list();
  expect(tokens.map((t) => [t.id, t.note, t.state])).toEqual([
    [second.id, "rack 2", "unused"],
    [first.id, "rack 1", "used"],
  ]);
  expect(tokens[1]!.usedByHostId).toMatch(/^h_/);
});

test("revoke: an unused token is refused at enroll from then on, audited; twice or used is a conflict", async () => {
  app = await startTestApp();
  const created = await mint("spare");
  const revoked = await app.call("POST", `/api/v1/enroll-tokens/${created.id}/revoke`, {
    token: app.adminToken,
  });
  expect(revoked.status).toBe(200);
  expect(EnrollTokenResponse.parse(revoked.body).token).toMatchObject({ id: created.id, state: "revoked" });

  const enroll = await app.call("POST", "/api/v1/enroll", { json: { token: created.token, name: "web1" } });
  expect(enroll.status).toBe(401);
  expect(enroll.body.error.message).toBe("enroll token revoked");

  const again = await app.call("POST", `/api/v1/enroll-tokens/${created.id}/revoke`, {
    token: app.adminToken,
  });
  expect(again.status).toBe(409);
  expect(again.body.error.message).toContain("already revoked");

  const used = await mint("used");
  await app.call("POST", "/api/v1/enroll", { json: { token: used.token, name: "web2" } });
  const late = await app.call("POST", `/api/v1/enroll-tokens/${used.id}/revoke`, { token: app.adminToken });
  expect(late.status).toBe(409);
  expect(late.body.error.message).toContain("already used");

  const audit = await app.call("GET", "/api/v1/audit?action=enroll_token.revoked", { token: app.adminToken });
  expect(audit.body.entries).toEqual([
    expect.objectContaining({ actor: "admin", action: "enroll_token.revoked", target: created.id }),
  ]);
});

test("a token keeps its id across a restart (it is derived, not stored)", async () => {
  app = await startTestApp();
  const created = await mint("kept");
  const { dataDir } = app;
  await app.close();
  app = await startTestApp({}, dataDir);
  expect((await list()).map((t) => t.id)).toEqual([created.id]);
});

// `fleetctl doctor` against a real fleetd and against a fleetd impostor with a wrong clock
// and another version: every check passes when all is well, and each failure names what to do.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { checkClock, MAX_CLOCK_SKEW_SECONDS } from "../../cli/doctor.ts";
import { hostTarget } from "../../scripts/build.ts";
import { CliFixture } from "./cli-fixture.ts";

let cli: CliFixture;
beforeAll(async () => {
  cli = await CliFixture.start();
});
afterAll(() => cli?.stop());

const doctor = async (env: Record<string, string> = {}) => {
  const r = await cli.run(["doctor", "--json"], env);
  return { code: r.code, report: JSON.parse(r.stdout) as { ok: boolean; checks: any[] } };
};
const byName = (checks: any[]) => Object.fromEntries(checks.map((c) => [c.name, c]));

describe("against a real fleetd", () => {
  test("all five checks pass, exit 0", async () => {
    const { code, report } = await doctor();
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ["server", "ok"],
      ["token", "ok"],
      ["clock", "ok"],
      ["version", "ok"],
      ["disk", "ok"],
    ]);
    expect(code).toBe(0);
    const human = await cli.run(["doctor"]);
    expect(human.stdout).toContain("All good.");
  });

  test("a wrong token fails the token check only, and says where the admin token is", async () => {
    const { code, report } = await doctor({ FLEET_TOKEN: "fa_wrong" });
    const checks = byName(report.checks);
    expect(checks.token.status).toBe("fail");
    expect(checks.token.fix).toContain("<data>/admin-token");
    expect([checks.server.status, checks.clock.status, checks.version.status]).toEqual(["ok", "ok", "ok"]);
    expect(code).toBe(1);
  });

  test("no token at all is a failed check, not a crash", async () => {
    const { code, report } = await doctor({ FLEET_TOKEN: "" });
    expect(byName(report.checks).token).toMatchObject({ status: "fail", detail: "no admin token given" });
    expect(code).toBe(1);
  });

  test("fleetd not running: the server check says how to fix it, the rest are skipped", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const { code, report } = await doctor({ FLEET_SERVER: url });
    expect(report.checks.map((c) => c.status)).toEqual(["fail", "skipped", "skipped", "skipped", "skipped"]);
    expect(report.checks[0].fix).toContain("start fleetd");
    expect(code).toBe(1);
  });
});

test("a fleetd of another build with a clock 2 minutes ahead: version and clock fail with fixes", async () => {
  const fleetctlFile = `fleetctl-${hostTarget()}`;
  const impostor = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const path = new URL(req.url).pathname;
      const headers = { date: new Date(Date.now() + 120_000).toUTCString() };
      if (path === "/api/v1/health") return Response.json({ ok: true, version: "9.9.9" }, { headers });
      if (path === "/api/v1/hosts") return Response.json({ hosts: [] }, { headers });
      if (path === "/install.sh") return new Response("#!/bin/sh\n", { headers });
      if (path === "/api/v1/artifacts/manifest.json") {
        const artifact = { program: "fleetctl", target: hostTarget(), platform: process.platform };
        return Response.json({
          version: "9.9.9",
          builtAt: new Date().toISOString(),
          artifacts: [
            {
              ...artifact,
              arch: process.arch,
              file: fleetctlFile,
              size: 1,
              sha256: "0".repeat(64),
              signature: "x",
            },
          ],
        });
      }
      return new Response("no", { status: 404 });
    },
  });
  try {
    const url = `http://127.0.0.1:${impostor.port}`;
    const { code, report } = await doctor({ FLEET_SERVER: url });
    const checks = byName(report.checks);
    expect(checks.clock.status).toBe("fail");
    expect(checks.clock.detail).toMatch(/^fleetd's clock is ahead of this machine's by 1[12]\d s$/);
    expect(checks.clock.fix).toContain("timedatectl set-ntp true");
    expect(checks.version.status).toBe("fail");
    expect(checks.version.detail).toContain("fleetd is 9.9.9");
    expect(checks.version.fix).toContain(`curl -fsSLo fleetctl ${url}/api/v1/artifacts/${fleetctlFile}`);
    expect(code).toBe(1);
  } finally {
    impostor.stop(true);
  }
});

test("clock skew: the Date header's one-second truncation is allowed for, the limit is enforced", () => {
  const now = Date.parse("2026-01-01T12:00:00.900Z");
  expect(checkClock(Date.parse("2026-01-01T12:00:00Z"), now).status).toBe("ok");
  const limit = MAX_CLOCK_SKEW_SECONDS * 1000;
  expect(checkClock(now - limit - 2000, now).status).toBe("fail");
  expect(checkClock(now - limit - 2000, now).detail).toContain("this machine's clock is ahead");
  expect(checkClock(null, now).status).toBe("skipped");
});

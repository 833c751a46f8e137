// Parsing what the operator typed: job args, limits, and where fleetd is.
import { describe, expect, test } from "bun:test";
import { parseLimit } from "../../cli/commands/jobs.ts";
import { parseJobArgs } from "../../cli/commands/run.ts";
import { DEFAULT_SERVER, resolveConnection } from "../../cli/config.ts";

describe("parseJobArgs", () => {
  test("every --arg is kept (citty would keep only the last), typed where JobArgs allows", () => {
    const raw = ["pull", "web1", "--arg", "rev=abc123", "--arg=force=true", "--wait", "--arg", "retries=3"];
    expect(parseJobArgs("pull", raw)).toEqual({ rev: "abc123", force: true, retries: 3 });
  });

  test("typed as the op's schema wants: a version that looks like a number stays a string", () => {
    const sha = "ab".repeat(32);
    expect(parseJobArgs("update", ["--arg", "version=1.0", "--arg", `sha256=${sha}`])).toEqual({
      version: "1.0",
      sha256: sha,
    });
    // A sha of digits only is still a commit, not a number.
    const commit = "1234567890".repeat(4);
    expect(
      parseJobArgs("deploy", [
        "--arg",
        `commit=${commit}`,
        "--arg",
        "confirmSeconds=30",
        "--arg",
        "test=false",
      ]),
    ).toEqual({ commit, confirmSeconds: 30, test: false });
  });

  test("a value may itself contain '='; a missing key or value is an error", () => {
    expect(parseJobArgs("pull", ["--arg", "flags=a=b"])).toEqual({ flags: "a=b" });
    expect(() => parseJobArgs("pull", ["--arg", "novalue"])).toThrow('--arg takes key=value, got "novalue"');
    expect(() => parseJobArgs("pull", ["--arg"])).toThrow("--arg takes key=value");
  });
});

test("parseLimit accepts positive integers only", () => {
  expect(parseLimit(undefined)).toBeUndefined();
  expect(parseLimit("20")).toBe(20);
  for (const bad of ["0", "-1", "2.5", "ten"])
    expect(() => parseLimit(bad)).toThrow("--limit must be a positive integer");
});

describe("resolveConnection", () => {
  test("flags win over environment, environment over the default", () => {
    expect(resolveConnection({}, { FLEET_TOKEN: "t" })).toMatchObject({ server: DEFAULT_SERVER, token: "t" });
    expect(resolveConnection({}, { FLEET_TOKEN: "t", FLEET_SERVER: "https://fleet.example/" })).toMatchObject(
      {
        server: "https://fleet.example",
      },
    );
    expect(
      resolveConnection({ server: "http://10.0.0.1:9000", token: "flag" }, { FLEET_TOKEN: "env" }),
    ).toMatchObject({
      server: "http://10.0.0.1:9000",
      token: "flag",
    });
  });

  test("no token says where to find it; a bad URL is refused before any request", () => {
    expect(() => resolveConnection({}, {})).toThrow(
      "no admin token: pass --token or set FLEET_TOKEN (the admin token is in <data>/admin-token on the fleetd machine)",
    );
    expect(() => resolveConnection({ server: "fleet.example" }, { FLEET_TOKEN: "t" })).toThrow(
      "--server must be a URL",
    );
    expect(() => resolveConnection({ server: "ftp://x" }, { FLEET_TOKEN: "t" })).toThrow(
      "must be an http(s) URL",
    );
  });
});

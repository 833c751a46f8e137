// After a macOS switch the runner brings up the new agent through launchctl. A stub
// launchctl on PATH records its calls and, like the real one, answers error 5 to a
// bootstrap that comes too soon after bootout.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentConfig } from "../../agent/config.ts";
import { fingerprint, reviveLaunchdAgent } from "../../agent/jobs/after-switch.ts";

const root = mkdtempSync(join(tmpdir(), "fleet-launchd-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STUB = `#!/bin/sh
echo "$*" >> "${root}/calls"
if [ "$1" = bootstrap ] && [ ! -e "${root}/bootstrap-failed-once" ]; then
  touch "${root}/bootstrap-failed-once"
  echo "Bootstrap failed: 5: Input/output error" >&2
  exit 5
fi
exit 0
`;
writeFileSync(join(root, "launchctl"), STUB);
chmodSync(join(root, "launchctl"), 0o755);
process.env.PATH = `${root}:${process.env.PATH}`;

function setup(name: string) {
  const binary = join(root, `${name}-agent`);
  const plist = join(root, `${name}.plist`);
  writeFileSync(binary, "v1");
  writeFileSync(plist, "<plist>v1</plist>");
  rmSync(join(root, "calls"), { force: true });
  const config = AgentConfig.parse({
    server: "http://127.0.0.1:1",
    name: "mac1",
    service: { manager: "launchd", label: "dev.fleet.agent", domain: "gui/501", binary, plist },
  });
  return { config, binary, plist, before: fingerprint(config) };
}

const calls = () => readFileSync(join(root, "calls"), "utf8").trim().split("\n");

describe("reviveLaunchdAgent", () => {
  test("binary changed: exactly one kickstart -k", async () => {
    const { config, binary, before } = setup("bin");
    writeFileSync(binary, "v2");
    await reviveLaunchdAgent(config, before, () => {});
    expect(calls()).toEqual(["kickstart -k gui/501/dev.fleet.agent"]);
  });

  test("plist changed: bootout, then bootstrap retried after error 5", async () => {
    const { config, binary, plist, before } = setup("plist");
    writeFileSync(binary, "v2");
    writeFileSync(plist, "<plist>v2</plist>");
    const said: string[] = [];
    await reviveLaunchdAgent(config, before, (l) => said.push(l));
    expect(calls()).toEqual([
      "bootout gui/501/dev.fleet.agent",
      `bootstrap gui/501 ${plist}`,
      `bootstrap gui/501 ${plist}`,
    ]);
    expect(said.some((l) => l.includes("Input/output error"))).toBe(true);
  });

  test("nothing changed: launchctl is not called", async () => {
    const { config, before } = setup("same");
    await reviveLaunchdAgent(config, before, () => {});
    expect(() => calls()).toThrow();
  });
});

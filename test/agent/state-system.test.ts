// readSystem: under the nix tier, a real profile moved by the switch stand-in (generation N, then
// N+1 with Nix's own store path, a failing build leaving N+1); on any machine, profiles laid out
// as Nix lays them, NixOS's booted-vs-current check on fake roots, and which profile a config means.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AgentConfig } from "../../agent/config.ts";
import {
  homeManagerProfile,
  readNeedsReboot,
  readSystem,
  SYSTEM_PROFILE,
  systemProfileFor,
} from "../../agent/state/system.ts";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import { git, tempDir } from "../harness/index.ts";
import { BUILD_FAILS, createNixConfigRepo, nix, switchWithStandin } from "../harness/nix.ts";

const limits = { timeoutMs: 5_000, killGraceMs: 500 };
const noNix = tierSkipReason("nix");
if (noNix) console.warn(`test/agent/state-system: skipping the real-profile tests: ${noNix}`);

function options(profile: string | null, more: Partial<Parameters<typeof readSystem>[0]> = {}) {
  const logged: string[] = [];
  return { logged, opts: { profile, nixos: false, limits, log: (r: string) => logged.push(r), ...more } };
}

describe.skipIf(Boolean(noNix))("a real profile moved by the switch stand-in", () => {
  test("generation N, then N+1 at Nix's store path; a failing build leaves N+1 active", async () => {
    const repo = createNixConfigRepo({ hosts: ["web1", "web2"] });
    const checkout = join(tempDir("nix-checkout"), "config");
    git(tempDir("clone-cwd"), "clone", "-q", repo.origin, checkout);
    const profile = join(tempDir("profiles"), "system");
    const activated = join(tempDir("activate-log"), "log");
    const outPath = () => nix(checkout, ["nix", "eval", "--raw", `${checkout}#hosts.web1.outPath`]);
    const { opts } = options(profile);

    expect(await readSystem(opts)).toEqual({ system: null, generations: [] });
    const first = switchWithStandin(checkout, "web1", profile, { FLEET_ACTIVATE_LOG: activated });
    expect(first.exitCode).toBe(0);
    const gen1 = await readSystem(opts);
    const path1 = outPath();
    expect(gen1.system).toEqual({ generation: 1, path: path1, needsReboot: null });

    repo.setHostConfig("web1", "web1 v2");
    git(checkout, "pull", "-q");
    expect(switchWithStandin(checkout, "web1", profile, { FLEET_ACTIVATE_LOG: activated }).exitCode).toBe(0);
    const gen2 = await readSystem(opts);
    const path2 = outPath();
    expect(gen2.system).toEqual({ generation: 2, path: path2, needsReboot: null });
    expect(path2).not.toBe(path1);
    expect(gen2.generations.map((g) => [g.generation, g.path])).toEqual([
      [2, path2],
      [1, path1],
    ]);
    // The stand-in ran each new generation's activate script, as a switch does.
    expect(readFileSync(activated, "utf8").trim().split("\n")).toEqual([path1, path2]);

    repo.setHostConfig("web1", `web1 ${BUILD_FAILS}`);
    git(checkout, "pull", "-q");
    const failed = switchWithStandin(checkout, "web1", profile);
    expect({ exitCode: failed.exitCode, says: failed.stderr.includes("asks this build to fail") }).toEqual({
      exitCode: 1,
      says: true,
    });
    expect(await readSystem(opts)).toEqual(gen2);
  });
});

describe("a profile as Nix lays it out", () => {
  function layOut(generations: number[], active: number, name = "system") {
    const dir = tempDir("fake-profiles");
    for (const n of generations) {
      const store = join(dir, `store-${n}`);
      mkdirSync(store);
      symlinkSync(store, join(dir, `${name}-${n}-link`));
    }
    symlinkSync(`${name}-${active}-link`, join(dir, name));
    return { dir, profile: join(dir, name) };
  }

  test("the active generation and its target; other entries ignored; the newest 20 listed", async () => {
    const { dir, profile } = layOut(
      Array.from({ length: 25 }, (_, i) => i + 1),
      7,
    );
    symlinkSync(join(dir, "store-1"), join(dir, "system-x-link"));
    symlinkSync(join(dir, "store-1"), join(dir, "system-99999999-link"));
    symlinkSync(join(dir, "store-1"), join(dir, "other-30-link"));
    const { system, generations } = await readSystem(options(profile).opts);
    expect(system).toEqual({ generation: 7, path: join(dir, "store-7"), needsReboot: null });
    expect(generations.map((g) => g.generation)).toEqual(Array.from({ length: 20 }, (_, i) => 25 - i));
    expect(generations.every((g) => !Number.isNaN(Date.parse(g.at)))).toBe(true);
  });

  test("no profile: the system is not known (null), not generation 0", async () => {
    const missing = join(tempDir("no-profile"), "system");
    expect(await readSystem(options(missing).opts)).toEqual({ system: null, generations: [] });
    expect(await readSystem(options(null).opts)).toEqual({ system: null, generations: [] });
  });
});

describe("needsReboot (NixOS): the booted kernel or initrd is not the current system's", () => {
  function systemRoot(kernel: string, initrd: string) {
    const root = tempDir("system-root");
    const store = tempDir("fake-store");
    for (const [part, name] of [
      ["kernel", kernel],
      ["initrd", initrd],
    ] as const) {
      writeFileSync(join(store, name), name);
      symlinkSync(join(store, name), join(root, part));
    }
    return root;
  }
  const shared = tempDir("shared-store");
  for (const f of ["k1", "i1"]) writeFileSync(join(shared, f), f);
  const linked = () => {
    const root = tempDir("system-root");
    symlinkSync(join(shared, "k1"), join(root, "kernel"));
    symlinkSync(join(shared, "i1"), join(root, "initrd"));
    return root;
  };

  test("same files: false; another kernel or initrd: true; unreadable: null", () => {
    expect(readNeedsReboot(linked(), linked())).toBe(false);
    expect(readNeedsReboot(linked(), systemRoot("k2", "i1"))).toBe(true);
    const otherInitrd = tempDir("system-root");
    symlinkSync(join(shared, "k1"), join(otherInitrd, "kernel"));
    writeFileSync(join(otherInitrd, "i2"), "i2");
    symlinkSync(join(otherInitrd, "i2"), join(otherInitrd, "initrd"));
    expect(readNeedsReboot(linked(), otherInitrd)).toBe(true);
    expect(readNeedsReboot(join(tempDir("nothing"), "booted-system"), linked())).toBeNull();
  });

  test("reported on NixOS only, and even before any profile can be read", async () => {
    const more = { bootedSystem: linked(), currentSystem: systemRoot("k9", "i9") };
    const missing = join(tempDir("no-profile"), "system");
    expect((await readSystem(options(missing, { ...more, nixos: true }).opts)).system).toEqual({
      generation: null,
      path: null,
      needsReboot: true,
    });
    expect((await readSystem(options(missing, { ...more, nixos: false }).opts)).system).toBeNull();
  });
});

describe("which profile a config means", () => {
  const config = (extra: object) => AgentConfig.parse({ server: "http://fleet.test", name: "h", ...extra });

  test("the switch command's: nixos-rebuild and darwin-rebuild the system profile, home-manager its own", () => {
    expect(systemProfileFor(config({ switch: ["nixos-rebuild", "switch"] }), "linux")).toBe(SYSTEM_PROFILE);
    expect(
      systemProfileFor(config({ switch: ["/run/current-system/sw/bin/darwin-rebuild"] }), "darwin"),
    ).toBe(SYSTEM_PROFILE);
    expect(systemProfileFor(config({ switch: ["home-manager", "switch"] }), "linux")).toBe(
      homeManagerProfile(),
    );
    // No switch in config.json: the platform's default switch decides (home-manager on macOS).
    expect(systemProfileFor(config({}), "darwin")).toBe(homeManagerProfile());
  });

  test("system.profile wins; a switch of the operator's own has no profile", () => {
    expect(
      systemProfileFor(config({ switch: ["nixos-rebuild"], system: { profile: "/p/x" } }), "linux"),
    ).toBe("/p/x");
    expect(systemProfileFor(config({ switch: ["/srv/bin/apply"] }), "darwin")).toBeNull();
  });

  test("home-manager: the XDG profile, else the per-user one when only that exists", () => {
    const stateHome = tempDir("state-home");
    const perUser = join(tempDir("per-user"), "home-manager");
    const xdg = join(stateHome, "nix", "profiles", "home-manager");
    expect(homeManagerProfile(stateHome, perUser)).toBe(xdg);
    symlinkSync("home-manager-3-link", perUser);
    symlinkSync(tempDir("hm-store"), `${perUser}-3-link`);
    expect(homeManagerProfile(stateHome, perUser)).toBe(perUser);
    mkdirSync(join(stateHome, "nix", "profiles"), { recursive: true });
    symlinkSync(tempDir("hm-store"), xdg);
    expect(homeManagerProfile(stateHome, perUser)).toBe(xdg);
  });

  test("tags: short lowercase names, at most 32, none twice", () => {
    expect(config({ tags: ["web", "eu-1", "db.primary"] }).tags).toEqual(["web", "eu-1", "db.primary"]);
    expect(config({}).tags).toEqual([]);
    for (const bad of [
      ["Web"],
      ["has space"],
      ["x".repeat(33)],
      [""],
      ["web", "web"],
      Array.from({ length: 33 }, (_, i) => `t${i}`),
    ]) {
      expect(AgentConfig.safeParse({ server: "http://fleet.test", name: "h", tags: bad }).success).toBe(
        false,
      );
    }
  });
});

// What each host runs of its config, end to end under real Nix: fleetd reading a bare config repo
// (--config-repo) and three compiled agents whose checkouts are clones of it and whose switch is
// the stand-in (nix build, nix-env --set on a profile of their own), so every commit, lockHash,
// store path and generation below is git's and Nix's own. Everything is read back through
// `fleetctl hosts --json`, polled with a deadline until the agent's report arrives, and the
// board in a real Chromium, signed in with the admin token, is read for the same states.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import { hostRow, launchBrowser, screenshot, shownHosts } from "../browser/browser.ts";
import {
  BUILD_FAILS,
  createNixConfigRepo,
  ensureBinaries,
  git,
  NIX_TEST_CONFIG,
  nix,
  nixEnv,
  SWITCH_STANDIN,
  TestFleet,
  tempDir,
  waitFor,
  writeExecutable,
} from "../harness/index.ts";

const noNix = tierSkipReason("nix");
if (noNix) console.warn(`test/e2e/config-state: skipping the config state under real Nix: ${noNix}`);
const noBrowser = noNix ? null : tierSkipReason("browser");
if (noBrowser) console.warn(`test/e2e/config-state: the board is not read in Chromium: ${noBrowser}`);

const HOSTS = ["web1", "web2", "web3"];
/** fleetd's ls-remote interval for this fleet (FLEET_LIMITS), short so a push shows within seconds. */
const CONFIG_REFRESH_SECONDS = 2;
/** The agents read their state this often: what notices a hand edit without any job. */
const STATE_INTERVAL_SECONDS = 2;
/** How long a state the agent just read may take to show in fleetctl hosts. */
const REPORTED_WITHIN_MS = 15_000;

type Host = {
  name: string;
  config: { commit: string | null; state: string; behindBy: number | null; lockHash: string | null } & Record<
    string,
    unknown
  >;
  system: { generation: number | null; path: string | null } | null;
};

let fleet: TestFleet;
/** One Chromium for the file; the board's page is opened once, after the first push. */
let browser: BrowserContext | null = null;
let page: Page | null = null;
const repo = noNix ? null : createNixConfigRepo({ hosts: HOSTS, inputs: ["dep"] });
const root = tempDir("config-state");
const forge = join(root, "forge.git");
const checkout = (host: string) => join(root, `checkout-${host}`);
const profile = (host: string) => join(root, "profiles", host, "system");

/** Commits in the operator's clone and pushes to the forge fleetd reads; returns the new head. */
function push(): string {
  git(repo!.origin, "push", "-q", "forge", "main");
  return repo!.head();
}

async function hosts(): Promise<Record<string, Host>> {
  const { hosts } = await fleet.fleetctlJson<{ hosts: Host[] }>(["hosts"]);
  return Object.fromEntries(hosts.map((h) => [h.name, h]));
}

/** Polls fleetctl hosts --json until `check` holds for the hosts (by name), within `timeoutMs`. */
function until(
  what: string,
  check: (hosts: Record<string, Host>) => boolean,
  timeoutMs = REPORTED_WITHIN_MS,
): Promise<Record<string, Host>> {
  return waitFor(
    async () => {
      const all = await hosts();
      return check(all) && all;
    },
    { what, timeoutMs, intervalMs: 250 },
  );
}

/** Opens the board and signs in with the admin token in the form, as an operator does. */
async function openBoard(): Promise<void> {
  page = await browser!.newPage();
  await page.goto(fleet.url);
  await page.getByLabel("Token", { exact: true }).fill(fleet.adminToken);
  await page.getByRole("button", { name: "Show the board" }).click();
}

/** Each host's Config dot label on the board, by name; null while its row is not shown. */
async function boardConfig(): Promise<Record<string, string | null>> {
  const labels: Record<string, string | null> = {};
  for (const host of HOSTS) {
    const dot = hostRow(page!, host).locator('.dot[data-compartment="config"]');
    labels[host] =
      (await dot.evaluateAll((els) => els.map((el) => el.getAttribute("aria-label"))))[0] ?? null;
  }
  return labels;
}

/**
 * Reads the board until `check` holds for every host's Config dot label, within `timeoutMs`;
 * a miss throws with the labels, so a timeout says what the board showed last.
 */
function untilBoard(
  what: string,
  check: (labels: Record<string, string | null>) => boolean,
  timeoutMs = REPORTED_WITHIN_MS,
): Promise<Record<string, string | null>> {
  return waitFor(
    async () => {
      const labels = await boardConfig();
      if (!check(labels)) throw new Error(`board shows ${JSON.stringify(labels)}`);
      return labels;
    },
    { what: `${what} on the board`, timeoutMs, intervalMs: 250 },
  );
}

async function run(args: string[]): Promise<{ code: number; state: string }> {
  const r = await fleet.fleetctl(["run", ...args, "--wait", "--json"]);
  const job = JSON.parse(r.stdout).jobs?.[0];
  lastJobId = job?.id ?? null;
  return { code: r.code, state: job?.state ?? `(no job: ${r.stderr})` };
}
let lastJobId: string | null = null;

/** The agent's own lines in the output of the job `run` started last. */
async function agentLines(): Promise<string[]> {
  const job = await fleet.fleetctlJson<{ output: { stream: string; data: string }[] }>(["job", lastJobId!]);
  return job.output.filter((l) => l.stream === "agent").map((l) => l.data);
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe.skipIf(Boolean(noNix))("config state under real Nix", () => {
  beforeAll(async () => {
    const bins = await ensureBinaries();
    for (const host of HOSTS) {
      mkdirSync(join(repo!.origin, "hosts", host, "tests"));
      writeExecutable(join(repo!.origin, "hosts", host, "tests", "T01-built.sh"), "exit 0");
    }
    git(repo!.origin, "add", ".");
    git(repo!.origin, "commit", "-qm", "tests for every host");
    git(root, "clone", "-q", "--bare", repo!.origin, forge);
    git(repo!.origin, "remote", "add", "forge", forge);
    fleet = await TestFleet.start(bins, ["--config-repo", forge], {
      FLEET_LIMITS: JSON.stringify({ configRefreshSeconds: CONFIG_REFRESH_SECONDS }),
    });
    const env = nixEnv();
    for (const host of HOSTS) {
      git(root, "clone", "-q", forge, checkout(host));
      await fleet.addAgent(host, {
        config: {
          repo: { dir: checkout(host), url: forge, branch: "main" },
          switch: [SWITCH_STANDIN, "{repo}", "{host}", profile(host)],
          system: { profile: profile(host) },
          stateIntervalSeconds: STATE_INTERVAL_SECONDS,
          tags: ["web", host],
        },
        env: { NIX_CONFIG: NIX_TEST_CONFIG, HOME: env.HOME!, XDG_CACHE_HOME: env.XDG_CACHE_HOME! },
      });
    }
    if (!noBrowser) browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await fleet?.stop();
  }, 30_000);

  test("every host reports its checkout and tags in hello: at the target, not switched yet", async () => {
    const head = repo!.head();
    const all = await until("three hosts pulled at the target", (all) =>
      HOSTS.every((h) => all[h]?.config.state === "pulled"),
    );
    for (const host of HOSTS) {
      expect(all[host]!.config).toMatchObject({ commit: head, behindBy: 0, dirty: false, builtFrom: null });
      expect(all[host]!.config.lockHash).toBe(sha256(join(checkout(host), "flake.lock")));
      expect(all[host]!.system).toBeNull();
      expect((all[host] as unknown as { tags: string[] }).tags).toEqual(["web", host]);
    }
  });

  test("switch and test bring every host to current, each on its first generation", async () => {
    expect((await run(["switch", "--all"])).code).toBe(0);
    expect((await run(["test", "--all"])).code).toBe(0);
    const all = await until("three hosts current", (all) =>
      HOSTS.every((h) => all[h]?.config.state === "current"),
    );
    for (const host of HOSTS) {
      expect(all[host]!.system).toMatchObject({ generation: 1 });
      expect(all[host]!.system!.path).toStartWith("/nix/store/");
      expect(all[host]!.config.builtFrom).toBe(repo!.head());
    }
  });

  test("a pushed commit puts every host behind by 1 within configRefreshSeconds + 5 s", async () => {
    const deadlineMs = (CONFIG_REFRESH_SECONDS + 5) * 1000;
    repo!.setHostConfig("web1", "web1 v2");
    const pushedAt = performance.now();
    const head = push();
    // fleetctl and the board are read side by side, each against the same deadline from the push.
    const onBoard = noBrowser
      ? Promise.resolve(null)
      : openBoard().then(() =>
          untilBoard(
            "every host behind by 1",
            (labels) => HOSTS.every((h) => labels[h]?.startsWith("Config: behind, 1 commit behind")),
            deadlineMs,
          ),
        );
    const [all, labels] = await Promise.all([
      until(
        "every host behind by 1",
        (all) => HOSTS.every((h) => all[h]?.config.state === "behind" && all[h]?.config.behindBy === 1),
        deadlineMs,
      ),
      onBoard,
    ]);
    expect(performance.now() - pushedAt).toBeLessThan(deadlineMs);
    const { target } = await fleet.fleetctlJson<{ target: { commit: string; source: string } }>(["hosts"]);
    expect(target).toMatchObject({ commit: head, source: "repo" });
    expect(all.web1!.config.commit).not.toBe(head);
    if (labels) {
      for (const host of HOSTS) expect(labels[host]).toContain(`against target ${head.slice(0, 7)}`);
      expect(await hostRow(page!, "web1").locator(".config-words").textContent()).toBe("behind 1");
      expect(await shownHosts(page!)).toHaveLength(HOSTS.length);
      await screenshot(page!, "config-state-behind");
    }
  });

  test("pull → pulled; switch → untested on generation N+1 built from the new commit; test → current", async () => {
    const head = repo!.head();
    const before = (await hosts()).web1!.system!;
    expect(await run(["pull", "web1"])).toEqual({ code: 0, state: "succeeded" });
    let all = await until("web1 pulled", (all) => all.web1?.config.state === "pulled");
    expect(all.web1!.config).toMatchObject({ commit: head, behindBy: 0 });
    expect(all.web2!.config.state).toBe("behind");

    expect(await run(["switch", "web1"])).toEqual({ code: 0, state: "succeeded" });
    expect(await agentLines()).toContain(
      `recorded switch: generation ${before.generation! + 1} from ${head.slice(0, 12)}`,
    );
    all = await until("web1 untested", (all) => all.web1?.config.state === "untested");
    expect(all.web1!.system!.generation).toBe(before.generation! + 1);
    expect(all.web1!.system!.path).not.toBe(before.path);
    expect(all.web1!.config.builtFrom).toBe(head);
    const detail = await fleet.api<{ state: { generations: { generation: number; commit: string }[] } }>(
      "GET",
      `/api/v1/hosts/${(all.web1 as unknown as { id: string }).id}`,
    );
    expect(detail.state.generations.slice(0, 2)).toMatchObject([
      { generation: before.generation! + 1, commit: head },
      { generation: before.generation! },
    ]);

    expect(await run(["test", "web1"])).toEqual({ code: 0, state: "succeeded" });
    await until("web1 current", (all) => all.web1?.config.state === "current");
    if (!noBrowser) {
      const labels = await untilBoard("web1 current", (labels) =>
        Boolean(labels.web1?.startsWith("Config: current")),
      );
      expect(labels.web1).toContain(`checkout ${head.slice(0, 7)} against target ${head.slice(0, 7)}`);
      for (const host of ["web2", "web3"])
        expect(labels[host]).toStartWith("Config: behind, 1 commit behind");
    }
  });

  test("an uncommitted edit of a tracked file makes that host dirty, with no job run", async () => {
    const file = join(checkout("web2"), "hosts", "web2", "config.txt");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, "web2 edited by hand\n");
    await until("web2 dirty", (all) => all.web2?.config.state === "dirty" && all.web2.config.dirty === true);
    writeFileSync(file, original);
    await until("web2 behind again", (all) => all.web2?.config.state === "behind");
  });

  test("a commit that updates a flake input changes the host's lockHash once pulled", async () => {
    const before = (await hosts()).web1!.config.lockHash;
    repo!.bumpInput("dep", "v2");
    nix(repo!.origin, ["nix", "flake", "lock", "--update-input", "dep"]);
    git(repo!.origin, "commit", "-qam", "dep v2");
    const head = push();
    await until("web1 behind the lock update", (all) => all.web1?.config.state === "behind");
    expect((await run(["pull", "web1"])).code).toBe(0);
    const all = await until("web1 pulled the lock update", (all) => all.web1?.config.commit === head);
    expect(all.web1!.config.lockHash).not.toBe(before);
    expect(all.web1!.config.lockHash).toBe(sha256(join(repo!.origin, "flake.lock")));
    expect(all.web1!.config.state).toBe("pulled");
  });

  test("a switch that fails to build → failed, the generation unchanged", async () => {
    const before = (await hosts()).web3!;
    repo!.setHostConfig("web3", `web3 ${BUILD_FAILS}`);
    const head = push();
    expect((await run(["pull", "web3"])).code).toBe(0);
    await until("web3 pulled the broken config", (all) => all.web3?.config.commit === head);
    const switched = await run(["switch", "web3"]);
    expect(switched.state).toBe("failed");
    expect(switched.code).not.toBe(0);
    expect(await agentLines()).toContain(`recorded failed switch: generation ${before.system!.generation}`);
    const all = await until("web3 failed", (all) => all.web3?.config.state === "failed");
    expect(all.web3!.system).toEqual(before.system);
    expect(all.web3!.config.builtFrom).toBe(before.config.builtFrom);
  });

  test("no agent failed to read, send or record its config state along the way", () => {
    for (const agent of fleet.agents) {
      const trouble = agent.log.filter((l) =>
        /config state|refused this host's config state|answered state report|reach fleetd \(state report\)/.test(
          l,
        ),
      );
      expect(trouble).toEqual([]);
    }
  });
});

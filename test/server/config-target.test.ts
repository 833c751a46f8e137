// The config target against a real git repo as --config-repo (a local path): read with
// ls-remote, a push and a refresh move it, behindBy comes from the mirror, a pin overrides it and
// survives a restart, and a repo that cannot be read keeps the last target under a condition.
import { afterEach, expect, test } from "bun:test";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MIRROR_DIR_NAME } from "../../server/services/config/mirror.ts";
import {
  enroll,
  helloBody,
  hostStateBody,
  removeTempDirs,
  startTestApp,
  type TestApp,
  tempDir,
} from "./helpers.ts";

let apps: TestApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  removeTempDirs();
});

function git(cwd: string, ...args: string[]): string {
  const run = Bun.spawnSync(["git", ...args], {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.test",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.test",
    },
  });
  if (run.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr.toString()}`);
  return run.stdout.toString().trim();
}

/** A bare "forge" repo and a working clone that pushes to it. */
function configRepo() {
  const root = tempDir("fleet-config-repo-");
  const forge = join(root, "forge.git");
  const work = join(root, "work");
  git(root, "init", "--quiet", "--bare", "--initial-branch=main", forge);
  git(root, "clone", "--quiet", forge, work);
  git(work, "checkout", "--quiet", "-b", "main");
  const commit = (subject: string) => {
    writeFileSync(join(work, "flake.nix"), `# ${subject}\n`);
    git(work, "add", "flake.nix");
    git(work, "commit", "--quiet", "-m", subject);
    git(work, "push", "--quiet", "origin", "main");
    return git(work, "rev-parse", "HEAD");
  };
  return { root, forge, commit };
}

async function start(forge: string, dataDir = tempDir()) {
  const app = await startTestApp(
    { configRepo: forge, configBranch: "main", configRefreshSeconds: 3600 },
    dataDir,
  );
  apps.push(app);
  return app;
}

const admin = (app: TestApp) => ({ token: app.adminToken });

test("the branch head is the target; a push and a refresh put a host behind by 1", async () => {
  const repo = configRepo();
  const first = repo.commit("hosts: web1");
  const app = await start(repo.forge);
  const web1 = await enroll(app, "web1");
  await app.call("POST", "/api/v1/agent/state", { token: web1.hostToken, json: hostStateBody(first) });

  const read = await app.call("POST", "/api/v1/config/refresh", admin(app));
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({
    target: { commit: first, source: "repo", subject: "hosts: web1" },
    repo: { url: repo.forge, branch: "main" },
    pin: null,
    error: null,
  });
  expect(existsSync(join(app.dataDir, MIRROR_DIR_NAME))).toBe(true);
  let list = await app.call("GET", "/api/v1/hosts", admin(app));
  expect(list.body.hosts[0].config).toMatchObject({ state: "current", behindBy: 0 });

  const second = repo.commit("hosts: web1 gets nginx");
  // Until fleetd reads the repo again, nothing moves.
  list = await app.call("GET", "/api/v1/hosts", admin(app));
  expect(list.body.target.commit).toBe(first);
  await app.call("POST", "/api/v1/config/refresh", admin(app));
  list = await app.call("GET", "/api/v1/hosts", admin(app));
  expect(list.body.target).toMatchObject({
    commit: second,
    source: "repo",
    subject: "hosts: web1 gets nginx",
  });
  expect(list.body.hosts[0].config).toMatchObject({ commit: first, state: "behind", behindBy: 1 });

  // A commit the mirror never saw cannot be counted.
  const stranger = "9".repeat(40);
  await app.call("POST", "/api/v1/agent/state", { token: web1.hostToken, json: hostStateBody(stranger) });
  list = await app.call("GET", "/api/v1/hosts", admin(app));
  expect(list.body.hosts[0].config).toMatchObject({ commit: stranger, state: "behind", behindBy: null });
});

test("the timer reads the repo every configRefreshSeconds", async () => {
  const repo = configRepo();
  const first = repo.commit("one");
  const app = await startTestApp({ configRepo: repo.forge, configRefreshSeconds: 0.2 });
  apps.push(app);
  const target = async () => (await app.call("GET", "/api/v1/config/target", admin(app))).body.target?.commit;
  await waitUntil(async () => (await target()) === first);
  const second = repo.commit("two");
  await waitUntil(async () => (await target()) === second);
});

test("a pin overrides the repo, is audited and survives a restart; unpin goes back to the repo", async () => {
  const repo = configRepo();
  const first = repo.commit("one");
  const second = repo.commit("two");
  const dataDir = tempDir();
  let app = await start(repo.forge, dataDir);
  const web1 = await enroll(app, "web1");
  await app.call("POST", "/api/v1/agent/state", { token: web1.hostToken, json: hostStateBody(first) });
  await app.call("POST", "/api/v1/config/refresh", admin(app));

  const unknown = await app.call("POST", "/api/v1/config/target/pin", {
    ...admin(app),
    json: { commit: "7".repeat(40) },
  });
  expect(unknown.status).toBe(400);
  expect(app.fleet.ctx.store.getConfigPin()).toBeNull();

  const pinned = await app.call("POST", "/api/v1/config/target/pin", {
    ...admin(app),
    json: { commit: first },
  });
  expect(pinned.status).toBe(200);
  expect(pinned.body.target).toMatchObject({ commit: first, source: "pin", subject: "one" });
  let list = await app.call("GET", "/api/v1/hosts", admin(app));
  expect(list.body.hosts[0].config.state).toBe("current");

  await app.close();
  apps = apps.filter((a) => a !== app);
  app = await start(repo.forge, dataDir);
  await app.call("POST", "/api/v1/config/refresh", admin(app));
  const after = await app.call("GET", "/api/v1/config/target", admin(app));
  expect(after.body.target).toMatchObject({ commit: first, source: "pin" });
  expect(after.body.pin.commit).toBe(first);

  const unpinned = await app.call("POST", "/api/v1/config/target/unpin", admin(app));
  expect(unpinned.body.target).toMatchObject({ commit: second, source: "repo" });
  list = await app.call("GET", "/api/v1/hosts", admin(app));
  expect(list.body.hosts[0].config).toMatchObject({ state: "behind", behindBy: 1 });
  const audit = await app.call("GET", "/api/v1/audit?action=config.target_pinned", admin(app));
  expect(audit.body.entries).toMatchObject([{ actor: "admin", details: { commit: first } }]);
  const unpinAudit = await app.call("GET", "/api/v1/audit?action=config.target_unpinned", admin(app));
  expect(unpinAudit.body.entries).toHaveLength(1);
});

test("a repo that cannot be read keeps the last target, under a condition, and fleetd keeps serving", async () => {
  const repo = configRepo();
  const first = repo.commit("one");
  const app = await start(repo.forge);
  await app.call("POST", "/api/v1/config/refresh", admin(app));
  renameSync(repo.forge, `${repo.forge}.away`);

  const failed = await app.call("POST", "/api/v1/config/refresh", admin(app));
  expect(failed.status).toBe(200);
  expect(failed.body.target.commit).toBe(first);
  expect(failed.body.error).toContain("ls-remote");
  const health = await app.call("GET", "/api/v1/health");
  expect(health.body.conditions).toMatchObject([{ code: "config_repo_unreachable" }]);
  expect(JSON.stringify(health.body)).not.toContain(repo.forge);
  const web1 = await enroll(app, "web1");
  expect(
    (await app.call("POST", "/api/v1/agent/hello", { token: web1.hostToken, json: helloBody() })).status,
  ).toBe(200);

  renameSync(`${repo.forge}.away`, repo.forge);
  const back = await app.call("POST", "/api/v1/config/refresh", admin(app));
  expect(back.body.error).toBeNull();
  expect((await app.call("GET", "/api/v1/health")).body.conditions ?? []).toEqual([]);
});

test("a repo unreadable from the start: no target from it, the hosts' fetches stand in", async () => {
  const app = await start(join(tempDir(), "no-such-repo.git"));
  const web1 = await enroll(app, "web1");
  const sha = "5".repeat(40);
  await app.call("POST", "/api/v1/agent/state", { token: web1.hostToken, json: hostStateBody(sha) });
  const read = await app.call("POST", "/api/v1/config/refresh", admin(app));
  expect(read.body.error).toBeTruthy();
  expect(read.body.target).toMatchObject({ commit: sha, source: "hosts" });
});

test("credentials in the repo URL are never shown", async () => {
  const app = await start("https://oauth2:sekrit-token@forge.invalid/fleet/config.git");
  const target = await app.call("GET", "/api/v1/config/target", admin(app));
  expect(target.body.repo.url).toBe("https://***@forge.invalid/fleet/config.git");
  const read = await app.call("POST", "/api/v1/config/refresh", admin(app));
  expect(JSON.stringify(read.body)).not.toContain("sekrit");
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await Bun.sleep(50);
  }
  throw new Error("timed out");
}

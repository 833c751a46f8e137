// The Debian root file system the system tests boot: debootstrap'ed once per recipe and
// cached outside the repo (/var/cache/fleet-test/rootfs-<hash of the recipe>), so later runs
// on the same machine reuse it and a fresh CI machine builds it in about a minute and a half.
// Containers boot it with --volatile=overlay: every boot starts from the pristine tree and
// nothing a test does is written back. Built under flock(1), so concurrent runs wait for
// one build instead of racing two.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const CACHE_DIR = process.env.FLEET_TEST_CACHE ?? "/var/cache/fleet-test";
/** debootstrap fetches ~50 MB and unpacks ~250 MB; well under this on any CI network. */
export const ROOTFS_BUILD_TIMEOUT_MS = 8 * 60_000;
const DEFAULT_MIRROR = "http://deb.debian.org/debian";
const COMPLETE = ".fleet-rootfs-complete";

export interface RootfsRecipe {
  suite: string;
  variant: string;
  include: string[];
  revision: number;
}

/** What goes into the system tier's tree; any change to it is a new cache entry. */
export function rootfsRecipe(): RootfsRecipe {
  return {
    suite: _hostSuite() ?? "bookworm",
    variant: "minbase",
    // systemd as PID 1 with D-Bus (systemd-run talks to it), curl for `curl | sh`, git for the
    // config checkout a deploy pulls.
    include: ["systemd", "systemd-sysv", "dbus", "curl", "ca-certificates", "git"],
    // The recipe's own version: bump it when the post-install steps below change.
    revision: 1,
  };
}

export function rootfsPath(recipe: RootfsRecipe = rootfsRecipe()): string {
  const key = createHash("sha256").update(JSON.stringify(recipe)).digest("hex").slice(0, 12);
  return join(CACHE_DIR, `rootfs-${key}`);
}

export function rootfsReady(dir = rootfsPath()): boolean {
  return existsSync(join(dir, COMPLETE));
}

/** Returns the cached tree, building it first if needed; throws with debootstrap's log tail on failure. */
export async function ensureRootfs(
  log: (line: string) => void = () => {},
  recipe: RootfsRecipe = rootfsRecipe(),
): Promise<string> {
  const dir = rootfsPath(recipe);
  if (rootfsReady(dir)) return dir;
  mkdirSync(CACHE_DIR, { recursive: true });
  const mirror = aptMirror();
  const logFile = `${dir}.log`;
  log(`building the rootfs ${dir} (debootstrap ${recipe.suite} from ${mirror}); log: ${logFile}`);
  const started = performance.now();
  // Built next to its final place and renamed in, so a half-built tree is never taken for a cache hit.
  const script = `
    set -eu
    [ -e "$DIR/${COMPLETE}" ] && exit 0
    rm -rf "$DIR.tmp" "$DIR"
    debootstrap --variant="$VARIANT" --include="$INCLUDE" "$SUITE" "$DIR.tmp" "$MIRROR" >"$LOG" 2>&1
    # A container needs no console logins; and an empty machine-id lets each boot make its own.
    rm -f "$DIR.tmp/etc/machine-id" && : > "$DIR.tmp/etc/machine-id"
    ln -sf /dev/null "$DIR.tmp/etc/systemd/system/console-getty.service"
    ln -sf /dev/null "$DIR.tmp/etc/systemd/system/getty@.service"
    touch "$DIR.tmp/${COMPLETE}"
    mv "$DIR.tmp" "$DIR"
  `;
  const proc = Bun.spawn(["flock", `${dir}.lock`, "sh", "-c", script], {
    env: {
      ...process.env,
      DIR: dir,
      LOG: logFile,
      SUITE: recipe.suite,
      VARIANT: recipe.variant,
      INCLUDE: recipe.include.join(","),
      MIRROR: mirror,
    },
    stdout: "pipe",
    stderr: "pipe",
    timeout: ROOTFS_BUILD_TIMEOUT_MS,
  });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0 || !rootfsReady(dir)) {
    const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n") : "";
    throw new Error(`building the rootfs failed (exit ${code}): ${stderr}\n${tail}`);
  }
  log(`rootfs ready in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return dir;
}

/** The Debian mirror this machine's apt uses (so debootstrap reaches what apt reaches). */
export function aptMirror(): string {
  const sources = ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"];
  for (const file of sources) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    // deb822: "URIs: http://deb.debian.org/debian" in a stanza whose Suites are not -security.
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1] ?? "";
      if (uri && !/security/.test(suites) && !/^#/.test(uri)) return uri.replace(/\/+$/, "");
    }
    // one-line format: "deb [opts] http://deb.debian.org/debian bookworm main"
    for (const line of text.split("\n")) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
      if (m?.[1] && !/security/.test(m[2] ?? "")) return m[1].replace(/\/+$/, "");
    }
  }
  return DEFAULT_MIRROR;
}

function _hostSuite(): string | undefined {
  try {
    const osRelease = readFileSync("/etc/os-release", "utf8");
    if (!/^ID=debian$/m.test(osRelease)) return undefined;
    return /^VERSION_CODENAME=(\S+)$/m.exec(osRelease)?.[1];
  } catch {
    return undefined;
  }
}

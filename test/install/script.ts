// Running install.sh on this machine without letting it touch this machine: PATH stubs for
// uname, id and launchctl make it believe it is on another OS or user, and a macOS LaunchAgent
// install keeps everything under $HOME, which the tests point at a temp dir. The script is
// piped to `sh -s --` exactly as `curl … | sh -s -- …` does.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type RunResult, runToEnd, tempDir } from "../harness/index.ts";

export interface FakeHost {
  /** `uname -s` / `uname -m` answers, e.g. "Darwin" / "arm64". */
  os?: string;
  machine?: string;
  uid?: number;
  user?: string;
  home?: string;
}

/** A stub dir for PATH; launchctl emulates one job well enough for install.sh (see below). */
export function makeStubs(): { dir: string; launchd: string } {
  const dir = tempDir("install-stubs");
  const launchd = join(dir, "launchd");
  mkdirSync(launchd);
  _exe(
    join(dir, "uname"),
    `case "$1" in -s) echo "$FAKE_UNAME_S" ;; -m) echo "$FAKE_UNAME_M" ;; *) exec /bin/uname "$@" ;; esac`,
  );
  _exe(
    join(dir, "id"),
    `case "$1" in -u) echo "$FAKE_UID" ;; -un) echo "$FAKE_USER" ;; *) exec /usr/bin/id "$@" ;; esac`,
  );
  _exe(join(dir, "launchctl"), LAUNCHCTL_STUB);
  return { dir, launchd };
}

/**
 * launchctl for one job: records every call in $FAKE_LAUNCHD/calls; bootstrap starts the
 * plist's ProgramArguments in the background (pid in $FAKE_LAUNCHD/pid) and fails like
 * launchd while the job is still loaded; bootout stops it; kickstart -k restarts it; print
 * succeeds while it is loaded.
 */
const LAUNCHCTL_STUB = `
state=$FAKE_LAUNCHD
echo "$*" >> "$state/calls"
running() { [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; }
start() {
  args=$(sed -n '/<key>ProgramArguments<\\/key>/,/<\\/array>/s/.*<string>\\(.*\\)<\\/string>.*/\\1/p' "$1")
  out=$(sed -n '/<key>StandardOutPath<\\/key>/{n;s/.*<string>\\(.*\\)<\\/string>.*/\\1/p;}' "$1")
  old_ifs=$IFS; IFS='
'; set -- $args; IFS=$old_ifs
  PATH=/usr/bin:/bin nohup "$@" >>"$out" 2>&1 </dev/null &
  echo $! > "$state/pid"
}
stop() {
  if running; then kill "$(cat "$state/pid")"; while running; do sleep 0.1; done; fi
  rm -f "$state/pid"
}
case $1 in
  bootstrap)
    [ -f "$state/loaded" ] && { echo "Bootstrap failed: 5: Input/output error" >&2; exit 5; }
    cp "$3" "$state/loaded"; start "$3" ;;
  bootout)
    [ -f "$state/loaded" ] || { echo "Boot-out failed: 3: No such process" >&2; exit 3; }
    stop; rm -f "$state/loaded" ;;
  print) [ -f "$state/loaded" ] || exit 113 ;;
  kickstart) stop; start "$state/loaded" ;;
  enable) ;;
  *) echo "launchctl stub: unsupported: $*" >&2; exit 64 ;;
esac
`;

function _exe(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

/** `sh -s -- args` with the script on stdin, as a fakeHost. */
export async function runInstall(
  script: string,
  args: string[],
  stubs: { dir: string; launchd: string },
  host: FakeHost = {},
): Promise<RunResult> {
  const env = {
    PATH: `${stubs.dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: host.home ?? tempDir("install-home"),
    FAKE_UNAME_S: host.os ?? "Linux",
    FAKE_UNAME_M: host.machine ?? "x86_64",
    FAKE_UID: String(host.uid ?? 0),
    FAKE_USER: host.user ?? "root",
    FAKE_LAUNCHD: stubs.launchd,
    FLEET_INSTALL_WAIT_SECONDS: "30",
  };
  return runToEnd(["sh", "-s", "--", ...args], env, { clean: true, stdin: script });
}

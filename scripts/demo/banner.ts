// What the demo prints once the fleet is up: the board, the environment to paste into another
// shell, and commands worth trying. The demo test reads the `export` lines back, so they stay
// one variable per line in exactly this form.

import { REPLICA_LAG_FILE } from "./config-repo.ts";

export interface BannerInfo {
  url: string;
  adminToken: string;
  /** The board's read-only token, carried in the printed link's fragment. */
  boardToken: string;
  /** Directory with a `fleetctl` of the same build as fleetd. */
  binDir: string;
  root: string;
  version: string;
  olderVersion: string;
}

export function renderBanner(info: BannerInfo): string {
  return `
Fleet demo is running: fleetd ${info.version} and five agents on this machine.

  Board:  ${info.url}/#token=${info.boardToken}
          (read-only; for its buttons, Admin… takes the FLEET_TOKEN below)

In another shell, paste:

  export FLEET_SERVER=${info.url}
  export FLEET_TOKEN=${info.adminToken}
  export PATH="${info.binDir}:$PATH"

Then try:

  fleetctl hosts                   # five hosts; nas runs agent ${info.olderVersion} (outdated)
  fleetctl update --all --wait     # rolling update: canary first, nas ends on ${info.version}
  fleetctl run test db1 --wait     # db1 has a failing test; the board shows it red
  fleetctl alerts                  # fleetd raised job_failed on db1, saying what to do
  echo 5 > ${info.root}/${REPLICA_LAG_FILE}
  fleetctl run test db1 --wait     # db1's replica caught up: the test passes, the alert resolves
  fleetctl run switch --all --wait # a (pretend) switch on every host, with a progress bar
  fleetctl doctor                  # reachability, token, clock skew, version match
  fleetctl --help

Demo files (data dir, agent state, logs) are in ${info.root}
Ctrl-C stops fleetd, the agents and every job they started, and removes that directory.
`;
}

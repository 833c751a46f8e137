// Arguments every agent command takes.
import { resolveStateDir, type StatePaths, statePaths } from "../paths.ts";

export const stateDirArg = {
  "state-dir": {
    type: "string",
    description: "state directory (env FLEET_STATE_DIR; default per platform)",
  },
} as const;

export function pathsFrom(args: { "state-dir"?: string }): StatePaths {
  return statePaths(resolveStateDir(args["state-dir"]));
}

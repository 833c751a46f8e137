// Hard-links a file where it can (no 100 MB copy per agent binary) and copies it where it cannot:
// a link across file systems fails with EXDEV, and a tmpfs /tmp (Debian 13's default) is one.
import { copyFileSync, linkSync } from "node:fs";

export function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // EPERM: some file systems (and some container mounts) refuse hard links altogether.
    if (code !== "EXDEV" && code !== "EPERM" && code !== "EMLINK") throw err;
    copyFileSync(from, to);
  }
}

// Single instance per state dir. The lock is an flock(2) on a file, so the kernel
// releases it when the holder dies, even by SIGKILL: no stale lock, no pid guessing,
// nobody is ever killed to take it. The holder's pid is written into the file only so
// that the loser can name it.
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";

const LOCK_EX = 2;
const LOCK_NB = 4;

let _flock: ((fd: number, op: number) => number) | undefined;

function _loadFlock(): (fd: number, op: number) => number {
  if (_flock) return _flock;
  const libc = process.platform === "darwin" ? "libc.dylib" : "libc.so.6";
  const lib = dlopen(libc, { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
  _flock = (fd, op) => lib.symbols.flock(fd, op);
  return _flock;
}

export interface HeldLock {
  release(): void;
}

export type LockResult = { ok: true; lock: HeldLock } | { ok: false; holderPid: number | null };

/** Try to take an exclusive lock on `path` without waiting. */
export function tryLock(path: string): LockResult {
  // Opened close-on-exec by libuv, so children (job runners) never inherit the lock.
  const fd = openSync(path, "a+", 0o600);
  if (!_tryLockFd(fd)) {
    closeSync(fd);
    return { ok: false, holderPid: readHolderPid(path) };
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`);
  return { ok: true, lock: { release: () => closeSync(fd) } };
}

/** True while some live process holds the lock on `path`. Writes nothing to the file. */
export function isLocked(path: string): boolean {
  const fd = openSync(path, "a+", 0o600);
  try {
    return !_tryLockFd(fd);
  } finally {
    closeSync(fd); // closing drops a lock we may just have taken
  }
}

export function readHolderPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function _tryLockFd(fd: number): boolean {
  if (process.platform === "win32") return _tryLockWindows(fd);
  return _loadFlock()(fd, LOCK_EX | LOCK_NB) === 0;
}

// Windows has no flock; a pid file checked for liveness is the fallback there.
// Pid reuse can make a stale lock look held until the pid is free (documented).
function _tryLockWindows(fd: number): boolean {
  const text = readFileSync(fd, "utf8").trim();
  const pid = Number.parseInt(text, 10);
  if (!Number.isFinite(pid) || pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

// flake.lock as the host's checkout has it: the hash of its bytes (what fleetd compares) and each
// root input's locked revision and age (what the board's Lock compartment shows). A flake.lock
// that is not the JSON Nix writes still has a hash; its inputs are then simply not listed.
import { readFileSync } from "node:fs";
import { sha256Hex } from "../../lib/sha256-file.ts";
import type { LockedInput } from "../../protocol/config-state.ts";

export interface FlakeLockState {
  lockHash: string | null;
  lockInputs: LockedInput[];
}

/** The contract's bounds (protocol/config-state.ts): more inputs, or longer names, are not listed. */
const MAX_INPUTS = 100;
const MAX_NAME = 100;
const MAX_REV = 64;
/** A `follows` chain longer than this, counted over every hop, is taken for a loop. */
const MAX_FOLLOWS = 32;

export function readFlakeLock(path: string): FlakeLockState {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return { lockHash: null, lockInputs: [] };
  }
  const lockHash = sha256Hex(bytes);
  let lock: unknown;
  try {
    lock = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { lockHash, lockInputs: [] };
  }
  return { lockHash, lockInputs: _rootInputs(lock) };
}

type LockNode = { inputs?: Record<string, unknown>; locked?: Record<string, unknown> };

function _rootInputs(lock: unknown): LockedInput[] {
  const nodes = _record((lock as { nodes?: unknown })?.nodes) as Record<string, LockNode> | null;
  const rootName = (lock as { root?: unknown })?.root;
  if (!nodes || typeof rootName !== "string") return [];
  const inputs = _record(nodes[rootName]?.inputs);
  if (!inputs) return [];
  const listed: LockedInput[] = [];
  for (const [name, ref] of Object.entries(inputs).sort(([a], [b]) => a.localeCompare(b))) {
    if (listed.length === MAX_INPUTS) break;
    if (name.length === 0 || name.length > MAX_NAME) continue;
    const node = _resolve(nodes, rootName, ref);
    const locked = _record(node?.locked);
    const rev = typeof locked?.rev === "string" && locked.rev.length <= MAX_REV ? locked.rev : null;
    const seconds = locked?.lastModified;
    const lastModified =
      typeof seconds === "number" && Number.isSafeInteger(seconds) && seconds >= 0
        ? new Date(seconds * 1000).toISOString()
        : null;
    listed.push({ name, rev, lastModified });
  }
  return listed;
}

/** An input is a node name, or (a `follows`) a path of input names starting at the root. */
function _resolve(
  nodes: Record<string, LockNode>,
  rootName: string,
  ref: unknown,
  depth = 0,
): LockNode | null {
  if (typeof ref === "string") return _record(nodes[ref]) as LockNode | null;
  if (!Array.isArray(ref) || depth + ref.length > MAX_FOLLOWS) return null;
  let node: LockNode | null = _record(nodes[rootName]) as LockNode | null;
  for (const step of ref) {
    if (typeof step !== "string") return null;
    const next = _record(node?.inputs)?.[step];
    node = next === undefined ? null : _resolve(nodes, rootName, next, depth + ref.length);
    if (!node) return null;
  }
  return node;
}

function _record(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

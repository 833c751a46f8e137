// lastSeen is kept to the second, as one string per second: a fleet polling hard (thousands of
// polls a second) then changes each host's record at most once a second, not on every request,
// and an operator reading "last seen" needs no finer grain.

let second = -1;
let stamp = "";

export function lastSeenStamp(now = Date.now()): string {
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    stamp = new Date(s * 1000).toISOString();
  }
  return stamp;
}

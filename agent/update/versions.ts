// Ordering of version strings, for refusing downgrades. Versions come from `git describe`
// ("v1.4.0-3-gabc1234") or are set by hand ("1.0.0-test"): numeric runs compare as
// numbers, everything else as text, left to right.
export function compareVersions(a: string, b: string): number {
  const pa = _parts(a);
  const pb = _parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === "number" && typeof y === "number") {
      if (x !== y) return x < y ? -1 : 1;
    } else if (String(x) !== String(y)) {
      return String(x) < String(y) ? -1 : 1;
    }
  }
  return 0;
}

function _parts(version: string): (number | string)[] {
  return (version.replace(/^v/, "").match(/\d+|[A-Za-z]+/g) ?? []).map((p) =>
    /^\d+$/.test(p) ? Number(p) : p,
  );
}

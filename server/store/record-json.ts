// Serializing a whole-file collection (hosts.json, jobs.json, ...) without serializing again what
// did not change. Records are replaced, never mutated, when they change (see types.ts), so a
// record's JSON can be kept for as long as the record object lives: a write of 10,000 hosts or
// thousands of jobs then serializes only the records that changed since the last write and joins
// the rest. Found by the benchmark (bench/): re-serializing jobs.json on every job state change
// was most of fleetd's event loop while commands were dispatched to 10,000 hosts.

const _json = new WeakMap<object, string>();

/** The record's JSON; the record is frozen, so an in-place change throws instead of going unsaved. */
export function recordJson(record: object): string {
  let json = _json.get(record);
  if (json === undefined) {
    json = JSON.stringify(record);
    _json.set(Object.freeze(record), json);
  }
  return json;
}

/** `{"<key>":[record,...]}` plus a newline: the same document JSON.stringify would make, unindented. */
export function collectionJson(key: string, records: Iterable<object>): string {
  const parts: string[] = [];
  for (const record of records) parts.push(recordJson(record));
  return `{${JSON.stringify(key)}:[${parts.join(",")}]}\n`;
}

// Short random ids for hosts and jobs: readable in logs and URLs, unguessable enough not to collide.
import { randomBytes } from "node:crypto";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function randomBase32(length: number): string {
  let out = "";
  for (const byte of randomBytes(length)) out += BASE32[byte & 31];
  return out;
}

export const newHostId = (): string => `h_${randomBase32(10)}`;
export const newJobId = (): string => `j_${randomBase32(12)}`;

// The one reading of a token off a request, for every auth kind: the same alphabet and length
// cap everywhere, so a token that one route accepts is never malformed on another.
import { unauthorized } from "../../errors.ts";

/** The alphabet of every token fleetd takes (base64url, and its kind prefixes); 512 caps what is hashed. */
const TOKEN = "[A-Za-z0-9_-]{1,512}";
const BEARER = new RegExp(`^Bearer (${TOKEN})$`, "i");
const BARE_TOKEN = new RegExp(`^${TOKEN}$`);

/** The token in an `Authorization: Bearer <token>` header; 401 when the header is malformed. */
export function bearerToken(header: string): string {
  const token = BEARER.exec(header.trim())?.[1];
  if (!token) throw unauthorized("malformed Authorization header; expected Bearer <token>");
  return token;
}

/** Whether a token sent some other way (the board's ?token=) has the shape of one fleetd issues. */
export function isWellFormedToken(value: string): boolean {
  return BARE_TOKEN.test(value);
}

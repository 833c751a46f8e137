// Tokens the page holds, in sessionStorage only: they last as long as the tab and never reach
// localStorage or a cookie. The board token may also arrive in the URL fragment
// (https://fleet.example/#token=...), which browsers never send to a server; it is moved into
// sessionStorage and removed from the address bar at once.

const BOARD_KEY = "fleet.boardToken";
const ADMIN_KEY = "fleet.adminToken";

function read(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null; // storage disabled: the page still works read-only
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // storage disabled: the token lasts until the page is left
  }
}

let _board = read(BOARD_KEY);
let _admin = read(ADMIN_KEY);

export const boardToken = () => _board;
export const adminToken = () => _admin;

export function setBoardToken(token: string | null): void {
  _board = token;
  write(BOARD_KEY, token);
}

export function setAdminToken(token: string | null): void {
  _admin = token;
  write(ADMIN_KEY, token);
}

/** Takes `token=` out of the fragment, keeping the rest (e.g. `host=`). */
export function adoptTokenFromFragment(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (!token) return;
  setBoardToken(token);
  params.delete("token");
  const rest = params.toString();
  history.replaceState(null, "", `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`);
}

/** The token for reading the board: its own first, else the admin token; null when neither is set. */
export const readToken = (): string | null => _board ?? _admin;

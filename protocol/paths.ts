// Filling a route's `:param` segments; zod-free, so the board's bundle can carry it.

/** `path` with each `:name` replaced by its URL-encoded value from `params`. */
export function fillPath(path: string, params: Readonly<Record<string, string>>, what = path): string {
  return path.replace(/:([a-z]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`${what}: missing :${key}`);
    return encodeURIComponent(value);
  });
}

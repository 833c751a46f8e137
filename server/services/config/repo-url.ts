// The config repo's URL as fleetd shows it: an https URL may carry a token as its user info
// (https://oauth2:<token>@forge/...), which must not reach an API answer or a log.

export function displayRepoUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = "***";
    parsed.password = "";
    return parsed.toString();
  } catch {
    // A path or scp-like git@host:repo: no credentials in it.
    return url;
  }
}

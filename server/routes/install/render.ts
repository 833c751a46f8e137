// scripts/install.sh as fleetd serves it: fleetd's public URL, the systemd unit and the launchd
// plist filled in. All three files are embedded in the fleetd binary at build time, so the
// script a host runs always matches the units of the fleetd it came from.
import agentPlist from "../../../launchd/dev.fleet.agent.plist" with { type: "text" };
import installScript from "../../../scripts/install.sh" with { type: "text" };
import agentUnit from "../../../systemd/fleet-agent.service" with { type: "text" };

const URL_PLACEHOLDER = "@FLEET_PUBLIC_URL@";
/** Each template replaces one whole line of a quoted heredoc that ends at its delimiter. */
const EMBEDDED = [
  { line: "@FLEET_AGENT_SERVICE@", text: agentUnit, delimiter: "FLEET_UNIT_EOF" },
  { line: "@FLEET_AGENT_PLIST@", text: agentPlist, delimiter: "FLEET_PLIST_EOF" },
];

/** The script with `publicUrl` (e.g. https://fleet.example.com) as its default server. */
export function renderInstallScript(publicUrl: string): string {
  let script = installScript;
  for (const { line, text, delimiter } of EMBEDDED) {
    if (text.split("\n").includes(delimiter)) throw new Error(`${delimiter} inside an embedded template`);
    script = _replaceLine(script, line, text.replace(/\n+$/, ""));
  }
  // Inside single quotes in the script: close, escape and reopen for a quote in the URL.
  return _replaceOnce(script, URL_PLACEHOLDER, publicUrl.replaceAll("'", "'\\''"));
}

function _replaceLine(script: string, line: string, text: string): string {
  const lines = script.split("\n");
  const at = lines.indexOf(line);
  if (at < 0 || lines.indexOf(line, at + 1) >= 0) throw new Error(`install.sh must have one line ${line}`);
  lines[at] = text;
  return lines.join("\n");
}

function _replaceOnce(script: string, placeholder: string, value: string): string {
  const at = script.indexOf(placeholder);
  if (at < 0) throw new Error(`install.sh has no ${placeholder}`);
  return script.slice(0, at) + value + script.slice(at + placeholder.length);
}

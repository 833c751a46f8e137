#!/bin/sh
# Installs, repairs, upgrades or removes fleet-agent on a Linux (systemd) or macOS (launchd) host.
# fleetd serves this script at GET /install.sh with its own URL, the systemd unit and the launchd
# plist filled in, so the usual way to run it is the line fleetd prints with an enroll token:
#
#   curl -fsSL https://fleet.example.com/install.sh | sh -s -- --token fe_…
#
# It downloads the agent for this OS/arch from fleetd, checks its SHA-256 against fleetd's build
# manifest, enrolls (once: a re-run keeps the existing enrollment), installs the binary and the
# service, starts it and waits until the agent has said hello to fleetd. Safe to run again: it
# repairs what is missing and upgrades the binary in place. See docs/install.md.
#
# Everything lives in functions and runs from the last line, so `sh` has read the whole script
# before any of it runs and no command can swallow the rest of a piped script from stdin.
set -eu

# Filled in by fleetd when it serves the script; --server overrides it.
FLEET_SERVER_DEFAULT='@FLEET_PUBLIC_URL@'

LABEL=dev.fleet.agent
# How long to wait for the started agent's first hello to fleetd.
WAIT_ONLINE_SECONDS=${FLEET_INSTALL_WAIT_SECONDS:-60}

usage() {
	cat <<'EOF'
Install fleet-agent and its service, enrolled with fleetd.

usage: curl -fsSL <fleetd>/install.sh | sh -s -- --token TOKEN [options]
       sh install.sh --uninstall [--purge]

  --token TOKEN   enroll token from 'fleetctl enroll-token create' (not needed to repair or
                  upgrade a host that is already enrolled)
  --name NAME     host name in the fleet (default: this machine's short hostname)
  --prefix DIR    install the binary in DIR/lib/fleet-agent/ with a link in DIR/bin/
                  (default: /usr/local; macOS LaunchAgent: ~/.local)
  --no-start      install, enroll and enable the service, but do not start it now
  --system        macOS: install a LaunchDaemon for the whole machine (needs root) instead of
                  a LaunchAgent for the current user
  --server URL    fleetd's URL (default: the fleetd this script came from)
  --uninstall     stop and remove the service and the binary; keeps state unless --purge
  --purge         with --uninstall: also delete the state dir (enrollment, job spool) and logs
  -h, --help      show this help
EOF
}

say() { printf '%s\n' "$*"; }
step() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
	printf 'install.sh: error: %s\n' "$1" >&2
	shift
	for hint in "$@"; do printf '  %s\n' "$hint" >&2; done
	exit 1
}

# --- arguments --------------------------------------------------------------------------------

parse_args() {
	TOKEN='' NAME='' PREFIX='' SERVER='' NO_START=0 SYSTEM=0 UNINSTALL=0 PURGE=0
	while [ $# -gt 0 ]; do
		case $1 in
		--token | --name | --prefix | --server)
			[ $# -ge 2 ] || die "$1 needs a value"
			case $1 in
			--token) TOKEN=$2 ;;
			--name) NAME=$2 ;;
			--prefix) PREFIX=$2 ;;
			--server) SERVER=$2 ;;
			esac
			shift 2
			continue
			;;
		--token=*) TOKEN=${1#*=} ;;
		--name=*) NAME=${1#*=} ;;
		--prefix=*) PREFIX=${1#*=} ;;
		--server=*) SERVER=${1#*=} ;;
		--no-start) NO_START=1 ;;
		--system) SYSTEM=1 ;;
		--uninstall) UNINSTALL=1 ;;
		--purge) PURGE=1 ;;
		-h | --help)
			usage
			exit 0
			;;
		*) die "unknown option: $1" "run with --help for the options" ;;
		esac
		shift
	done
	if [ "$PURGE" = 1 ] && [ "$UNINSTALL" = 0 ]; then die "--purge only goes with --uninstall"; fi
}

# --- platform and paths -----------------------------------------------------------------------

detect_platform() {
	os=$(uname -s)
	machine=$(uname -m)
	case $os in
	Linux) PLATFORM=linux ;;
	Darwin) PLATFORM=darwin ;;
	*) die "unsupported platform: $os ($machine)" \
		"fleet-agent installs with this script on Linux (systemd) and macOS." \
		"Windows: see docs/install.md (service registration by hand)." ;;
	esac
	case $machine in
	x86_64 | amd64) ARCH=x64 ;;
	aarch64 | arm64) ARCH=arm64 ;;
	*) die "unsupported CPU architecture: $machine on $os" "fleet-agent is built for x86_64 and arm64." ;;
	esac
	# A shell running under Rosetta reports x86_64 on Apple Silicon; install the native agent.
	if [ "$PLATFORM" = darwin ] && [ "$ARCH" = x64 ] &&
		[ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
		ARCH=arm64
	fi
	if [ "$PLATFORM" = linux ] && [ "$SYSTEM" = 1 ]; then
		die "--system is for macOS; on Linux the agent is always a system service"
	fi
	TARGET=$PLATFORM-$ARCH
}

set_paths() {
	UID_NOW=$(id -u)
	if [ "$PLATFORM" = linux ]; then
		: "${PREFIX:=/usr/local}"
		STATE_DIR=/var/lib/fleet-agent
		UNIT_FILE=/etc/systemd/system/fleet-agent.service
	elif [ "$SYSTEM" = 1 ]; then
		: "${PREFIX:=/usr/local}"
		# The agent's own default for root on macOS, so `sudo fleet-agent status` finds it.
		STATE_DIR="/var/root/Library/Application Support/fleet-agent"
		PLIST="/Library/LaunchDaemons/$LABEL.plist"
		LOG_DIR=/Library/Logs/fleet-agent
		DOMAIN=system
	else
		: "${HOME:?HOME is not set}"
		: "${PREFIX:=$HOME/.local}"
		STATE_DIR="$HOME/Library/Application Support/fleet-agent"
		PLIST="$HOME/Library/LaunchAgents/$LABEL.plist"
		LOG_DIR="$HOME/Library/Logs/fleet-agent"
		DOMAIN=gui/$UID_NOW
	fi
	case $PREFIX in
	/*) ;;
	*) die "--prefix must be an absolute path, got: $PREFIX" ;;
	esac
	PREFIX=${PREFIX%/}
	# The paths end up in a unit file, a plist and JSON: keep them free of quoting trouble.
	case $PREFIX in
	*[\"\\\|\&\<\>\']* | *"
"*) die "--prefix must not contain quotes, backslashes, |, &, < or >: $PREFIX" ;;
	esac
	if [ "$PLATFORM" = linux ]; then
		case $PREFIX in
		*[[:space:]]*) die "--prefix must not contain spaces on Linux (it goes into a systemd unit): $PREFIX" ;;
		esac
	fi
	LIB_DIR=$PREFIX/lib/fleet-agent
	BIN=$LIB_DIR/fleet-agent
	LINK=$PREFIX/bin/fleet-agent
}

require_privileges() {
	if [ "$PLATFORM" = linux ] && [ "$UID_NOW" != 0 ]; then
		die "installing fleet-agent as a system service needs root (you are uid $UID_NOW)" \
			"run it as root, e.g.: curl -fsSL $(server_hint)/install.sh | sudo sh -s -- $(args_hint)"
	fi
	if [ "$PLATFORM" = darwin ] && [ "$SYSTEM" = 1 ] && [ "$UID_NOW" != 0 ]; then
		die "--system installs a LaunchDaemon and needs root" \
			"run it with sudo, or without --system for a LaunchAgent of your user"
	fi
	if [ "$PLATFORM" = darwin ] && [ "$SYSTEM" = 0 ] && [ "$UID_NOW" = 0 ]; then
		die "a LaunchAgent belongs to a logged-in user, not root" \
			"run it as your user (no sudo), or pass --system for a machine-wide LaunchDaemon"
	fi
}

server_hint() {
	case ${SERVER:-$FLEET_SERVER_DEFAULT} in
	@*) printf '<fleetd>' ;;
	*) printf '%s' "${SERVER:-$FLEET_SERVER_DEFAULT}" ;;
	esac
}

args_hint() {
	if [ "$UNINSTALL" = 1 ]; then printf -- '--uninstall'; else printf -- '--token …'; fi
}

# --- tools ------------------------------------------------------------------------------------

# fetch URL FILE: the body of a 2xx response into FILE; on failure the reason in FETCH_ERROR.
fetch() {
	if command -v curl >/dev/null 2>&1; then
		FETCH_ERROR=$(curl -fsSL --connect-timeout 10 --max-time 600 --retry 2 -o "$2" "$1" 2>&1 </dev/null) && return 0
	elif command -v wget >/dev/null 2>&1; then
		FETCH_ERROR=$(wget -q -T 30 -t 3 -O "$2" "$1" 2>&1 </dev/null) && return 0
	else
		die "neither curl nor wget is installed; install one of them and run this again"
	fi
	FETCH_ERROR=$(printf '%s' "$FETCH_ERROR" | tr '\n' ' ')
	return 1
}

sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d ' ' -f 1
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 "$1" | cut -d ' ' -f 1
	elif command -v openssl >/dev/null 2>&1; then
		openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
	else
		die "no SHA-256 tool found (sha256sum, shasum or openssl); cannot verify the download"
	fi
}

# json_string FIELD: the first "FIELD": "value" on stdin (flat JSON, no escapes in the value).
json_string() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" | head -n 1; }
json_number() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\\([0-9][0-9]*\\).*/\\1/p" | head -n 1; }

# --- install ----------------------------------------------------------------------------------

resolve_server() {
	if [ -z "$SERVER" ]; then
		case $FLEET_SERVER_DEFAULT in
		@*) die "no fleetd URL: this copy of install.sh was not served by fleetd" \
			"pass --server URL, or run: curl -fsSL <fleetd>/install.sh | sh -s -- --token …" ;;
		esac
		SERVER=$FLEET_SERVER_DEFAULT
	fi
	SERVER=${SERVER%/}
	case $SERVER in
	http://* | https://*) ;;
	*) die "fleetd URL must start with http:// or https://, got: $SERVER" ;;
	esac
}

check_server() {
	step "checking fleetd at $SERVER"
	if ! fetch "$SERVER/api/v1/health" "$WORK/health.json"; then
		die "cannot reach fleetd at $SERVER: $FETCH_ERROR" \
			"check the URL, that fleetd is running, and that this host can reach it (DNS, firewall, TLS)"
	fi
	grep -q '"ok"[[:space:]]*:[[:space:]]*true' "$WORK/health.json" ||
		die "$SERVER/api/v1/health did not answer like fleetd: $(head -c 200 "$WORK/health.json")"
	SERVER_VERSION=$(json_string version <"$WORK/health.json")
	say "    fleetd $SERVER_VERSION is reachable"
}

check_service_manager() {
	[ "$PLATFORM" = linux ] || return 0
	if [ -e /etc/NIXOS ]; then
		IS_NIXOS=1
		return 0
	fi
	IS_NIXOS=0
	HAVE_SYSTEMCTL=0
	if command -v systemctl >/dev/null 2>&1; then HAVE_SYSTEMCTL=1; fi
	if [ -d /run/systemd/system ]; then return 0; fi
	[ "$NO_START" = 1 ] && return 0
	die "systemd is not running on this host; fleet-agent's Linux service is a systemd unit" \
		"with --no-start the binary, enrollment and unit file are installed without starting anything;" \
		"then run '$BIN run' under your own supervisor (it must restart the agent whenever it exits)"
}

download_agent() {
	step "fetching the build manifest"
	if ! fetch "$SERVER/api/v1/artifacts/manifest.json" "$WORK/manifest.json"; then
		die "fleetd at $SERVER serves no agent binaries: $FETCH_ERROR" \
			"start fleetd with --artifacts DIR (the directory 'bun scripts/build.ts' wrote)"
	fi
	flat=$(tr -d '\r\n' <"$WORK/manifest.json")
	VERSION=$(printf '%s' "${flat%%\[*}" | json_string version)
	entry=$(printf '%s\n' "$flat" | tr '{' '\n' | tr '}' '\n' |
		grep "\"program\"[[:space:]]*:[[:space:]]*\"fleet-agent\"" |
		grep "\"target\"[[:space:]]*:[[:space:]]*\"$TARGET\"" | head -n 1 || true)
	[ -n "$entry" ] || die "fleetd's build ($VERSION) has no fleet-agent for $TARGET" \
		"build that target too: bun scripts/build.ts --targets $TARGET,..."
	file=$(printf '%s\n' "$entry" | json_string file)
	SHA256=$(printf '%s\n' "$entry" | json_string sha256)
	size=$(printf '%s\n' "$entry" | json_number size)
	case $file in '' | *[!A-Za-z0-9._-]*) die "bad file name in fleetd's manifest: '$file'" ;; esac

	step "downloading $file ($VERSION)"
	fetch "$SERVER/api/v1/artifacts/$file" "$WORK/fleet-agent" ||
		die "downloading $SERVER/api/v1/artifacts/$file failed: $FETCH_ERROR"
	got_size=$(wc -c <"$WORK/fleet-agent" | tr -d ' ')
	got_sha=$(sha256_of "$WORK/fleet-agent")
	if [ "$got_size" != "$size" ] || [ "$got_sha" != "$SHA256" ]; then
		die "the downloaded agent does not match fleetd's manifest; nothing was installed" \
			"expected $size bytes, SHA-256 $SHA256" "got      $got_size bytes, SHA-256 $got_sha"
	fi
	chmod 755 "$WORK/fleet-agent"
	ran=$("$WORK/fleet-agent" --version 2>&1 </dev/null) || ran="(exit $?) $ran"
	if [ "$ran" != "$VERSION" ]; then
		hint="the binary is for $TARGET"
		[ "${IS_NIXOS:-0}" = 1 ] && hint="on NixOS, enable programs.nix-ld (the agent is a glibc binary); see docs/install.md"
		die "the downloaded agent does not run here: '$ran'" "$hint"
	fi
	say "    SHA-256 $SHA256 matches the manifest"
}

enroll() {
	if [ -f "$STATE_DIR/credentials.json" ]; then
		ENROLLED_AS=$(json_string name 2>/dev/null <"$STATE_DIR/config.json" || true)
		step "already enrolled as ${ENROLLED_AS:-?} (state in $STATE_DIR); keeping that enrollment"
		if [ -n "$NAME" ] && [ "$NAME" != "$ENROLLED_AS" ]; then
			warn "--name $NAME ignored: this host is enrolled as $ENROLLED_AS (uninstall with --purge to enroll anew)"
		fi
		return 0
	fi
	[ -n "$TOKEN" ] || die "this host is not enrolled yet and no --token was given" \
		"create a token on the admin machine: fleetctl enroll-token create"
	step "enrolling with fleetd"
	set -- enroll --server "$SERVER" --token "$TOKEN" --state-dir "$STATE_DIR"
	if [ -n "$NAME" ]; then set -- "$@" --name "$NAME"; fi
	if ! out=$(NO_COLOR=1 "$WORK/fleet-agent" "$@" 2>&1 </dev/null); then
		reason=$(printf '%s\n' "$out" | sed 's/^[^A-Za-z]*\(\[error\]\)\{0,1\}[[:space:]]*//' | tail -n 3)
		case $reason in
		*"enroll token"*) die "fleetd refused the enroll token: $reason" \
			"tokens are single-use and expire (1 h by default); create a new one: fleetctl enroll-token create" ;;
		*"already enrolled as"*) die "enrollment refused: $reason" \
			"pick another name with --name, or delete the old host in fleetd first" ;;
		*) die "enrollment failed: $reason" ;;
		esac
	fi
	ENROLLED_AS=$(json_string name <"$STATE_DIR/config.json")
	say "    enrolled as $ENROLLED_AS"
}

# Puts the verified binary in place with one rename, so the service never sees half a file.
install_binary() {
	CHANGED=0
	mkdir -p "$LIB_DIR"
	chmod 755 "$LIB_DIR"
	if [ -f "$BIN" ] && [ "$(sha256_of "$BIN")" = "$SHA256" ]; then
		step "$BIN is already $VERSION"
	else
		step "installing $BIN ($VERSION)"
		cp "$WORK/fleet-agent" "$LIB_DIR/.fleet-agent.install.$$"
		chmod 755 "$LIB_DIR/.fleet-agent.install.$$"
		mv -f "$LIB_DIR/.fleet-agent.install.$$" "$BIN"
		CHANGED=1
	fi
	if mkdir -p "$PREFIX/bin" 2>/dev/null && { [ ! -e "$LINK" ] || [ -L "$LINK" ]; }; then
		ln -sf "$BIN" "$LINK"
	else
		warn "$LINK exists and is not a link; not replacing it"
	fi
}

# The "service" section of config.json: which manager runs the agent and where its binary is.
# enroll writes config.json with JSON.stringify(…, null, 2), so the section goes in as the
# first key on one line of its own, which a re-run can recognise and replace.
write_service_config() {
	config=$STATE_DIR/config.json
	if [ "$PLATFORM" = linux ]; then
		line="  \"service\": {\"manager\": \"systemd\", \"binary\": \"$BIN\"},"
	else
		line="  \"service\": {\"manager\": \"launchd\", \"label\": \"$LABEL\", \"domain\": \"$DOMAIN\", \"plist\": \"$PLIST\", \"binary\": \"$BIN\"},"
	fi
	if grep -qxF "$line" "$config"; then return 0; fi
	if grep -q '^  "service": {[^{}]*},$' "$config"; then
		awk -v line="$line" '/^  "service": \{[^{}]*\},$/ { print line; next } { print }' "$config" >"$config.tmp"
	elif grep -q '"service"' "$config"; then
		warn "$config has a \"service\" section of its own; leaving it as it is"
		return 0
	elif [ "$(head -n 1 "$config")" = "{" ]; then
		awk -v line="$line" 'NR == 1 { print; print line; next } { print }' "$config" >"$config.tmp"
	else
		warn "$config is not laid out as fleet-agent writes it; add by hand: ${line#  }"
		return 0
	fi
	chmod 600 "$config.tmp"
	mv -f "$config.tmp" "$config"
	step "recorded the service in $config"
	CHANGED=1
}

# --- systemd ----------------------------------------------------------------------------------

systemd_unit() {
	cat <<'FLEET_UNIT_EOF'
@FLEET_AGENT_SERVICE@
FLEET_UNIT_EOF
}

install_systemd() {
	if [ "$IS_NIXOS" = 1 ] && ! systemctl cat fleet-agent.service >/dev/null 2>&1 </dev/null; then
		nixos_next_steps
		return 0
	fi
	if [ "$IS_NIXOS" = 0 ] && [ "$HAVE_SYSTEMCTL" = 0 ]; then
		warn "no systemctl here: no service installed; run '$BIN run --state-dir $STATE_DIR' under your own supervisor"
		SERVICE_STATE="none (no systemd)"
		NO_START=1
		return 0
	fi
	# NixOS declares the unit itself (docs/install.md); everywhere else it is written here.
	[ "$IS_NIXOS" = 1 ] || write_systemd_unit
	if [ "$NO_START" = 1 ]; then
		SERVICE_STATE="enabled, not started (--no-start)"
		return 0
	fi
	if ! systemctl is-active --quiet fleet-agent.service </dev/null; then
		step "starting fleet-agent.service"
		systemctl reset-failed fleet-agent.service </dev/null 2>/dev/null || true
		systemctl start fleet-agent.service </dev/null
	elif [ "$CHANGED" = 1 ]; then
		step "restarting fleet-agent.service (running jobs are in units of their own and carry on)"
		PREVIOUS_PID=$(agent_pid)
		systemctl restart fleet-agent.service </dev/null
	else
		step "fleet-agent.service is running and up to date"
	fi
	SERVICE_STATE="enabled, $(systemctl is-active fleet-agent.service </dev/null || true)"
}

write_systemd_unit() {
	systemd_unit | sed "s|/usr/local/lib/fleet-agent|$LIB_DIR|g" >"$WORK/fleet-agent.service"
	case $(head -n 1 "$WORK/fleet-agent.service") in
	@*) die "this copy of install.sh has no systemd unit in it; fetch it from fleetd: curl -fsSL <fleetd>/install.sh" ;;
	esac
	if ! cmp -s "$WORK/fleet-agent.service" "$UNIT_FILE"; then
		step "writing $UNIT_FILE"
		mkdir -p "$(dirname "$UNIT_FILE")"
		cp "$WORK/fleet-agent.service" "$UNIT_FILE.tmp"
		chmod 644 "$UNIT_FILE.tmp"
		mv -f "$UNIT_FILE.tmp" "$UNIT_FILE"
		CHANGED=1
		if [ -d /run/systemd/system ]; then systemctl daemon-reload </dev/null; fi
	fi
	systemctl enable --quiet fleet-agent.service </dev/null
}

nixos_next_steps() {
	SERVICE_STATE="not installed (NixOS: declare it in your configuration)"
	NO_START=1
	say ""
	say "NixOS keeps /etc/systemd/system in the Nix store: add the service to your configuration"
	say "(docs/install.md has the module) and run 'nixos-rebuild switch':"
	say ""
	say "  programs.nix-ld.enable = true;"
	say "  systemd.services.fleet-agent = {"
	say "    wantedBy = [ \"multi-user.target\" ];"
	say "    wants = [ \"network-online.target\" ]; after = [ \"network-online.target\" ];"
	say "    startLimitIntervalSec = 0;"
	say "    path = [ config.nix.package pkgs.git config.system.build.nixos-rebuild ];"
	say "    serviceConfig = { ExecStart = \"$BIN run --state-dir $STATE_DIR\"; Restart = \"always\"; RestartSec = 2; };"
	say "  };"
	say ""
}

# --- launchd ----------------------------------------------------------------------------------

launchd_plist() {
	cat <<'FLEET_PLIST_EOF'
@FLEET_AGENT_PLIST@
FLEET_PLIST_EOF
}

# launchd gives jobs a bare PATH; switches need Nix, home-manager and Homebrew on it.
launchd_path() {
	user=$(id -un)
	printf '%s' "$HOME/.nix-profile/bin:/etc/profiles/per-user/$user/bin:/run/current-system/sw/bin"
	printf '%s' ":/nix/var/nix/profiles/default/bin:/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
}

install_launchd() {
	mkdir -p "$LOG_DIR" "$(dirname "$PLIST")"
	launchd_plist | sed -e "s|@FLEET_AGENT_BIN@|$BIN|g" -e "s|@FLEET_STATE_DIR@|$STATE_DIR|g" \
		-e "s|@FLEET_LOG_DIR@|$LOG_DIR|g" -e "s|@FLEET_PATH@|$(launchd_path)|g" >"$WORK/agent.plist"
	case $(head -n 1 "$WORK/agent.plist") in
	@*) die "this copy of install.sh has no launchd plist in it; fetch it from fleetd: curl -fsSL <fleetd>/install.sh" ;;
	esac
	plist_changed=0
	if ! cmp -s "$WORK/agent.plist" "$PLIST"; then
		step "writing $PLIST"
		cp "$WORK/agent.plist" "$PLIST.tmp"
		chmod 644 "$PLIST.tmp"
		mv -f "$PLIST.tmp" "$PLIST"
		plist_changed=1
	fi
	if [ "$NO_START" = 1 ]; then
		SERVICE_STATE="written, not loaded (--no-start); it loads at the next login/boot"
		return 0
	fi
	launchctl enable "$DOMAIN/$LABEL" </dev/null 2>/dev/null || true
	if [ "$plist_changed" = 1 ] || ! launchctl print "$DOMAIN/$LABEL" >/dev/null 2>&1 </dev/null; then
		step "loading $DOMAIN/$LABEL"
		PREVIOUS_PID=$(agent_pid)
		launchctl bootout "$DOMAIN/$LABEL" </dev/null 2>/dev/null || true
		# bootstrap right after bootout can fail with "5: Input/output error" while launchd is
		# still tearing the old job down; a few retries get past it.
		tries=0
		until launchctl bootstrap "$DOMAIN" "$PLIST" </dev/null; do
			tries=$((tries + 1))
			[ "$tries" -lt 5 ] || die "launchctl bootstrap $DOMAIN $PLIST keeps failing" \
				"see $LOG_DIR/agent.log, then try: launchctl bootstrap $DOMAIN \"$PLIST\""
			sleep 1
		done
	elif [ "$CHANGED" = 1 ]; then
		step "restarting $DOMAIN/$LABEL"
		PREVIOUS_PID=$(agent_pid)
		launchctl kickstart -k "$DOMAIN/$LABEL" </dev/null
	else
		step "$DOMAIN/$LABEL is loaded and up to date"
	fi
	SERVICE_STATE="loaded in $DOMAIN"
}

# --- waiting for the agent --------------------------------------------------------------------

# Online = the agent holding the state dir's lock has said hello to fleetd: it writes
# health.json (with its pid) after every accepted hello. After a (re)start it must be a new
# process, not the one that was running before.
agent_pid() { tr -dc '0-9' 2>/dev/null <"$STATE_DIR/agent.lock" || true; }

wait_online() {
	if [ "$NO_START" = 1 ]; then
		ONLINE="not started"
		return 0
	fi
	step "waiting for the agent to say hello to fleetd (up to $WAIT_ONLINE_SECONDS s)"
	waited=0
	while [ "$waited" -lt "$WAIT_ONLINE_SECONDS" ]; do
		lock_pid=$(agent_pid)
		hello_pid=$(json_number pid 2>/dev/null <"$STATE_DIR/health.json" || true)
		if [ -n "$lock_pid" ] && [ "$lock_pid" = "$hello_pid" ] && [ "$lock_pid" != "$PREVIOUS_PID" ] &&
			kill -0 "$lock_pid" 2>/dev/null; then
			ONLINE="online (agent pid $lock_pid)"
			return 0
		fi
		sleep 1
		waited=$((waited + 1))
	done
	if [ "$PLATFORM" = linux ]; then logs="journalctl -u fleet-agent"; else logs="$LOG_DIR/agent.log"; fi
	die "the agent has not reached fleetd within $WAIT_ONLINE_SECONDS s" \
		"it is installed and its service will keep retrying; see: $logs"
}

# --- uninstall --------------------------------------------------------------------------------

uninstall() {
	# The binary the service really ran, if config.json recorded it (a --prefix install).
	recorded=$(json_string binary 2>/dev/null <"$STATE_DIR/config.json" || true)
	if [ -n "$recorded" ]; then
		BIN=$recorded
		LIB_DIR=$(dirname "$BIN")
		case $LIB_DIR in */lib/fleet-agent) LINK=${LIB_DIR%/lib/fleet-agent}/bin/fleet-agent ;; esac
	fi
	removed=''
	if [ "$PLATFORM" = linux ]; then
		if command -v systemctl >/dev/null 2>&1; then
			systemctl disable --now fleet-agent.service </dev/null >/dev/null 2>&1 || true
		fi
		if [ -f "$UNIT_FILE" ]; then
			rm -f "$UNIT_FILE"
			removed="$removed $UNIT_FILE"
		fi
		if [ -d /run/systemd/system ]; then
			systemctl daemon-reload </dev/null || true
			systemctl reset-failed fleet-agent.service </dev/null >/dev/null 2>&1 || true
		fi
	else
		launchctl bootout "$DOMAIN/$LABEL" </dev/null 2>/dev/null || true
		if [ -f "$PLIST" ]; then
			rm -f "$PLIST"
			removed="$removed $PLIST"
		fi
	fi
	if [ -L "$LINK" ] && [ "$(readlink "$LINK")" = "$BIN" ]; then
		rm -f "$LINK"
		removed="$removed $LINK"
	fi
	for f in "$BIN" "$BIN.new" "$BIN.old" "$BIN.rejected"; do
		if [ -e "$f" ]; then
			rm -f "$f"
			removed="$removed $f"
		fi
	done
	rm -f "$LIB_DIR"/.fleet-agent.install.* 2>/dev/null || true
	rmdir "$LIB_DIR" 2>/dev/null || true
	if [ "$PURGE" = 1 ]; then
		host=$(json_string name 2>/dev/null <"$STATE_DIR/config.json" || true)
		if [ -d "$STATE_DIR" ]; then
			rm -rf "$STATE_DIR"
			removed="$removed $STATE_DIR"
		fi
		if [ "$PLATFORM" = darwin ] && [ -d "$LOG_DIR" ]; then
			rm -rf "$LOG_DIR"
			removed="$removed $LOG_DIR"
		fi
	fi
	if [ -z "$removed" ]; then
		say "fleet-agent was not installed here; nothing to remove"
	else
		say "removed:"
		for f in $removed; do say "  $f"; done
	fi
	if [ "$PURGE" = 1 ]; then
		say "the host ${host:-} is still listed in fleetd; delete it there (DELETE /api/v1/hosts/<id>)"
	elif [ -d "$STATE_DIR" ]; then
		say "kept the state (enrollment, job spool) in $STATE_DIR; --uninstall --purge removes it too"
	fi
}

# --- main -------------------------------------------------------------------------------------

summary() {
	say ""
	say "fleet-agent $VERSION installed:"
	say "  binary   $BIN"
	say "  command  $LINK"
	if [ "$PLATFORM" = linux ]; then
		say "  service  fleet-agent.service ($UNIT_FILE): $SERVICE_STATE"
	else
		say "  service  $DOMAIN/$LABEL ($PLIST): $SERVICE_STATE"
		say "  logs     $LOG_DIR/agent.log"
	fi
	say "  state    $STATE_DIR"
	say "  host     ${ENROLLED_AS:-?} at $SERVER: $ONLINE"
}

main() {
	parse_args "$@"
	detect_platform
	set_paths
	require_privileges
	if [ "$UNINSTALL" = 1 ]; then
		uninstall
		return 0
	fi
	resolve_server
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/fleet-install.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	trap 'exit 130' INT TERM
	check_server
	check_service_manager
	download_agent
	enroll
	install_binary
	write_service_config
	SERVICE_STATE='' PREVIOUS_PID=''
	if [ "$PLATFORM" = linux ]; then install_systemd; else install_launchd; fi
	wait_online
	summary
}

main "$@"

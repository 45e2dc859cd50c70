#!/usr/bin/env bash
# Set-up for the LAVA fan-out (README "Fan-out"), on demand only: `make lava-test` and
# `make test` run it, `make run` never does. Installs Debian's lava-dispatcher (lava-run; it
# pulls libguestfs, about 135 packages and 210 MB) and unpacks, never installs, the qemu
# device type's templates from the lava-server package of the same version: lava-run needs a
# rendered device configuration, which vm/lava-device.py renders from them as a server would.
# Idempotent. Writes .cache/lava/versions.env (LAVA_DISPATCHER_VERSION, LAVA_SERVER_VERSION of
# the templates, LAVA_DEVICE_TYPES: their directory).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/.cache
lava=$cache/lava
mkdir -p "$lava" "$cache/debs"

step() { printf '==> %s\n' "$*" >&2; }
die() { printf 'lava-setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get needs it), or run 'sudo make lava-test'"
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

if ! installed lava-dispatcher; then
	step "apt-get install lava-dispatcher (about 135 packages, 210 MB, half a minute)"
	apt-get update -q >"$lava/apt-update.log" 2>&1 || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends lava-dispatcher \
		>"$lava/apt-install.log" 2>&1 ||
		{ tail -20 "$lava/apt-install.log" >&2; die "apt-get install lava-dispatcher failed (log: $lava/apt-install.log)"; }
fi
ver=$(dpkg-query -W -f='${Version}' lava-dispatcher)

# The device-type templates of exactly the dispatcher's version (lava-server is Architecture: all).
templates=$lava/server/usr/share/lava-server/device-types
deb=$cache/debs/lava-server_${ver//:/%3a}_all.deb
if [ ! -f "$lava/server.stamp" ] || [ "$(cat "$lava/server.stamp")" != "$ver" ]; then
	if [ ! -s "$deb" ]; then
		step "download lava-server $ver (for its qemu device type template only)"
		(cd "$cache/debs" && apt-get download -q "lava-server=$ver" >"$lava/apt-download.log" 2>&1) ||
			{ cat "$lava/apt-download.log" >&2; die "cannot download lava-server=$ver"; }
	fi
	step "unpack lava-server's device-type templates into .cache/lava/server"
	rm -rf "$lava/server"
	dpkg-deb -x "$deb" "$lava/server"
	[ -f "$templates/qemu.jinja2" ] || die "lava-server $ver has no device-types/qemu.jinja2"
	echo "$ver" >"$lava/server.stamp"
fi
command -v lava-run >/dev/null || die "lava-dispatcher $ver is installed but has no lava-run"

{
	echo "LAVA_DISPATCHER_VERSION=$ver"
	echo "LAVA_SERVER_VERSION=$(cat "$lava/server.stamp")"
	echo "LAVA_DEVICE_TYPES=$templates"
} >"$lava/versions.env.tmp"
mv "$lava/versions.env.tmp" "$lava/versions.env"

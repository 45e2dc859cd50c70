#!/usr/bin/env bash
# apt-get through a private deb-src list (.cache/apt-src): some sources tcelab needs come only
# as Debian source packages, and the host's own apt sources need not have deb-src lines.
# usage: vm/apt-src.sh update          fresh source indexes (errors of one index are reported,
#                                      the others are used)
#        vm/apt-src.sh source PKG=VER  apt-get source into the current directory
# Called by vm/setup.sh (cjson) and vm/kernel-source.sh (the guest kernel's source).
set -euo pipefail

srcapt=$(cd "$(dirname "$0")/.." && pwd)/.cache/apt-src
opts=(-q -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$srcapt/parts"
      -o "Dir::State::Lists=$srcapt/lists" -o APT::Sandbox::User=root)

case ${1:-} in
update)
	rm -rf "$srcapt"
	mkdir -p "$srcapt/lists/partial" "$srcapt/parts"
	cat >"$srcapt/parts/debian-src.sources" <<-EOS
	Types: deb-src
	URIs: http://deb.debian.org/debian
	Suites: bookworm bookworm-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb-src
	URIs: http://deb.debian.org/debian-security
	Suites: bookworm-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOS
	apt-get "${opts[@]}" update >"$srcapt/update.log" 2>&1 ||
		echo "    apt-get update of the source indexes reported errors (log: $srcapt/update.log)" >&2
	;;
source)
	shift
	apt-get "${opts[@]}" source "$@" >"$srcapt/source.log" 2>&1 ||
		{ tail -20 "$srcapt/source.log" >&2; echo "apt-src: cannot get the source of $* (log: $srcapt/source.log)" >&2; exit 1; }
	;;
*)
	echo "usage: $0 update | source PKG=VERSION" >&2
	exit 2
	;;
esac

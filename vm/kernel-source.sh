#!/usr/bin/env bash
# The guest kernels' exact source, which 'tcelab run --patch' rebuilds modules from
# (vm/modpatch.c): for each VERSION (a guest kernel's Debian package version), Debian's
# linux-source-X.Y of exactly that version, unpacked into .cache/kernel-source/VERSION/
# (without Documentation/, tools/ and samples/, which no module build reads), and
# VERSION.stamp naming the package it came from. When the archive no longer has that
# linux-source (it is built with amd64, and the ppc64el archive can lag amd64's), the source
# package linux=VERSION instead, through the private deb-src list (vm/apt-src.sh): the same
# tree, Debian's patches applied. Trees of other versions are removed.
# Idempotent: a tree is unpacked into VERSION.tmp and renamed only when complete.
# usage: vm/kernel-source.sh VERSION...   (vm/setup.sh calls it, as root)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/.cache/kernel-source
debs=$top/.cache/debs
step() { printf '==> %s\n' "$*" >&2; }
die() { printf 'kernel-source: error: %s\n' "$*" >&2; exit 1; }

[ $# -gt 0 ] || die "usage: $0 VERSION..."
mkdir -p "$dir" "$debs"

# The archive (or .cache/debs) has linux-source-X.Y of exactly this version.
have_linux_source() { # VERSION PACKAGE
	[ -s "$debs/${2}_${1}_all.deb" ] || apt-cache show "$2=$1" >/dev/null 2>&1
}

# Its tarball, streamed out of the .deb.
from_linux_source() { # VERSION TMP PACKAGE
	local ver=$1 tmp=$2 pkg=$3 deb
	deb=$debs/${pkg}_${ver}_all.deb
	if [ ! -s "$deb" ]; then
		step "download $pkg $ver (all)"
		(cd "$debs" && apt-get download -q "$pkg=$ver" >"$dir/download.log" 2>&1) ||
			{ cat "$dir/download.log" >&2; die "cannot download $pkg=$ver"; }
	fi
	step "unpack $pkg $ver into .cache/kernel-source/$ver"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$tmp" --strip-components=1 --anchored --no-wildcards-match-slash \
			--exclude='*/Documentation' --exclude='*/tools' --exclude='*/samples'
}

from_source_package() { # VERSION TMP PACKAGE
	local ver=$1 tmp=$2 pkg=$3 src=$2.src tree
	step "apt-get source linux=$ver: the archive has no $pkg=$ver any more"
	mkdir -p "$src"
	"$top/vm/apt-src.sh" update
	(cd "$src" && "$top/vm/apt-src.sh" source "linux=$ver") ||
		die "the archive has neither $pkg=$ver nor the source package linux=$ver, the guest kernel's version: 'apt-cache policy $pkg' and 'apt-cache showsrc linux' list what it has"
	tree=$(ls -d "$src"/linux-*/ | head -1)
	[ -f "$tree/Makefile" ] || die "the source package linux=$ver unpacked no tree"
	rm -rf "$tree/Documentation" "$tree/tools" "$tree/samples" "$tree/debian" "$tmp"
	mv "$tree" "$tmp"
	rm -rf "$src"
}

keep=" "
for ver in "$@"; do
	keep="$keep$ver "
	pkg=linux-source-$(echo "$ver" | cut -d. -f1-2)
	[ -f "$dir/$ver.stamp" ] && [ -d "$dir/$ver" ] && continue
	tmp=$dir/$ver.tmp
	rm -rf "$tmp" "$tmp.src" "$dir/$ver" "$dir/$ver.stamp"
	mkdir -p "$tmp"
	if have_linux_source "$ver" "$pkg"; then
		from_linux_source "$ver" "$tmp" "$pkg"
		from="$pkg $ver"
	else
		from_source_package "$ver" "$tmp" "$pkg"
		from="linux $ver (source package)"
	fi
	[ -f "$tmp/Makefile" ] && [ -d "$tmp/drivers" ] || die "$from gave no kernel tree"
	mv "$tmp" "$dir/$ver"
	echo "$from" >"$dir/$ver.stamp"
done

for f in "$dir"/*; do
	v=${f##*/}
	v=${v%.stamp}
	case $keep in
	*" $v "*) ;;
	*) [ "${f##*/}" = download.log ] || { step "remove .cache/kernel-source/${f##*/} (no guest kernel of that version)"; rm -rf "$f"; } ;;
	esac
done

#!/usr/bin/env bash
# Set up everything tcelab needs on a Debian 12 host: host packages, the Debian guest kernels
# (downloaded and unpacked, never installed), their headers and kbuild, a ppc64el sysroot for the
# static guest programs, and the upstream kernel source used for checkpatch and reference.
# Idempotent: a second run downloads and unpacks nothing that is already there.
# Writes .cache/versions.env (every component's exact version) and .cache/versions.mk.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/.cache
debs=$cache/debs
mkdir -p "$debs"

step() { printf '==> %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

host_packages=(build-essential clang llvm lld bpftool libbpf-dev libelf-dev zlib1g-dev libzstd-dev
	pahole busybox-static cpio xz-utils qemu-system-x86 qemu-system-ppc gcc-powerpc64le-linux-gnu
	libc6-dev-ppc64el-cross linux-libc-dev-ppc64el-cross perl libcjson-dev
	libsqlite3-dev chromium prometheus libclang-rt-dev libxml2-utils python3-jsonschema patch)
# libclang-rt-dev: libFuzzer and the sanitizers for 'make fuzz' (clang only recommends it).
# patch: 'tcelab run --patch' applies patches to the guest kernel's source.
# reports/: the run history is SQLite; dashboards are tested in headless chromium and
# metrics.prom with promtool (from prometheus), junit.xml with xmllint (libxml2-utils) and
# kcidb.json with python3-jsonschema. uPlot comes from the npm registry, below.
# Static libraries for the ppc64el guest loader, unpacked into a sysroot, never installed.
sysroot_packages=(libbpf-dev libelf-dev zlib1g-dev libzstd-dev busybox-static)

[ "$(id -u)" = 0 ] || die "run as root (apt-get and dpkg need it), or run 'sudo make setup'"
command -v apt-get >/dev/null || die "this needs a Debian 12 host with apt-get"

apt_updated=0
apt_update() {
	[ "$apt_updated" = 1 ] && return 0
	step "apt-get update"
	# One index (often bookworm-security for ppc64el, mid-sync) may fail: retry, then go on
	# with what the other suites offer; a missing package is reported by name below.
	local try
	for try in 1 2 3; do
		if apt-get update -q >"$cache/apt-update.log" 2>&1; then
			apt_updated=1
			return 0
		fi
		grep -E '^(E|W):' "$cache/apt-update.log" | sed 's/^/    /' >&2 || true
		[ "$try" -lt 3 ] && { echo "    apt-get update failed (try $try of 3), retrying" >&2; sleep 3; }
	done
	echo "    going on with the indexes that did download" >&2
	apt_updated=1
}

# --- host packages -------------------------------------------------------------------------
if ! dpkg --print-foreign-architectures | grep -qx ppc64el; then
	step "dpkg --add-architecture ppc64el"
	dpkg --add-architecture ppc64el
	apt_updated=0
	apt_update
fi
missing=()
for p in "${host_packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	apt_update
	step "apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
		>"$cache/apt-install.log" 2>&1 || { tail -20 "$cache/apt-install.log" >&2; die "apt-get install failed (log: $cache/apt-install.log)"; }
fi
# The package lists are needed to resolve guest kernel versions.
[ -n "$(ls /var/lib/apt/lists/*ppc64el_Packages* 2>/dev/null)" ] || apt_update

# --- resolve guest kernel versions from apt -----------------------------------------------
# awk reads to the end: an early exit would kill apt-cache with SIGPIPE, which pipefail reports.
candidate() { apt-cache show --no-all-versions "$1" 2>/dev/null | awk '/^Version:/ && !v {v = $2} END {print v}'; }
image_of() {
	apt-cache depends "$1" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}' | sed 's/:.*//'
}
resolve_kernel() { # $1 = meta package (with :arch), prints "image version"
	local image ver
	image=$(image_of "$1")
	[ -n "$image" ] || { apt_update; image=$(image_of "$1"); }
	[ -n "$image" ] || die "apt knows no $1; check /etc/apt/sources.list and 'apt-get update'"
	ver=$(candidate "$image${1#${1%%:*}}")
	[ -n "$ver" ] || die "no installable version of $image"
	echo "$image $ver"
}
read -r x86_image x86_ver < <(resolve_kernel linux-image-amd64)
read -r ppc_image ppc_ver < <(resolve_kernel linux-image-powerpc64le:ppc64el)
x86_abi=${x86_image#linux-image-}
ppc_abi=${ppc_image#linux-image-}
x86_kbuild=linux-kbuild-$(echo "$x86_abi" | cut -d. -f1-2)
ppc_kbuild=linux-kbuild-$(echo "$ppc_abi" | cut -d. -f1-2)

# --- downloads (cached by exact file name) -------------------------------------------------
deb_file() { # $1 pkg, $2 version, $3 arch
	echo "$debs/${1}_${2//:/%3a}_${3}.deb"
}
fetch() { # $1 pkg, $2 version, $3 deb arch; the package is downloaded for that arch
	local f spec
	f=$(deb_file "$1" "$2" "$3")
	[ -s "$f" ] && { echo "$f"; return 0; }
	spec="$1:$3=$2"
	step "download $1 $2 ($3)"
	if ! (cd "$debs" && apt-get download -q "$spec" >"$cache/apt-download.log" 2>&1); then
		apt_update
		(cd "$debs" && apt-get download -q "$spec" >"$cache/apt-download.log" 2>&1) ||
			{ cat "$cache/apt-download.log" >&2; die "cannot download $spec"; }
	fi
	[ -s "$f" ] || f=$(ls "$debs/${1}_"*"_${3}.deb" | head -1)
	echo "$f"
}
common_ver() { candidate "$1"; }

# Unpack a set of .debs into a root once; the stamp names exactly what was unpacked.
unpack() { # $1 root dir, rest .deb files
	local root=$1 stamp
	shift
	stamp=$(printf '%s\n' "${@##*/}")
	if [ -f "$root.stamp" ] && [ "$(cat "$root.stamp")" = "$stamp" ]; then
		return 0
	fi
	step "unpack ${root#$top/}"
	rm -rf "$root"
	mkdir -p "$root"
	local f
	for f in "$@"; do
		dpkg-deb -x "$f" "$root"
	done
	printf '%s\n' "$stamp" >"$root.stamp"
}

setup_kernel() { # $1 our arch name, $2 deb arch, $3 abi, $4 image version, $5 kbuild pkg
	local arch=$1 darch=$2 abi=$3 ver=$4 kbuild=$5 root common common_ver_ files=()
	root=$cache/kernel/$arch
	common=linux-headers-${abi%-*}-common
	common_ver_=$(common_ver "$common")
	files+=("$(fetch "linux-image-$abi" "$ver" "$darch")")
	files+=("$(fetch "linux-headers-$abi" "$ver" "$darch")")
	files+=("$(fetch "$common" "$common_ver_" all)")
	# kbuild runs on the build host, so it is always amd64, of the image's exact version.
	files+=("$(fetch "$kbuild" "$ver" amd64)")
	unpack "$root" "${files[@]}"
	# The headers' Makefile includes the -common tree by absolute path: point it at our copy.
	echo "include $root/usr/src/$common/Makefile" >"$root/usr/src/linux-headers-$abi/Makefile"
	echo "$common_ver_"
}
x86_common_ver=$(setup_kernel x86_64 amd64 "$x86_abi" "$x86_ver" "$x86_kbuild")
ppc_common_ver=$(setup_kernel ppc64le ppc64el "$ppc_abi" "$ppc_ver" "$ppc_kbuild")

# A kernel as a user gives it to 'tcelab run --kernel', for make test: the .deb of Debian's newest
# amd64 kernel series for bookworm (the meta package's image), with its headers, -common headers
# and kbuild beside it in .cache/debs so that tcelab.ko builds without a download. Only
# downloaded: tcelab run --kernel unpacks it into its own cache.
test_kernel_meta=linux-image-6.12-amd64
read -r test_image test_ver < <(resolve_kernel "$test_kernel_meta")
test_deb=$(fetch "$test_image" "$test_ver" amd64)
test_headers=$(fetch "linux-headers-${test_image#linux-image-}" "$test_ver" amd64)
for dep in $(dpkg-deb -f "$test_headers" Depends | tr ',|' '\n\n' | awk '{print $1}'); do
	case $dep in
	linux-headers-*-common) fetch "$dep" "$test_ver" all >/dev/null ;;
	linux-kbuild-*) fetch "$dep" "$test_ver" amd64 >/dev/null ;;
	esac
done

# x86: QEMU microvm boots the ELF vmlinux by its PVH note, skipping decompression; Debian ships
# only the bzImage, whose payload is an xz stream.
x86_vmlinux=$cache/kernel/x86_64/vmlinux
if [ ! -s "$x86_vmlinux" ] || [ "$x86_vmlinux" -ot "$cache/kernel/x86_64.stamp" ]; then
	step "extract vmlinux from vmlinuz-$x86_abi"
	bz=$cache/kernel/x86_64/boot/vmlinuz-$x86_abi
	off=$(LC_ALL=C grep -m1 -obUaP '\xfd7zXZ\x00' "$bz" | head -1 | cut -d: -f1 || true)
	[ -n "$off" ] || die "no xz payload in $bz"
	xz -dc --single-stream < <(tail -c +$((off + 1)) "$bz") >"$x86_vmlinux.tmp"
	[ "$(head -c 4 "$x86_vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] || die "extracted payload of $bz is not ELF"
	mv "$x86_vmlinux.tmp" "$x86_vmlinux"
fi
ppc_vmlinux=$cache/kernel/ppc64le/boot/vmlinux-$ppc_abi

# --- ppc64el sysroot for static guest programs ---------------------------------------------
sys_files=()
for p in "${sysroot_packages[@]}"; do
	v=$(candidate "$p:ppc64el")
	[ -n "$v" ] || die "apt knows no $p:ppc64el (is the ppc64el architecture's index downloaded?)"
	sys_files+=("$(fetch "$p" "$v" ppc64el)")
done
unpack "$cache/sysroot/ppc64le" "${sys_files[@]}"

# --- upstream source: checkpatch.pl, the reference files and the hypercall oracle's code ------
# traces/oracle/ compiles book3s_64_vio.c unmodified, with the pieces of the other files that
# traces/oracle/upstream.list names, into the host's 'tcelab oracle'. The stamp holds the file
# list, so that adding a file here extracts again.
src_ver=$(candidate linux-source-6.1)
[ -n "$src_ver" ] || die "apt knows no linux-source-6.1"
src_deb=$(fetch linux-source-6.1 "$src_ver" all)
src=$cache/linux-source
src_files=(scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
	drivers/vfio/vfio_iommu_spapr_tce.c arch/powerpc/kernel/iommu.c
	arch/powerpc/kvm/book3s_64_vio.c arch/powerpc/kvm/book3s_hv.c
	arch/powerpc/mm/book3s64/iommu_api.c arch/powerpc/include/asm/iommu.h
	arch/powerpc/include/asm/tce.h arch/powerpc/include/asm/hvcall.h
	arch/powerpc/include/asm/kvm_host.h arch/powerpc/include/asm/kvm_ppc.h
	arch/powerpc/include/asm/mmu_context.h arch/powerpc/include/uapi/asm/kvm.h
	include/linux/kvm_host.h include/linux/dma-direction.h)
src_stamp="${src_deb##*/} ${src_files[*]}"
if [ ! -f "$src.stamp" ] || [ "$(cat "$src.stamp")" != "$src_stamp" ]; then
	step "unpack checkpatch, upstream reference files and the oracle's sources from linux-source-6.1"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	dpkg-deb -x "$src_deb" "$src.tmp"
	tarball=$(ls "$src.tmp"/usr/src/linux-source-*.tar.xz)
	mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1 --wildcards --no-wildcards-match-slash \
		"${src_files[@]/#/*/}"
	rm -rf "$src.tmp"
	echo "$src_ver" >"$src/VERSION"
	echo "$src_stamp" >"$src.stamp"
fi

# --- the guest kernels' exact source: 'tcelab run --patch' rebuilds their modules from it ----
"$top/vm/kernel-source.sh" $(printf '%s\n' "$ppc_ver" "$x86_ver" | sort -u)

# --- cJSON for the static guest programs ----------------------------------------------------
# Every JSON document is read and written through cJSON, in the guest too, where programs are
# static: Debian ships libcjson only as a shared library, so the guest gets a static one built
# from the source package of exactly the host's libcjson version (make: build/<arch>/lib/).
cjson_ver=$(dpkg-query -W -f='${Version}' libcjson-dev)
cjson=$cache/cjson
if [ ! -f "$cjson.stamp" ] || [ "$(cat "$cjson.stamp")" != "$cjson_ver" ]; then
	step "apt-get source cjson=$cjson_ver (a private deb-src list under .cache/apt-src)"
	rm -rf "$cjson" "$cjson.stamp"
	mkdir -p "$cjson"
	"$top/vm/apt-src.sh" update
	(cd "$cjson" && "$top/vm/apt-src.sh" source "cjson=$cjson_ver") ||
		die "cannot get the source of cjson $cjson_ver"
	tree=$(ls -d "$cjson"/cjson-*/ | head -1)
	[ -f "$tree/cJSON.c" ] || die "the cjson $cjson_ver source has no cJSON.c"
	mv "$tree" "$cjson/src"
	# Included as <cjson/cJSON.h>, as on the host.
	mkdir -p "$cjson/include/cjson"
	cp "$cjson/src/cJSON.h" "$cjson/include/cjson/"
	echo "$cjson_ver" >"$cjson.stamp"
fi

# --- report assets: uPlot from the npm registry, inlined into every dashboard ---------------
uplot_version=1.6.32
npmdir=$cache/npm
installed_uplot() { sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$npmdir/node_modules/uplot/package.json" 2>/dev/null | head -1; }
if [ "$(installed_uplot)" != "$uplot_version" ]; then
	if ! command -v npm >/dev/null; then
		apt_update
		step "apt-get install nodejs npm"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm \
			>"$cache/apt-install.log" 2>&1 || { tail -20 "$cache/apt-install.log" >&2; die "cannot install npm"; }
	fi
	step "npm install uplot@$uplot_version (into .cache/npm)"
	mkdir -p "$npmdir"
	npm install --prefix "$npmdir" --no-audit --no-fund --no-save --loglevel=error \
		"uplot@$uplot_version" >"$cache/npm-install.log" 2>&1 ||
		{ tail -20 "$cache/npm-install.log" >&2; die "npm install uplot failed (log: $cache/npm-install.log)"; }
	[ "$(installed_uplot)" = "$uplot_version" ] || die "uplot $uplot_version did not install"
fi

# --- record versions ------------------------------------------------------------------------
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
debver() { dpkg-deb -f "$1" Version; }
bb_ppc=$(ls "$debs"/busybox-static_*_ppc64el.deb | head -1)
{
	echo "X86_ABI=$x86_abi"
	echo "X86_KERNEL_VERSION=$x86_ver"
	echo "X86_HEADERS_COMMON_VERSION=$x86_common_ver"
	echo "X86_KBUILD=$x86_kbuild $x86_ver"
	echo "PPC_ABI=$ppc_abi"
	echo "PPC_KERNEL_VERSION=$ppc_ver"
	echo "PPC_HEADERS_COMMON_VERSION=$ppc_common_ver"
	echo "PPC_KBUILD=$ppc_kbuild $ppc_ver (amd64)"
	echo "TEST_KERNEL_X86=$test_image $test_ver"
	echo "TEST_KERNEL_X86_DEB=$test_deb"
	echo "LINUX_SOURCE_VERSION=$src_ver"
	echo "PPC_KERNEL_SOURCE=$(cat "$cache/kernel-source/$ppc_ver.stamp")"
	echo "X86_KERNEL_SOURCE=$(cat "$cache/kernel-source/$x86_ver.stamp")"
	echo "QEMU_VERSION=$(pkgver qemu-system-ppc)"
	echo "QEMU_X86_VERSION=$(pkgver qemu-system-x86)"
	echo "CLANG_VERSION=$(pkgver clang)"
	echo "GCC_VERSION=$(pkgver gcc)"
	echo "GCC_PPC64LE_VERSION=$(pkgver gcc-powerpc64le-linux-gnu)"
	echo "LIBBPF_VERSION=$(pkgver libbpf-dev)"
	echo "LIBBPF_PPC64EL_VERSION=$(debver "$(ls "$debs"/libbpf-dev_*_ppc64el.deb | head -1)")"
	echo "BPFTOOL_VERSION=$(pkgver bpftool)"
	echo "PAHOLE_VERSION=$(pkgver pahole)"
	echo "CJSON_VERSION=$(pkgver libcjson-dev)"
	echo "BUSYBOX_VERSION=$(pkgver busybox-static)"
	echo "BUSYBOX_PPC64EL_VERSION=$(debver "$bb_ppc")"
	echo "UPLOT_VERSION=$(installed_uplot)"
	echo "SQLITE_VERSION=$(pkgver libsqlite3-dev)"
	echo "CHROMIUM_VERSION=$(pkgver chromium)"
	echo "PROMETHEUS_VERSION=$(pkgver prometheus)"
	echo "XMLLINT_VERSION=$(pkgver libxml2-utils)"
	echo "JSONSCHEMA_VERSION=$(pkgver python3-jsonschema)"
} >"$cache/versions.env.tmp"
mv "$cache/versions.env.tmp" "$cache/versions.env"

{
	echo "# written by vm/setup.sh"
	echo "KDIR_x86_64 := $cache/kernel/x86_64/usr/src/linux-headers-$x86_abi"
	echo "KDIR_ppc64le := $cache/kernel/ppc64le/usr/src/linux-headers-$ppc_abi"
	echo "MODDIR_x86_64 := $cache/kernel/x86_64/lib/modules/$x86_abi"
	echo "MODDIR_ppc64le := $cache/kernel/ppc64le/lib/modules/$ppc_abi"
	echo "VMLINUX_x86_64 := $x86_vmlinux"
	echo "VMLINUX_ppc64le := $ppc_vmlinux"
	echo "SYSROOT_ppc64le := $cache/sysroot/ppc64le"
	echo "BUSYBOX_x86_64 := /bin/busybox"
	echo "BUSYBOX_ppc64le := $cache/sysroot/ppc64le/bin/busybox"
	echo "LINUX_SOURCE := $src"
	echo "CJSON_SRC := $cjson/src"
	echo "CJSON_INC := $cjson/include"
} >"$cache/versions.mk"
step "set-up done: x86_64 $x86_abi ($x86_ver), ppc64le $ppc_abi ($ppc_ver)"

#!/usr/bin/env bash
# Build a guest initramfs (uncompressed newc cpio: TCG boots faster without decompression).
# usage: mkinitramfs.sh ARCH ARCH_BUILD_DIR KERNEL_MODULE_DIR BUSYBOX OUT.cpio [KMOD_DIR]
# Carries busybox, the kernel modules the results share needs (with their dependencies, which
# we resolve from each module's .modinfo: the unpacked Debian tree has no modules.dep),
# tcelab.ko (from KMOD_DIR, default ARCH_BUILD_DIR/kmod: tcelab run --kernel builds it against
# another kernel), the static guest programs and tests, the init script and its jobs.
# Compressed modules (.ko.xz, .ko.zst, .ko.gz: Debian compresses them since 6.x) are carried
# uncompressed, for busybox's insmod; those the kernel has built in (modules.builtin) are skipped.
set -euo pipefail

arch=$1 abuild=$2 moddir=$3 busybox=$4 out=$5 kmod=${6:-$2/kmod}
top=$(cd "$(dirname "$0")/.." && pwd)
die() { printf 'mkinitramfs: error: %s\n' "$*" >&2; exit 1; }

# Loaded by init on every boot; extra ones only by the jobs that need them; vfio ones (the
# upstream VFIO stack, listed in etc/tcelab/modules-vfio) only by vm/guest/vfio-setup.
case $arch in
x86_64) wanted="virtio_mmio 9pnet_virtio 9p" extra="" vfio="" ;;
ppc64le) wanted="virtio_pci 9pnet_virtio 9p vfio_iommu_spapr_tce kvm" extra="e1000 nvme"
	vfio="vfio vfio_iommu_spapr_tce vfio_pci" ;;
*) die "unknown arch $arch" ;;
esac

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,out,etc/tcelab,lib/modules,usr/lib/tcelab/tests}

# Index the tree once: module name (with - folded to _) -> path; and the built-in ones.
declare -A path_of builtin
while read -r f; do
	n=${f##*/}
	n=${n%.ko*}
	path_of[${n//-/_}]=$f
done < <(find "$moddir/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')
if [ -f "$moddir/modules.builtin" ]; then
	while read -r f; do
		n=${f##*/}
		n=${n%.ko}
		builtin[${n//-/_}]=1
	done <"$moddir/modules.builtin"
fi
uncompressed() { # $1 module file: its contents, uncompressed
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

declare -A loaded
order=()
add_module() { # depth-first: dependencies first
	local n=${1//-/_} f dep
	[ -n "${loaded[$n]:-}${builtin[$n]:-}" ] && return 0
	f=${path_of[$n]:-}
	[ -n "$f" ] || die "module $1 is not in $moddir (neither a module nor built in)"
	loaded[$n]=1
	uncompressed "$f" >"$stage/lib/modules/$n.ko"
	for dep in $(readelf -p .modinfo "$stage/lib/modules/$n.ko" | sed -n 's/.*depends=//p' | tr ',' ' '); do
		add_module "$dep"
	done
	order+=("$n")
}
for m in $wanted; do
	add_module "$m"
done
printf '%s\n' "${order[@]}" >"$stage/etc/tcelab/modules"
order=()
for m in $extra; do
	add_module "$m"
done
printf '%s\n' "${order[@]}" >"$stage/etc/tcelab/modules-extra"
order=()
for m in $vfio; do
	add_module "$m"
done
printf '%s\n' "${order[@]}" >"$stage/etc/tcelab/modules-vfio"

cp "$busybox" "$stage/bin/busybox"
cp "$kmod/tcelab.ko" "$stage/lib/modules/tcelab.ko"
# Separate test-only modules (kmod/*/, e.g. spapr_iommu_ops.ko), loaded only by the jobs that need them.
find "$kmod" -mindepth 2 -maxdepth 2 -name '*.ko' -exec cp {} "$stage/lib/modules/" \;
cp "$abuild"/bin/* "$stage/bin/"
find "$abuild/tests" -maxdepth 1 -type f -perm -u+x -exec cp {} "$stage/usr/lib/tcelab/tests/" \;
cp "$top/vm/guest/init" "$stage/init"
cp "$top/vm/guest/finish" "$stage/etc/tcelab/finish"
cp "$top/tests/guest/QUARANTINE" "$stage/etc/tcelab/quarantine"
cp "$top/vm/guest/vfio-setup" "$stage/bin/tcelab-vfio-setup"
cp "$top/vm/guest/knobs" "$stage/bin/tcelab-knobs"
# The declared differences from upstream, which the differential (job diff) reads.
cp "$top/kmod/DIFFERENCES.md" "$stage/etc/tcelab/DIFFERENCES.md"
cp -r "$top/vm/guest/jobs" "$stage/etc/tcelab/jobs"
chmod +x "$stage/init" "$stage/etc/tcelab/finish" "$stage/bin/tcelab-vfio-setup" \
	"$stage/bin/tcelab-knobs" \
	"$stage"/etc/tcelab/jobs/*

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"

#!/usr/bin/env bash
# tcelab run --kernel PATH [--modules PATH]: the user's kernel, made ready for a target's QEMU
# guest (README.md, "Your own kernel"). Two steps, both run by vm/kernel.c before any boot:
#
#   user-kernel.sh prepare ARCH KERNEL MODULES|- OUT.env
#     KERNEL is a built kernel tree, a kernel image (then MODULES, a modules_install tree or a
#     tarball of one, is needed) or a linux-image-*.deb. Checks that it is a kernel of ARCH
#     whose modules are of its release and finds the tree to build modules against (the tree
#     itself; the modules' build link; the .deb's linux-headers, next to it, in .cache/debs or
#     from apt by exact version). Caches under .cache/kernels/KEY/, KEY a SHA-256 of the
#     content, what a boot needs: boot/vmlinux (an ELF image: QEMU microvm boots it by its PVH
#     note, powernv as is), lib/modules/RELEASE and kernel.env. Writes OUT.env: KERNEL_* lines.
#
#   user-kernel.sh initramfs KERNEL.env OUT.env
#     builds tcelab.ko (and spapr_iommu_ops.ko, test-only, for a ppc64le kernel older than
#     6.2) against that tree, and the guest initramfs with them and the kernel's own modules,
#     into build/kernels/KEY-SRCKEY/ (SRCKEY: the modules' sources). Writes OUT.env.
#
# Anything wrong stops with "tcelab: error: ..." and exit 2. Cache entries are built in a
# .work-PID directory renamed into place only when complete, and removed on any failure.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# Physical paths: a worktree's .cache may be a link to a shared one, and cached headers name
# their own path in their Makefile.
kernels=$(mkdir -p "$top/.cache/kernels" && cd "$top/.cache/kernels" && pwd -P)
debs=$top/.cache/debs
work=
trap '[ -n "$work" ] && rm -rf "$work"' EXIT
die() { printf 'tcelab: error: %s\n' "$*" >&2; exit 2; }
step() { printf '==> %s\n' "$*" >&2; }
sha() { sha256sum "$@" | cut -c1-64; }
# KERNEL_*=VALUE lines (no quoting: values are paths and versions) into variables.
load_env() {
	local k v
	while IFS='=' read -r k v; do
		case $k in KERNEL_*) printf -v "$k" '%s' "$v" ;; esac
	done <"$1"
}

karch_of() { [ "$1" = x86_64 ] && echo x86 || echo powerpc; }
cross_of() { [ "$1" = x86_64 ] || echo powerpc64le-linux-gnu-; }
darch_of() { [ "$1" = x86_64 ] && echo amd64 || echo ppc64el; }

# "ARCH FORMAT" of a kernel image: x86_64 elf|bzimage, ppc64le elf, or "- WHAT" for anything else.
image_kind() {
	local f=$1 magic class data machine
	magic=$(od -An -tx1 -N4 "$f" | tr -d ' \n')
	if [ "$magic" = 7f454c46 ]; then
		class=$(od -An -tu1 -j4 -N1 "$f" | tr -d ' ')
		data=$(od -An -tu1 -j5 -N1 "$f" | tr -d ' ')
		machine=$(od -An -tu2 -j18 -N2 "$f" | tr -d ' ')
		[ "$data" = 1 ] || { echo "- a big-endian ELF file"; return; }
		case $class.$machine in
		2.62) echo "x86_64 elf" ;;
		2.21) echo "ppc64le elf" ;;
		*) echo "- an ELF file of machine $machine (class $class)" ;;
		esac
	elif [ "$(od -An -c -j514 -N4 "$f" 2>/dev/null | tr -d ' ')" = HdrS ]; then
		# xloadflags bit 0: a 64-bit kernel
		if [ $(( $(od -An -tu2 -j566 -N2 "$f" | tr -d ' ') & 1 )) = 1 ]; then
			echo "x86_64 bzimage"
		else
			echo "- a 32-bit x86 bzImage"
		fi
	else
		echo "- neither an ELF vmlinux nor a bzImage ($(file -b "$f" 2>/dev/null | cut -c1-60))"
	fi
}

# The ELF vmlinux inside a bzImage: its payload (offset and length in the setup header),
# decompressed by its magic.
extract_bzimage() { # $1 bzImage, $2 out
	local setup off len start magic
	setup=$(od -An -tu1 -j497 -N1 "$1" | tr -d ' ')
	[ "$setup" = 0 ] && setup=4
	off=$(od -An -tu4 -j584 -N4 "$1" | tr -d ' ')
	len=$(od -An -tu4 -j588 -N4 "$1" | tr -d ' ')
	start=$(( (setup + 1) * 512 + off ))
	magic=$(od -An -tx1 -j"$start" -N6 "$1" | tr -d ' \n')
	case $magic in
	fd377a585a00) tail -c +$((start + 1)) "$1" | head -c "$len" | xz -dc --single-stream ;;
	1f8b*) tail -c +$((start + 1)) "$1" | head -c "$len" | gzip -dc ;;
	28b52ffd*) tail -c +$((start + 1)) "$1" | head -c "$len" | zstd -qdc ;;
	5d0000*) tail -c +$((start + 1)) "$1" | head -c "$len" | xz -dc --format=lzma ;;
	*) die "$1: its payload is compressed in a way tcelab cannot undo (magic $magic): give the tree's ELF vmlinux instead" ;;
	esac >"$2" 2>/dev/null || true
	[ "$(image_kind "$2")" = "x86_64 elf" ] || die "$1: its payload is not an x86_64 ELF vmlinux"
}

# "RELEASE" and the Debian package version ("" if none) from an image's banner:
# "Linux version 6.12.117+deb12-amd64 (...) #1 SMP PREEMPT_DYNAMIC Debian 6.12.117-1~deb12u1 (...)"
image_banner() { # $1 image, $2 format
	local f=$1 rel
	if [ "$2" = bzimage ]; then
		rel=$(( $(od -An -tu2 -j526 -N2 "$f" | tr -d ' ') + 512 ))
		dd if="$f" bs=1 skip="$rel" count=400 2>/dev/null | tr '\0' '\n' | sed -n '1s/^/Linux version /p'
	else
		LC_ALL=C grep -a -m1 -o 'Linux version [^%]*' "$f" | tr '\0' '\n' | sed -n 1p | cut -c1-400
	fi
}

# A .deb's file: next to the image, in .cache/debs, or downloaded by exact version into it.
find_deb() { # $1 package, $2 version, $3 deb arch, $4 directory of the user's .deb (or "")
	local f name=${1}_${2//:/%3a}_${3}.deb dir
	for dir in $4 "$debs"; do
		[ -s "$dir/$name" ] && { echo "$dir/$name"; return 0; }
	done
	step "apt-get download $1:$3=$2 (into .cache/debs)"
	mkdir -p "$debs"
	(cd "$debs" && apt-get download -q "$1:$3=$2" >"$debs/.apt-download-$$.log" 2>&1) || {
		sed 's/^/    /' "$debs/.apt-download-$$.log" >&2
		rm -f "$debs/.apt-download-$$.log"
		return 1
	}
	rm -f "$debs/.apt-download-$$.log"
	[ -s "$debs/$name" ] || return 1
	echo "$debs/$name"
}

# A Debian kernel's headers, their -common part and the kbuild of its version: the .debs.
debian_headers() { # $1 release, $2 package version, $3 deb arch, $4 dir of the user's .deb
	local h dep common kbuild
	h=$(find_deb "linux-headers-$1" "$2" "$3" "$4") ||
		die "tcelab.ko is built against the kernel's headers, and there is no linux-headers-$1 $2 ($3) next to the image, in .cache/debs, nor in apt ('apt-cache madison linux-headers-$1' lists what apt has): put its .deb next to the image"
	echo "$h"
	for dep in $(dpkg-deb -f "$h" Depends | tr ',|' '\n\n' | awk '{print $1}'); do
		case $dep in
		linux-headers-*-common*) common=$dep ;;
		linux-kbuild-*) kbuild=$dep ;;
		esac
	done
	if [ -n "${common:-}" ]; then
		find_deb "$common" "$2" all "$4" || die "no $common $2 for linux-headers-$1 (next to the image, .cache/debs or apt)"
	fi
	# kbuild runs on this host: always amd64
	[ -n "${kbuild:-}" ] || die "linux-headers-$1 $2 depends on no linux-kbuild package"
	find_deb "$kbuild" "$2" amd64 "$4" || die "no $kbuild $2 (amd64) for linux-headers-$1 (next to the image, .cache/debs or apt)"
}

# "PACKAGE VERSION, ..." of .debs.
deb_names() {
	local f
	for f in "$@"; do
		echo "$(dpkg-deb -f "$f" Package) $(dpkg-deb -f "$f" Version)"
	done | paste -sd, | sed 's/,/, /g'
}

# Unpacked Debian headers: their Makefile includes the -common tree by absolute path.
fix_headers() { # $1 root (final path), $2 release, $3 root being written
	local mk=$3/usr/src/linux-headers-$2/Makefile
	[ -f "$mk" ] && sed -i "s|^include /usr/src/|include $1/usr/src/|" "$mk"
	return 0
}

# The configuration against what the target needs (TCELAB_KCONFIG: 'tcelab kconfig --target T
# --timing M', set by tcelab run): a kernel that lacks an option is refused before anything of
# it is unpacked or built.
preflight() { # $1 config
	[ -f "$1" ] || die "no kernel configuration at $1"
	[ -n "${TCELAB_KCONFIG:-}" ] || return 0
	local out
	out=$($TCELAB_KCONFIG --check "$1" 2>&1) && return 0
	printf '%s\n' "$out" >&2
	die "the kernel's configuration ($1) lacks what the target needs (above): 'tcelab ${TCELAB_KCONFIG#* } > tcelab.config' writes the options; merge them into the kernel's .config (scripts/kconfig/merge_config.sh) and rebuild it"
}

# The release a module was built for (first word of its vermagic).
module_release() { # $1 module file
	local tmp
	tmp=$(mktemp)
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac >"$tmp"
	readelf -p .modinfo "$tmp" 2>/dev/null | sed -n 's/.*vermagic=\([^ ]*\).*/\1/p' | head -1
	rm -f "$tmp"
}

# lib/modules/RELEASE within a modules_install tree (or that directory itself).
modules_dir() { # $1 directory, $2 release
	local d
	for d in "$1/lib/modules/$2" "$1/$2" "$1"; do
		[ -d "$d/kernel" ] && [ "$(basename "$(cd "$d" && pwd)")" = "$2" ] && { echo "$d"; return 0; }
	done
	return 1
}

check_modules() { # $1 lib/modules/RELEASE, $2 release, $3 what the user gave
	local ko rel
	ko=$(find "$1/kernel" \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' \) -print -quit)
	[ -n "$ko" ] || die "$3 has no modules under $1/kernel: install them (make modules_install INSTALL_MOD_PATH=DIR)"
	rel=$(module_release "$ko")
	[ "$rel" = "$2" ] || die "$3: its modules are of release '$rel' (${ko#$1/}), the kernel is $2: give the modules built with that kernel"
}

cmd_prepare() {
	local arch=$1 kernel=$2 modules=$3 out=$4
	local form kind fmt rel debver="" image config build modsrc="" key cache root git="" headers=""
	local extra_key="" pkg darch deb_dir hdebs=() f
	[ -e "$kernel" ] || die "--kernel $kernel: no such file or directory"
	kernel=$(cd "$(dirname "$kernel")" && pwd)/$(basename "$kernel")
	kernel=${kernel%/.}
	if [ "$modules" != - ]; then
		[ -e "$modules" ] || die "--modules $modules: no such file or directory"
		modules=$(cd "$(dirname "$modules")" && pwd)/$(basename "$modules")
	fi

	# --- what it is, its arch and release: all before anything is unpacked or built ---
	if [ -d "$kernel" ]; then
		form=tree
		[ -f "$kernel/Makefile" ] && [ -f "$kernel/.config" ] ||
			die "--kernel $kernel: a directory, but not a configured kernel tree (no Makefile and .config); --kernel takes a built kernel tree, a kernel image with --modules, or a linux-image-*.deb"
		[ -f "$kernel/include/config/kernel.release" ] && [ -f "$kernel/vmlinux" ] ||
			die "--kernel $kernel: the tree is not built (no vmlinux or include/config/kernel.release): make ARCH=$(karch_of "$arch") $( [ "$arch" = x86_64 ] || echo "CROSS_COMPILE=$(cross_of "$arch") ")-j\$(nproc) vmlinux modules"
		image=$kernel/vmlinux
		rel=$(cat "$kernel/include/config/kernel.release")
		config=$kernel/.config
		build=$kernel
		[ -f "$kernel/Module.symvers" ] ||
			die "--kernel $kernel: no Module.symvers: the tree's modules are not built (make modules); tcelab.ko is built against them"
		git=$(git -C "$kernel" describe --always --dirty 2>/dev/null || true)
		preflight "$config"
	elif [ "${kernel%.deb}" != "$kernel" ]; then
		form=deb
		pkg=$(dpkg-deb -f "$kernel" Package 2>/dev/null) ||
			die "--kernel $kernel: not a Debian package (dpkg-deb cannot read it)"
		case $pkg in
		linux-image-*-dbg) die "--kernel $kernel: $pkg holds debug symbols only: give the linux-image .deb" ;;
		linux-image-[0-9]*) ;;
		*) die "--kernel $kernel: $pkg is not a kernel image package (linux-image-RELEASE)" ;;
		esac
		rel=${pkg#linux-image-}
		rel=${rel%-unsigned}
		debver=$(dpkg-deb -f "$kernel" Version)
		darch=$(dpkg-deb -f "$kernel" Architecture)
		case $darch in
		amd64) kind=x86_64 ;;
		ppc64el) kind=ppc64le ;;
		*) kind="- a $darch package" ;;
		esac
		[ "$kind" = "$arch" ] ||
			die "--kernel $kernel: $pkg is a kernel for $darch, and the target runs $arch ($(darch_of "$arch")): give --target $( [ "$kind" = x86_64 ] && echo x86_64 || echo powernv9) or a $(darch_of "$arch") kernel"
		deb_dir=$(dirname "$kernel")
		mapfile -t hdebs < <(debian_headers "$rel" "$debver" "$darch" "$deb_dir")
		[ "${#hdebs[@]}" -ge 2 ] || exit 2
	else
		form=image
		read -r kind fmt < <(image_kind "$kernel")
		[ "$kind" != - ] || die "--kernel $kernel is not a kernel image: $fmt; --kernel takes a built kernel tree, a kernel image (vmlinux, bzImage) with --modules, or a linux-image-*.deb"
		[ "$kind" = "$arch" ] ||
			die "--kernel $kernel is an $kind kernel ($fmt), and the target runs $arch: give --target $( [ "$kind" = x86_64 ] && echo x86_64 || echo powernv9) or an $arch kernel"
		[ "$arch" = x86_64 ] || [ "$fmt" = elf ] || die "--kernel $kernel: QEMU powernv boots an ELF vmlinux"
		image=$kernel
		rel=$(image_banner "$kernel" "$fmt" | awk '{print $3}')
		[ -n "$rel" ] || die "--kernel $kernel: no 'Linux version' banner in the image: is it a kernel?"
		debver=$(image_banner "$kernel" "$fmt" | sed -n 's/.* Debian \([^ ]*\) .*/\1/p')
		[ "$modules" != - ] ||
			die "--kernel $kernel is an image alone: give its modules with --modules (a 'make modules_install INSTALL_MOD_PATH=DIR' tree or a tarball of one), or --kernel the built tree or the linux-image .deb"
	fi
	if [ "$form" = tree ]; then
		read -r kind fmt < <(image_kind "$image")
		[ "$kind" != - ] || die "$image is not a kernel image: $fmt"
		[ "$kind" = "$arch" ] ||
			die "--kernel $kernel is an $kind kernel tree, and the target runs $arch: give --target $( [ "$kind" = x86_64 ] && echo x86_64 || echo powernv9) or an $arch tree"
	fi

	# --- the key: the content of everything that goes into the cache entry ---
	case $form in
	tree)
		extra_key=$(cd "$kernel" && sha vmlinux .config Module.symvers &&
			{ [ ! -f modules.order ] || sed 's/\.o$/.ko/' modules.order | xargs -r sha256sum 2>/dev/null | cut -c1-64; }) ||
			die "--kernel $kernel: modules.order names modules that are not built: make modules"
		;;
	deb) extra_key=$(sha "$kernel" "${hdebs[@]}") ;;
	image) extra_key=$(sha "$kernel") ;;
	esac
	if [ "$modules" != - ]; then
		if [ -d "$modules" ]; then
			modsrc=$(modules_dir "$modules" "$rel") ||
				die "--modules $modules has no modules of release $rel (lib/modules/$rel, or $rel/ with kernel/ inside; it has: $(ls "$modules/lib/modules" 2>/dev/null | tr '\n' ' ' || true)$( [ -d "$modules/kernel" ] && basename "$modules")): give the modules built with the kernel"
			check_modules "$modsrc" "$rel" "--modules $modules"
			extra_key="$extra_key $(cd "$modsrc" && find . -type f | LC_ALL=C sort | xargs -r sha256sum | sha256sum | cut -c1-64)"
		else
			tar -tf "$modules" >/dev/null 2>&1 || die "--modules $modules: neither a directory nor a tarball tar can read"
			extra_key="$extra_key $(sha "$modules")"
		fi
	fi
	key=$(printf 'tcelab-user-kernel/1 %s %s %s %s\n' "$arch" "$form" "$rel" "$extra_key" | sha256sum | cut -c1-20)
	cache=$kernels/$key

	if [ ! -f "$cache/kernel.env" ]; then
		step "unpack the kernel into .cache/kernels/$key ($form, $rel)"
		work=$kernels/.work-$$
		rm -rf "$work"
		mkdir -p "$work/boot" "$work/lib/modules"
		root=$work/root
		case $form in
		deb)
			mkdir -p "$root"
			dpkg-deb -x "$kernel" "$root"
			preflight "$root/boot/config-$rel"
			for f in "${hdebs[@]}"; do
				dpkg-deb -x "$f" "$root"
			done
			fix_headers "$cache/root" "$rel" "$root"
			if [ "$arch" = x86_64 ]; then
				extract_bzimage "$root/boot/vmlinuz-$rel" "$work/boot/vmlinux"
			else
				mv "$root/boot/vmlinux-$rel" "$work/boot/vmlinux"
			fi
			mv "$root/lib/modules/$rel" "$work/lib/modules/$rel"
			rm -rf "${root:?}/lib/modules" "${root:?}/usr/share"
			headers=$(deb_names "${hdebs[@]}")
			;;
		image)
			if [ "$fmt" = bzimage ]; then
				extract_bzimage "$kernel" "$work/boot/vmlinux"
			else
				cp "$kernel" "$work/boot/vmlinux"
			fi
			;;
		tree)
			"$(cross_of "$arch")objcopy" --strip-debug "$image" "$work/boot/vmlinux"
			if [ "$modules" = - ]; then
				step "make modules_install INSTALL_MOD_PATH=.cache/kernels/$key"
				make -s -C "$kernel" ARCH="$(karch_of "$arch")" CROSS_COMPILE="$(cross_of "$arch")" \
					INSTALL_MOD_PATH="$work/install" INSTALL_MOD_STRIP=1 modules_install \
					>"$work/modules_install.log" 2>&1 ||
					{ tail -20 "$work/modules_install.log" >&2; die "make modules_install in $kernel failed"; }
				mv "$work/install/lib/modules/$rel" "$work/lib/modules/$rel"
				rm -rf "$work/install"
				check_modules "$work/lib/modules/$rel" "$rel" "--kernel $kernel"
			fi
			;;
		esac
		# The tree to build modules against, for an image: the modules' build link, or
		# Debian's headers of the version its banner names. Its configuration is the image's.
		if [ "$form" = image ]; then
			if [ -f "${modsrc:-$modules}/build/Makefile" ] && [ -f "${modsrc:-$modules}/build/Module.symvers" ]; then
				build=$(cd "${modsrc:-$modules}/build" && pwd -P)
				preflight "$build/.config"
			elif [ -n "$debver" ]; then
				mapfile -t hdebs < <(debian_headers "$rel" "$debver" "$(darch_of "$arch")" "$(dirname "$kernel")")
				[ "${#hdebs[@]}" -ge 2 ] || exit 2
				mkdir -p "$root"
				for f in "${hdebs[@]}"; do
					dpkg-deb -x "$f" "$root"
				done
				preflight "$root/usr/src/linux-headers-$rel/.config"
				fix_headers "$cache/root" "$rel" "$root"
				headers=$(deb_names "${hdebs[@]}")
			else
				die "no tree to build tcelab.ko against for $rel: the modules' build link (${modsrc:-$modules}/build) leads to no built tree and the image is no Debian kernel; give --kernel the built tree instead"
			fi
		fi
		if [ "$modules" != - ]; then
			if [ -d "$modules" ]; then
				cp -a "$modsrc" "$work/lib/modules/$rel"
			else
				mkdir -p "$work/tar"
				tar -xf "$modules" -C "$work/tar" || die "--modules $modules: tar cannot unpack it"
				modsrc=$(modules_dir "$work/tar" "$rel") ||
					die "--modules $modules holds no modules of release $rel (it has: $(cd "$work/tar" && ls -d lib/modules/* ./* 2>/dev/null | tr '\n' ' ')): give the modules built with the kernel"
				mv "$modsrc" "$work/lib/modules/$rel"
				rm -rf "$work/tar"
				check_modules "$work/lib/modules/$rel" "$rel" "--modules $modules"
			fi
		fi
		[ -d "$root" ] && build=$cache/root/usr/src/linux-headers-$rel
		[ "$form" != tree ] && [ -z "${build:-}" ] && die "no tree to build tcelab.ko against for $rel"
		[ "$form" = deb ] && config=$cache/root/boot/config-$rel
		[ -z "${config:-}" ] && config=$build/.config
		{
			echo "KERNEL_KEY=$key"
			echo "KERNEL_FORM=$form"
			echo "KERNEL_ARCH=$arch"
			echo "KERNEL_RELEASE=$rel"
			echo "KERNEL_PACKAGE_VERSION=$debver"
			echo "KERNEL_IMAGE=$cache/boot/vmlinux"
			echo "KERNEL_MODULES=$cache/lib/modules/$rel"
			echo "KERNEL_BUILD=$build"
			echo "KERNEL_CONFIG=$config"
			echo "KERNEL_HEADERS=$headers"
		} >"$work/kernel.env"
		mkdir -p "$kernels"
		rm -rf "$cache"
		mv "$work" "$cache"
		work=
	fi
	load_env "$cache/kernel.env"
	[ -f "$KERNEL_CONFIG" ] || die "no configuration for $rel ($KERNEL_CONFIG)"
	[ -f "$KERNEL_BUILD/Makefile" ] || die "the tree to build modules against, $KERNEL_BUILD, is gone: remove .cache/kernels/$key"
	{
		cat "$cache/kernel.env"
		echo "KERNEL_PATH=$kernel"
		[ "$modules" = - ] || echo "KERNEL_MODULES_PATH=$modules"
		echo "KERNEL_CONFIG_SHA256=$(sha "$KERNEL_CONFIG")"
		echo "KERNEL_GIT_DESCRIBE=$git"
	} >"$out.tmp"
	mv "$out.tmp" "$out"
}

cmd_initramfs() {
	local env=$1 out=$2 srckey dir arch kdir karch cross busybox rel major minor
	load_env "$env"
	arch=$KERNEL_ARCH rel=$KERNEL_RELEASE kdir=$KERNEL_BUILD
	karch=$(karch_of "$arch")
	cross=$(cross_of "$arch")
	major=${rel%%.*}
	minor=${rel#*.}
	minor=${minor%%[!0-9]*}
	srckey=$(cd "$top" && sha kmod/*.c kmod/*.h kmod/Kbuild kmod/spapr_iommu_ops/* include/uapi/tcelab.h \
		vm/user-kernel.sh | sha256sum | cut -c1-12)
	dir=$top/build/kernels/$KERNEL_KEY-$srckey
	if [ ! -f "$dir/kmod/tcelab.ko" ]; then
		step "build tcelab.ko against $rel"
		work=$top/build/kernels/.work-$$
		rm -rf "$work"
		mkdir -p "$work/kmod"
		ln -s "$top"/kmod/*.c "$top"/kmod/*.h "$top/kmod/Kbuild" "$work/kmod/"
		make -s -C "$kdir" M="$work/kmod" ARCH="$karch" CROSS_COMPILE="$cross" TCELAB_TOP="$top" \
			modules >"$work/kmod/build.log" 2>&1 ||
			{ tail -30 "$work/kmod/build.log" >&2; die "tcelab.ko does not build against $rel ($kdir; log above)"; }
		# kbuild adds module BTF itself when the tree has a vmlinux; Debian 6.1's headers have none.
		if grep -qx CONFIG_DEBUG_INFO_BTF_MODULES=y "$KERNEL_CONFIG" &&
			! readelf -S "$work/kmod/tcelab.ko" | grep -q '\.BTF'; then
			pahole -J --btf_gen_floats -j --lang_exclude=rust --btf_base "$KERNEL_IMAGE" \
				"$work/kmod/tcelab.ko" >>"$work/kmod/build.log" 2>&1 ||
				die "pahole cannot add BTF to tcelab.ko against $KERNEL_IMAGE"
		fi
		# Upstream powerpc has had its own iommu_ops since 6.2: the test-only module is for older.
		if [ "$arch" = ppc64le ] && { [ "$major" -lt 6 ] || { [ "$major" = 6 ] && [ "$minor" -lt 2 ]; }; }; then
			mkdir -p "$work/kmod/spapr_iommu_ops"
			ln -s "$top"/kmod/spapr_iommu_ops/spapr_iommu_ops.c "$top/kmod/spapr_iommu_ops/Kbuild" \
				"$work/kmod/spapr_iommu_ops/"
			make -s -C "$kdir" M="$work/kmod/spapr_iommu_ops" ARCH="$karch" CROSS_COMPILE="$cross" \
				modules >"$work/kmod/spapr_iommu_ops/build.log" 2>&1 ||
				{ tail -30 "$work/kmod/spapr_iommu_ops/build.log" >&2; die "spapr_iommu_ops.ko does not build against $rel"; }
		fi
		mkdir -p "$top/build/kernels"
		rm -rf "$dir"
		mv "$work" "$dir"
		work=
	fi
	# The guest programs are the built ones (build/ARCH): a newer build makes a new initramfs.
	if [ ! -f "$dir/initramfs.cpio" ] || [ "$dir/initramfs.cpio" -ot "$top/build/$arch/initramfs.cpio" ]; then
		busybox=$(sed -n "s/^BUSYBOX_$arch := //p" "$top/.cache/versions.mk")
		"$top/vm/mkinitramfs.sh" "$arch" "$top/build/$arch" "$KERNEL_MODULES" "$busybox" \
			"$dir/initramfs.cpio" "$dir/kmod" || die "the initramfs for $rel cannot be built (above)"
	fi
	{
		echo "KERNEL_INITRAMFS=$dir/initramfs.cpio"
		echo "KERNEL_TCELAB_KO=$dir/kmod/tcelab.ko"
	} >"$out.tmp"
	mv "$out.tmp" "$out"
}

main() {
	case ${1:-} in
	prepare) [ $# = 5 ] || die "usage: user-kernel.sh prepare ARCH KERNEL MODULES|- OUT.env"; shift; cmd_prepare "$@" ;;
	initramfs) [ $# = 3 ] || die "usage: user-kernel.sh initramfs KERNEL.env OUT.env"; shift; cmd_initramfs "$@" ;;
	*) die "usage: user-kernel.sh prepare|initramfs ..." ;;
	esac
}
# One line: bash reads a script as it runs it, and would read on into an edited file.
main "$@"; exit

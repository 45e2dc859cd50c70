#!/usr/bin/env bash
# The guest half of `make test`: the guest test suite and the harness's negative tests on each
# test target, then the REAL upstream VFIO sPAPR TCE stack on powernv9-vfio.
# usage: tests/run-tests.sh TCELAB RUNS_DIR   (guest test runs go to RUNS_DIR, not reports/)
set -uo pipefail
tcelab=$1 runs=$2
cd "$(dirname "$0")/.."
targets="powernv9 x86_64"
# job:failure-kind pairs: the harness must catch each of these.
negative_jobs="warn:kernel-warn leak:pinned-pages fail:guest-exit"

# A run that must fail for KIND; its output is shown only when it does not.
expect_failure() { # NAME KIND tcelab-run-args...
	local name=$1 kind=$2
	shift 2
	"$tcelab" run "$@" --expect-failure "$kind" --out "$runs/$name" >"$runs/$name.log" 2>&1 ||
		{ cat "$runs/$name.log"; exit 1; }
}

rm -rf "$runs"
mkdir -p "$runs"
for t in $targets; do
	echo "==> guest tests on $t"
	"$tcelab" run --target "$t" --job test --out "$runs/$t-test" || exit 1
	for jk in $negative_jobs; do
		echo "==> harness catches ${jk#*:} on $t"
		expect_failure "$t-${jk%%:*}" "${jk#*:}" --target "$t" --job "${jk%%:*}"
	done
done
echo "==> your own traces (--trace): a .tce and a QEMU log, replayed on x86_64"
"$tcelab" run --target x86_64 --job suite --trace traces/testdata/qemu-e1000.tce \
	--trace traces/testdata/recorded/pseries-e1000-nvme-noddw.log --out "$runs/x86_64-trace" \
	>"$runs/x86_64-trace.log" 2>&1 &&
	grep -q '^  suite     traces: 2 of 2 scenarios passed' "$runs/x86_64-trace.log" ||
	{ cat "$runs/x86_64-trace.log"; exit 1; }
echo "==> a malformed --trace stops before the boot, names its line, leaves no run directory"
{ head -20 traces/testdata/qemu-e1000.tce; echo "put liobn=zz ioba=0 tce=0x3 ret=H_SUCCESS"; } \
	>"$runs/bad.tce"
if "$tcelab" run --target x86_64 --trace "$runs/bad.tce" --out "$runs/bad-trace" \
	>"$runs/bad-trace.log" 2>&1 || ! grep -q "bad.tce:21: liobn:" "$runs/bad-trace.log" ||
	[ -e "$runs/bad-trace" ]; then
	echo "a malformed trace was not refused as it should be:"
	cat "$runs/bad-trace.log"
	exit 1
fi
echo "==> upstream VFIO sPAPR TCE stack on powernv9-vfio"
"$tcelab" run --target powernv9-vfio --job vfio --out "$runs/powernv9-vfio-vfio" || exit 1
echo "==> the probes catch upstream 6.1's UNREGISTER_MEMORY leak (16 pages) on powernv9-vfio"
expect_failure powernv9-vfio-unreg-leak kernel-warn,probe-leak --target powernv9-vfio \
	--job vfio-unreg-leak
# The verdict names the leak from the upstream pin ledger: exactly 16 pages, the stack that
# pinned them starting at the preregistration.
want="probe-leak: guest/probe-upstream.json: the probes found 16 pages leaked (16 pins), first pinned by mm_iommu_do_alloc+"
grep -qF "$want" "$runs/powernv9-vfio-unreg-leak.log" || {
	echo "the verdict did not report: $want..."
	cat "$runs/powernv9-vfio-unreg-leak.log"
	exit 1
}
echo "==> patches to the upstream driver (tests/patches/MANIFEST): the unpatched rebuild passes"
echo "    like Debian's module, the MAP leak fails with exactly its failure kinds"
"$(dirname "$tcelab")/patch-validity" "$tcelab" "$runs/patches" \
	drivers/vfio/vfio_iommu_spapr_tce.c map-leak.patch >"$runs/patches.log" 2>&1 ||
	{ cat "$runs/patches.log"; exit 1; }
echo "==> a --patch that does not apply, or touches built-in code, stops before the boot"
# ... naming why, with no run directory and nothing new in build/patched/.
built=$(ls -A build/patched)
sed 's/tce_iommu_unuse_page_v2(container, tbl, entry);/tce_iommu_unuse_page_v3(container, tbl, entry);/' \
	tests/patches/map-leak.patch >"$runs/stale.patch"
printf -- '--- a/arch/powerpc/kernel/iommu.c\n+++ b/arch/powerpc/kernel/iommu.c\n@@ -1 +1 @@\n-x\n+y\n' \
	>"$runs/builtin.patch"
for nw in "stale:Hunk #1 FAILED at 469" \
	  "builtin:arch/powerpc/kernel/iommu.c is built into the guest kernel"; do
	n=${nw%%:*}
	if "$tcelab" run --target powernv9-vfio --job vfio --patch "$runs/$n.patch" --out "$runs/$n" \
		>"$runs/$n.log" 2>&1 || ! grep -qF "${nw#*:}" "$runs/$n.log" || [ -e "$runs/$n" ] ||
		[ "$(ls -A build/patched)" != "$built" ]; then
		echo "--patch $n.patch was not refused as it should be (${nw#*:}):"
		cat "$runs/$n.log"
		exit 1
	fi
done
echo "==> a rebuilt module the guest job never loads fails the run (patch-not-loaded)"
expect_failure powernv9-not-loaded patch-not-loaded --target powernv9 --job fail \
	--rebuild drivers/vfio/pci/vfio_pci.c
echo "==> the default suite on tcelab.ko and on the upstream VFIO container, one boot"
"$tcelab" run --target powernv9-vfio --job suite --backends kmod,vfio \
	--out "$runs/powernv9-vfio-side-by-side" || exit 1
echo "==> all tests passed"

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

# A step's header, with the time since the guest half began: where make test spends it.
section() {
	printf '==> [%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"
}

# tcelab ARGS... must exit WANT (README.md, "Exit codes"); its output is shown only when not.
expect_exit() { # WANT NAME tcelab-args...
	local want=$1 name=$2 st=0
	shift 2
	"$tcelab" "$@" >"$runs/exit-$name.log" 2>&1 || st=$?
	[ "$st" = "$want" ] ||
		{ cat "$runs/exit-$name.log"; echo "tcelab $*: exit $st, want $want"; exit 1; }
}
section "exit codes: 2 for a usage error, 4 for a target that cannot run here"
for cmd in run report compare history import gen oracle; do
	expect_exit 2 "$cmd-usage" "$cmd" --no-such-option
done
expect_exit 2 no-command no-such-command
st=0
"$tcelab" run --target native --check >"$runs/exit-native.log" 2>&1 || st=$?
case $st in
0) echo "    this host loads modules: --target native runs here, there is no skip to check" ;;
4) grep -q "cannot load tcelab.ko" "$runs/exit-native.log" ||
	{ cat "$runs/exit-native.log"; echo "--target native did not say why it cannot run"; exit 1; } ;;
*) cat "$runs/exit-native.log"
   echo "tcelab run --target native --check: exit $st, want 4 (0 on a host that loads modules)"
   exit 1 ;;
esac
for t in $targets; do
	section "guest tests on $t"
	"$tcelab" run --target "$t" --job test --out "$runs/$t-test" || exit 1
	# One KTAP document: a subtest and a result per program, then the probe loop's result.
	log=$runs/$t-test/guest/job.log
	want=$(($(ls "$runs/$t-test/guest/tap" | wc -l) + 1))
	[ "$(sed -n 1p "$log")" = "KTAP version 1" ] && [ "$(sed -n 2p "$log")" = "1..$want" ] &&
		[ "$(grep -c '^ok [0-9]' "$log")" = "$want" ] ||
		{ echo "guest/job.log is not one KTAP document of $want passed results:"; cat "$log"; exit 1; }
	for jk in $negative_jobs; do
		section "harness catches ${jk#*:} on $t"
		expect_failure "$t-${jk%%:*}" "${jk#*:}" --target "$t" --job "${jk%%:*}"
	done
done
section "harness catches live-allocations on x86_64: a window's table kept (knob leak_table)"
expect_failure x86_64-leak-table live-allocations --target x86_64 --job suite --suite validity \
	--append tcelab.knob.leak_table=1
want="live-allocations: tcelab.ko still held 3 objects after the job: table_levels 2, tables 1"
grep -qxF "$want" "$runs/x86_64-leak-table.log" ||
	{ cat "$runs/x86_64-leak-table.log"; echo "the verdict did not report: $want"; exit 1; }
section "tcelab.ko's interface fuzzed for 60 s on x86_64 (job fuzz, under the probes)"
"$tcelab" run --target x86_64 --job fuzz --append tcelab.fuzz.seconds=60 --out "$runs/x86_64-fuzz" \
	>"$runs/x86_64-fuzz.log" 2>&1 &&
	grep -Eq '^  fuzz      seed [0-9]+: [1-9][0-9]* calls' "$runs/x86_64-fuzz.log" ||
	{ cat "$runs/x86_64-fuzz.log"; exit 1; }
grep -E '^  fuzz ' "$runs/x86_64-fuzz.log"
section "the fuzz run fails with a leak knob: release_leak leaves TCEs and pins at close"
expect_failure x86_64-fuzz-release-leak test-failure,pinned-pages,probe-leak --target x86_64 \
	--job fuzz --append "tcelab.fuzz.seconds=5 tcelab.knob.release_leak=1"
section "the storms report double releases with a non-atomic exchange (knob nonatomic_xchg)"
expect_failure x86_64-storm-nonatomic test-failure,pinned-pages --target x86_64 --job storm \
	--append tcelab.knob.nonatomic_xchg=1
grep -q '^not ok [0-9]* storms: double releases back to baseline' \
	"$runs/x86_64-storm-nonatomic/guest/tap/kmod_storm.tap" ||
	{ cat "$runs/x86_64-storm-nonatomic.log"; echo "the storms did not report double releases"; exit 1; }
section "a boot that never reaches the job is booted again once, then fails (boot-hang)"
# boot_delay holds every boot message 100 ms: the guest cannot reach init within 5 s.
expect_failure x86_64-boot-hang boot-hang --target x86_64 --job fail --boot-timeout 5 \
	--append "loglevel=7 boot_delay=100"
python3 -c 'import json, sys; h = json.load(open(sys.argv[1]))["boot_hangs"]
sys.exit(not (len(h) == 1 and h[0]["console"] == "console-hang-1.log"))' \
	"$runs/x86_64-boot-hang/results.json" && [ -e "$runs/x86_64-boot-hang/console-hang-1.log" ] ||
	{ cat "$runs/x86_64-boot-hang.log"; echo "the boot hang was not retried once and kept"; exit 1; }
section "a failing run exits 1"
section "the suites catch the knobs' bug classes (tests/knobs/MANIFEST): the errors suite passes"
echo "    clean and fails with no_dirty with exactly guest-exit and probe-not-dirtied"
"$(dirname "$tcelab")/knob-validity" "$tcelab" "$runs/knobs" errors:- errors:no_dirty=1 \
	>"$runs/knobs.log" 2>&1 || { cat "$runs/knobs.log"; exit 1; }
expect_exit 1 failing-run run --target x86_64 --job fail --no-history --out "$runs/x86_64-fail-exit"
section "SIGTERM to tcelab run mid-boot: QEMU stopped, results.json incomplete, exit 2"
"$tcelab" run --target x86_64 --job test --no-history --out "$runs/sigterm" >"$runs/sigterm.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$runs/sigterm/console.log" ] && break; sleep 0.1; done
kill -TERM $pid
wait $pid
status=$?
sleep 1
[ $status = 2 ] && grep -q '"verdict":	"incomplete"' "$runs/sigterm/results.json" &&
	grep -q '^interrupted: tcelab was stopped by signal 15' "$runs/sigterm.log" &&
	! pgrep -f "path=$runs/sigterm/guest" >/dev/null ||
	{ echo "tcelab run exited $status on SIGTERM, or left QEMU running:"; cat "$runs/sigterm.log"; exit 1; }
section "your own traces (--trace): a .tce and a QEMU log, replayed on x86_64"
"$tcelab" run --target x86_64 --job suite --trace traces/testdata/qemu-e1000.tce \
	--trace traces/testdata/recorded/pseries-e1000-nvme-noddw.log --out "$runs/x86_64-trace" \
	>"$runs/x86_64-trace.log" 2>&1 &&
	grep -q '^  suite     traces: 2 of 2 scenarios passed' "$runs/x86_64-trace.log" ||
	{ cat "$runs/x86_64-trace.log"; exit 1; }
section "a malformed --trace stops before the boot, names its line, leaves no run directory"
{ head -20 traces/testdata/qemu-e1000.tce; echo "put liobn=zz ioba=0 tce=0x3 ret=H_SUCCESS"; } \
	>"$runs/bad.tce"
if "$tcelab" run --target x86_64 --trace "$runs/bad.tce" --out "$runs/bad-trace" \
	>"$runs/bad-trace.log" 2>&1 || ! grep -q "bad.tce:21: liobn:" "$runs/bad-trace.log" ||
	[ -e "$runs/bad-trace" ]; then
	echo "a malformed trace was not refused as it should be:"
	cat "$runs/bad-trace.log"
	exit 1
fi
section "your kernel (--kernel): Debian's 6.12 linux-image .deb boots on x86_64 with its own tcelab.ko"
deb=$(sed -n 's/^TEST_KERNEL_X86_DEB=//p' .cache/versions.env)
[ -s "$deb" ] || { echo "no TEST_KERNEL_X86_DEB in .cache/versions.env: run make setup"; exit 1; }
"$tcelab" run --target x86_64 --job knob --kernel "$deb" --no-history --out "$runs/kernel-deb" \
	>"$runs/kernel-deb.log" 2>&1 || { cat "$runs/kernel-deb.log"; exit 1; }
# The guest ran that kernel; results.json and summary.json name it, with its config's hash.
python3 - "$runs/kernel-deb" "$(dpkg-deb -f "$deb" Package)" <<'PY' || { cat "$runs/kernel-deb.log"; exit 1; }
import hashlib, json, sys
res = json.load(open(sys.argv[1] + "/results.json"))
k, rel = res["kernel"], sys.argv[2][len("linux-image-"):]
env = json.load(open(sys.argv[1] + "/summary.json"))["environment"]
checks = [(res["guest"]["kernel"], rel), (k["release"], rel), (k["form"], "deb"),
          (k["config_sha256"], hashlib.sha256(open(k["config"], "rb").read()).hexdigest()),
          (k["patches"], []), (env["kernel_under_test"]["release"], rel), (res["verdict"], "pass")]
bad = [c for c in checks if c[0] != c[1]]
for got, want in bad:
    print("--kernel run: got %r, want %r" % (got, want))
sys.exit(1 if bad else 0)
PY
section "bad kernels are refused before any boot (exit 2, no run directory, nothing half-built)"
image=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel"]["image"])' \
	"$runs/kernel-deb/results.json")
badtree=$runs/kernel-badtree
mkdir -p "$badtree/include/config"
grep -v '^CONFIG_DEBUG_FS=' "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel"]["config"])' \
	"$runs/kernel-deb/results.json")" >"$badtree/.config"
echo "$(dpkg-deb -f "$deb" Package | sed 's/^linux-image-//')" >"$badtree/include/config/kernel.release"
touch "$badtree/Makefile" "$badtree/Module.symvers"
ln -s "$image" "$badtree/vmlinux"
refused() { # NAME MESSAGE tcelab-run-args...: exit 2 with MESSAGE, and no run directory
	local name=$1 msg=$2 st=0
	shift 2
	"$tcelab" run --no-history --out "$runs/$name" "$@" >"$runs/$name.log" 2>&1 || st=$?
	[ $st = 2 ] && grep -qF -- "$msg" "$runs/$name.log" && [ ! -e "$runs/$name" ] ||
		{ cat "$runs/$name.log"; echo "tcelab run $*: exit $st, want 2 and '$msg'"; exit 1; }
}
refused kernel-wrong-arch "is a kernel for amd64, and the target runs ppc64le" --target powernv9 --kernel "$deb"
refused kernel-not-a-kernel "is not a kernel image" --target x86_64 --kernel README.md
refused kernel-no-modules "is an image alone: give its modules with --modules" --target x86_64 --kernel "$image"
refused kernel-other-modules "has no modules of release" --target x86_64 --kernel "$image" \
	--modules "$(sed -n 's/^MODDIR_x86_64 := //p' .cache/versions.mk)"
refused kernel-config "CONFIG_DEBUG_FS=y (not set)" --target x86_64 --kernel "$badtree"
leftover=$(ls -d .cache/kernels/.work-* build/kernels/.work-* 2>/dev/null || true)
[ -z "$leftover" ] || { echo "half-built kernel cache entries left: $leftover"; exit 1; }
section "the verdict measured (tcelab validity, short): 3 A/A pairs, 3 at +20 % of op:put, icount"
# Wide margins: a busy host in half the runs, and still no false alarm and every slowdown found.
"$tcelab" validity --target x86_64 --timings icount --pairs 3 --levels 20 \
	--out "$runs/validity" >"$runs/validity.log" 2>&1 &&
	grep -Eq '^  icount +0 of 3 +3 of 3 *$' "$runs/validity/verdict.txt" ||
	{ cat "$runs/validity.log"; exit 1; }
section "tcelab ab --bisect: a +20 % slowdown of op:put is bad (1), a side that cannot run is skip (125)"
"$tcelab" ab --bisect --runs 3 --base '' --cand '--append tcelab.knob.xchg_work=178' \
	--out "$runs/ab" --target x86_64 --job suite --suite validity >"$runs/ab.log" 2>&1
status=$?
[ $status = 1 ] && grep -Eq '^tcelab ab: \+[0-9.]+% regression of net ' "$runs/ab.log" &&
	grep -Eq ' net\.op:put\.p50 +regression$' "$runs/ab.log" ||
	{ echo "tcelab ab exited $status, not 1, or did not report net op:put:"; cat "$runs/ab.log"; exit 1; }
"$tcelab" ab --bisect --runs 3 --base '' --cand '--cpus 99' --out "$runs/ab-skip" \
	--target x86_64 >"$runs/ab-skip.log" 2>&1
status=$?
[ $status = 125 ] && grep -q "the cand side cannot run" "$runs/ab-skip.log" &&
	[ ! -e "$runs/ab-skip/base-1" ] ||
	{ echo "tcelab ab exited $status, not 125, on a side that cannot run:"; cat "$runs/ab-skip.log"; exit 1; }
section "upstream VFIO sPAPR TCE stack on powernv9-vfio"
"$tcelab" run --target powernv9-vfio --job vfio --out "$runs/powernv9-vfio-vfio" || exit 1
section "differential: tcelab.ko against the upstream VFIO sPAPR TCE container, 60 s (make diff: the long run)"
"$tcelab" run --target powernv9-vfio --job diff --append tcelab.diff.seconds=60 \
	--out "$runs/powernv9-vfio-diff" || exit 1
section "the differential fails on a difference kmod/DIFFERENCES.md does not declare (v1-on-ioda2 taken out)"
# Seed 9: its first sequence sets up a v1 container, which upstream refuses on IODA2.
expect_failure powernv9-vfio-diff-undeclared diff-undeclared --target powernv9-vfio --job diff \
	--append "tcelab.diff.seconds=5 tcelab.diff.seed=9 tcelab.diff.undeclare=v1-on-ioda2"
grep -q "^diff-undeclared: .* the first: ret setup-v1 upstream=EPERM tcelab=0 " \
	"$runs/powernv9-vfio-diff-undeclared.log" || {
	echo "the verdict did not name the undeclared setup-v1 divergence:"
	cat "$runs/powernv9-vfio-diff-undeclared.log"
	exit 1
}
section "the probes catch upstream 6.1's UNREGISTER_MEMORY leak (16 pages) on powernv9-vfio"
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
section "patches to the upstream driver (tests/patches/MANIFEST): the unpatched rebuild passes"
echo "    like Debian's module; the MAP leak, a second group in a v1 container and the release"
echo "    of a container with no group fail with exactly their failure kinds"
"$(dirname "$tcelab")/patch-validity" "$tcelab" "$runs/patches" \
	drivers/vfio/vfio_iommu_spapr_tce.c map-leak.patch v1-second-group.patch \
	release-without-group.patch >"$runs/patches.log" 2>&1 ||
	{ cat "$runs/patches.log"; exit 1; }
section "a --patch that does not apply, or touches built-in code, stops before the boot"
# ... with exit 2, naming why, with no run directory and nothing new in build/patched/.
built=$(ls -A build/patched)
sed 's/tce_iommu_unuse_page_v2(container, tbl, entry);/tce_iommu_unuse_page_v3(container, tbl, entry);/' \
	tests/patches/map-leak.patch >"$runs/stale.patch"
printf -- '--- a/arch/powerpc/kernel/iommu.c\n+++ b/arch/powerpc/kernel/iommu.c\n@@ -1 +1 @@\n-x\n+y\n' \
	>"$runs/builtin.patch"
for nw in "stale:Hunk #1 FAILED at 469" \
	  "builtin:arch/powerpc/kernel/iommu.c is built into the guest kernel"; do
	n=${nw%%:*} st=0
	"$tcelab" run --target powernv9-vfio --job vfio --patch "$runs/$n.patch" --out "$runs/$n" \
		>"$runs/$n.log" 2>&1 || st=$?
	if [ $st != 2 ] || ! grep -qF "${nw#*:}" "$runs/$n.log" || [ -e "$runs/$n" ] ||
		[ "$(ls -A build/patched)" != "$built" ]; then
		echo "--patch $n.patch was not refused as it should be (exit $st, want 2: ${nw#*:}):"
		cat "$runs/$n.log"
		exit 1
	fi
done
section "a rebuilt module the guest job never loads fails the run (patch-not-loaded)"
expect_failure powernv9-not-loaded patch-not-loaded --target powernv9 --job fail \
	--rebuild drivers/vfio/pci/vfio_pci.c
section "the default suite on tcelab.ko and on the upstream VFIO container, one boot"
"$tcelab" run --target powernv9-vfio --job suite --backends kmod,vfio \
	--out "$runs/powernv9-vfio-side-by-side" || exit 1
# What each call did to which TCE entry, alike on both stacks: the exact counts compared, and
# declared (write-only-tce: the powernv PHB holds a write-only TCE as bidirectional).
python3 - "$runs/powernv9-vfio-side-by-side/results.json" <<'PY' || exit 1
import json, sys
want = {"net@vfio": (978, 0), "adversarial@vfio": (1029, 1),
        "recorded-noddw@vfio": (2860, 0), "errors@vfio": (24584, 8200)}
got = {s["scenario"]: s.get("effects_vs_kmod", {}) for s in
       json.load(open(sys.argv[1]))["suite"]["scenarios"] if "@" in s["scenario"]}
got = {k: (v.get("compared"), v.get("declared"), v.get("differences")) for k, v in got.items()}
if got != {k: v + (0,) for k, v in want.items()}:
    sys.exit(f"TCE effects (compared, declared, differences): {got}, want {want} and 0 differences")
PY
section "the per-call comparison fails on a difference kmod/DIFFERENCES.md does not declare (write-only-tce taken out)"
"$tcelab" gen adversarial --seed 6 -o "$runs/adversarial.tce" >/dev/null || exit 1
expect_failure powernv9-vfio-effects-undeclared effects-mismatch --target powernv9-vfio \
	--job suite --backends kmod,vfio --trace "$runs/adversarial.tce" \
	--append tcelab.suite.undeclare=write-only-tce
want="first at adversarial.tce:55 (stuff, entry 0x34451): kmod from@0x599b000>clear, vfio bi@0x599b000>clear; 1 of 1030 effects differ"
grep -q "^effects-mismatch: adversarial@vfio: .*$want" "$runs/powernv9-vfio-effects-undeclared.log" || {
	echo "the verdict did not name the first undeclared difference of TCE effects:"
	cat "$runs/powernv9-vfio-effects-undeclared.log"
	exit 1
}
section "CI formats of every run: junit.xml, kcidb.json, benchmark.json against tests/schemas/"
# Every run directory (the validity and ab measurements hold theirs one level down, the patch
# and knob runs theirs in patches/patch-runs/ and knobs/knob-runs/).
tests/check-ci-formats.py $(for d in "$runs"/*/ "$runs"/patches/patch-runs/*/ \
	"$runs"/knobs/knob-runs/*/; do
	[ -f "$d/results.json" ] && echo "$d"; done) ||
	exit 1
section "all tests passed"

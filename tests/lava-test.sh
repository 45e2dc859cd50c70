#!/usr/bin/env bash
# The fan-out on LAVA end to end (README "Fan-out"): each run of a matrix written as a LAVA job
# by 'tcelab lava-job', run by LAVA's own dispatcher (lava-run) on its qemu device type, and
# collected into a run directory by 'tcelab lava-collect', which must judge it as 'tcelab run'
# would: a clean run passes, a leak fails for pinned-pages (results over the 9p share), a job
# LAVA times out fails for timeout (LAVA's own result); then compare and history read the runs.
# usage: tests/lava-test.sh TCELAB OUT_DIR [short]
#   short (make test): the clean run and the timeout only; full (make lava-test): the matrix
#   of LAVA_TARGETS x LAVA_JOBS x LAVA_REPEATS, the leak, compare and history.
set -uo pipefail
tcelab=$1 out=$2 mode=${3:-full}
cd "$(dirname "$0")/.."
targets=${LAVA_TARGETS:-x86_64} jobs=${LAVA_JOBS:-run} repeats=${LAVA_REPEATS:-2}
[ "$mode" = short ] && repeats=1

vm/lava-setup.sh || exit 2
# shellcheck source=/dev/null
. .cache/lava/versions.env
rm -rf "$out"
mkdir -p "$out/jobs" "$out/runs"
job_id=0
start=$(date +%s)

fail() { echo "lava-test: FAIL: $*"; exit 1; }

# lava_run NAME WANT_EXIT WANT_KINDS tcelab-lava-job-args...: write the job (then edit it with
# sed expression $job_edit, if set), render the device configuration for its context, run it
# with lava-run, collect it; the collector must exit WANT_EXIT with exactly the failure kinds
# WANT_KINDS (sorted, comma-separated; "" for none).
lava_run() {
	local name=$1 want=$2 kinds=$3 jd=$out/jobs/$1 st=0 got t0
	shift 3
	job_id=$((job_id + 1))
	t0=$(date +%s)
	"$tcelab" lava-job --out "$jd" "$@" >"$out/$name.log" 2>&1 ||
		{ cat "$out/$name.log"; fail "tcelab lava-job $*"; }
	[ -z "${job_edit:-}" ] || sed -i "$job_edit" "$jd/job.yaml"
	vm/lava-device.py "$LAVA_DEVICE_TYPES" "$jd/job.yaml" >"$jd/device.yaml" ||
		fail "cannot render the qemu device configuration for $name"
	lava-run --job-id "tcelab-$$-$job_id" --output-dir "$jd/output" --device "$jd/device.yaml" \
		"$jd/job.yaml" >"$jd/lava.log" 2>&1
	"$tcelab" lava-collect "$jd" --out "$out/runs/$name" --no-history >>"$out/$name.log" 2>&1 ||
		st=$?
	[ "$st" = "$want" ] || { cat "$out/$name.log"; fail "lava-collect $name: exit $st, want $want"; }
	# The engine, its version, and the sha256 LAVA logged of each image it booted.
	got=$(python3 -c 'import hashlib, json, sys, yaml
r = json.load(open(sys.argv[1]))
e = r["engine"]
assert e["name"] == "lava-dispatcher" and e["version"] not in ("", "unknown"), e
assert r["versions"]["LAVA_DISPATCHER_VERSION"] == e["version"]
job = yaml.safe_load(open(sys.argv[2]))
images = job["actions"][0]["deploy"]["images"]
if e["images"] or e["result"] == "pass":  # a job LAVA refused downloaded nothing
    want = [{"label": k, "sha256": hashlib.sha256(open(v["url"][len("file://"):], "rb").read()).hexdigest()}
            for k, v in images.items()]
    assert e["images"] == want, (e["images"], want)
print(",".join(sorted(f["kind"] for f in r["failures"])))' "$out/runs/$name/results.json" "$jd/job.yaml") ||
		fail "$name: results.json lacks the engine, its version or the images LAVA booted"
	[ "$got" = "$kinds" ] || fail "$name: failure kinds '$got', want '$kinds'"
	printf '    %-24s exit %s, failures [%s], %d s (lava-run + collect)\n' "$name" "$st" "$got" \
		$(($(date +%s) - t0))
}

# Usage and harness errors exit 2 and leave no run directory behind.
expect_error() { # NAME tcelab-args...
	local name=$1 st=0
	shift
	"$tcelab" "$@" >"$out/$name.log" 2>&1 || st=$?
	[ "$st" = 2 ] || { cat "$out/$name.log"; fail "tcelab $*: exit $st, want 2"; }
	[ ! -e "$out/runs/$name" ] || fail "tcelab $* left $out/runs/$name behind"
}
echo "==> LAVA fan-out ($mode): lava-dispatcher $LAVA_DISPATCHER_VERSION, qemu device type"
expect_error usage-job lava-job --no-such-option
expect_error usage-collect lava-collect --no-such-option
expect_error no-out lava-job --target x86_64
expect_error not-a-job lava-collect "$out" --out "$out/runs/not-a-job"
for t in $targets; do
	for j in $jobs; do
		for i in $(seq 1 "$repeats"); do
			lava_run "$t-$j-$i" 0 "" --target "$t" --job "$j"
		done
	done
done
# The guest's verdict travels over the share: a leak must fail the collected run, for the
# pages left pinned and, as with 'tcelab run', the objects that keep tcelab.ko loaded. One
# vCPU: on this busy 2-core host a 2-vCPU TCG guest once stalled bringing up its second CPU.
[ "$mode" = short ] ||
	lava_run x86_64-leak 1 live-allocations,module-unload,pinned-pages --target x86_64 \
		--job leak --cpus 1
# LAVA's verdict travels in its log: its boot timeout must fail the collected run.
lava_run x86_64-timeout 1 timeout --target x86_64 --job run --timeout 2
grep -q 'timed out' "$out/jobs/x86_64-timeout/lava.log" || fail "LAVA did not time the job out"
# Any other failure of LAVA's is the engine's: here its validation of a kernel that is not there.
job_edit="s|url: 'file://[^']*/vmlinux'|url: 'file:///nonexistent/vmlinux'|" \
	lava_run x86_64-engine 1 engine,no-results --target x86_64 --job run
grep -q "^engine: the LAVA job failed: Invalid job data: .*/nonexistent/vmlinux' does not exist" \
	"$out/x86_64-engine.log" || { cat "$out/x86_64-engine.log"; fail "no engine failure with LAVA's error"; }

# A log cut before LAVA's result (a job still running) is refused, not judged.
head -n 50 "$out/jobs/x86_64-timeout/lava.log" >"$out/cut.log"
expect_error cut-log lava-collect "$out/jobs/x86_64-timeout" --log "$out/cut.log" \
	--out "$out/runs/cut-log"

# The share carried the whole run: every guest file 'tcelab run' gets, the KTAP document too.
r=$out/runs/${targets%% *}-${jobs%% *}-1
for f in results.json console.log qemu-cmdline.txt junit.xml kcidb.json benchmark.json \
	guest/status guest/probe.json guest/dmesg.txt lava/job.yaml lava/lava.log; do
	[ -s "$r/$f" ] || fail "the collected run lacks $f"
done
grep -q 'tcelab-init: job .* exited 0' "$r/console.log" || fail "console.log lacks the guest console"

if [ "$mode" != short ]; then
	echo "==> compare and history read the collected runs"
	st=0
	"$tcelab" compare "$r" "${r%-1}-2" >"$out/compare.log" 2>&1 || st=$?
	# One run a side: inconclusive (exit 3), never a harness error.
	[ "$st" = 3 ] || { cat "$out/compare.log"; fail "compare of two LAVA runs: exit $st, want 3"; }
	"$tcelab" history add --db "$out/history.sqlite" "$out"/runs/*-[0-9] >"$out/history.log" 2>&1 ||
		{ cat "$out/history.log"; fail "history add of the LAVA runs"; }
	n=$("$tcelab" history --db "$out/history.sqlite" --json |
		python3 -c 'import json, sys; print(len(json.load(sys.stdin)["runs"]))')
	want=$(ls -d "$out"/runs/*-[0-9] | wc -l)
	[ "$n" = "$want" ] || fail "history holds $n runs, want $want"
fi
echo "==> LAVA fan-out: $job_id jobs passed their checks in $(($(date +%s) - start)) s"

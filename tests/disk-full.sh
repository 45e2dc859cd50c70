#!/usr/bin/env bash
# Nothing half-written presented as a result, and a clear error (exit 2), when the disk fills
# or --out cannot be written (host only, seconds; make test): tcelab report, history add and
# run on a small tmpfs filled to a few KiB at several points, and run into a read-only one.
# Every result file left must be whole (JSON that parses, XML that xmllint reads, a dashboard
# and metrics that end), with no FILE.tmp beside it; a run stops before the boot, leaving no
# run directory; a history that could not be created leaves no database file.
# usage: tests/disk-full.sh TCELAB WORKDIR   (needs root to mount the tmpfs: skips otherwise)
set -uo pipefail
tcelab=$1 work=$2
cd "$(dirname "$0")/.."
fixture=tests/fixtures/runs/x86_64-base-1
full=$work/full ro=$work/ro

if [ "$(id -u)" != 0 ]; then
	echo "    SKIP: mounting a small tmpfs needs root"
	exit 0
fi
cleanup() { umount "$full" "$ro" 2>/dev/null; }
trap cleanup EXIT
fail() {
	echo "disk-full: $*"
	exit 1
}
rm -rf "$work"
mkdir -p "$full" "$ro"
mount -t tmpfs -o size=512k tcelab-full "$full" || fail "cannot mount a tmpfs on $full"
mount -t tmpfs -o size=64k,ro tcelab-ro "$ro" || fail "cannot mount a tmpfs on $ro"

# tcelab ARGS... must exit 2 and say WANT; its output is kept in $work/NAME.log.
expect_error() { # NAME WANT tcelab-args...
	local name=$1 want=$2 st=0
	shift 2
	"$tcelab" "$@" >"$work/$name.log" 2>&1 || st=$?
	[ "$st" = 2 ] || { cat "$work/$name.log"; fail "$name: exit $st, want 2"; }
	grep -q "$want" "$work/$name.log" || { cat "$work/$name.log"; fail "$name: no '$want'"; }
}

# No FILE.tmp, and every result file in DIR whole.
check_whole() { # DIR
	local f
	f=$(find "$1" -name '*.tmp')
	[ -z "$f" ] || fail "left behind: $f"
	for f in "$1"/*.json; do
		[ ! -e "$f" ] || python3 -m json.tool "$f" >/dev/null 2>&1 || fail "$f: half-written"
	done
	[ ! -e "$1/junit.xml" ] || xmllint --noout "$1/junit.xml" 2>/dev/null ||
		fail "$1/junit.xml: half-written"
	[ ! -e "$1/index.html" ] || tail -1 "$1/index.html" | grep -q '^</html>$' ||
		fail "$1/index.html: half-written"
	[ ! -e "$1/metrics.prom" ] || tail -1 "$1/metrics.prom" | grep -q '^# EOF$' ||
		fail "$1/metrics.prom: half-written"
}

# Fill $full up to KIB KiB free.
fill_to() { # KIB
	local avail
	rm -f "$full/filler"
	avail=$(df -k --output=avail "$full" | tail -1)
	head -c $(((avail - $1) * 1024)) /dev/zero >"$full/filler"
}

echo "==> a full disk: report, history and run stop with a clear error, nothing half-written"
reports=0
for kib in 4 24 60 120; do
	rm -rf "$full/run"
	cp -r "$fixture" "$full/run"
	fill_to "$kib"
	TCELAB_NO_HISTORY=1 expect_error "report-$kib" "No space left on device" report "$full/run"
	check_whole "$full/run"
	cmp -s "$fixture/results.json" "$full/run/results.json" || fail "results.json changed"
	reports=$((reports + $(ls "$full/run" | grep -cv '^\(guest\|results.json\)$')))
done
rm -rf "$full/run"
fill_to 4
TCELAB_HISTORY=$full/history.sqlite expect_error history "free some space" history add "$fixture"
[ ! -e "$full/history.sqlite" ] || fail "a history database it could not create is left"
expect_error run-full "KiB free on its filesystem" run --target x86_64 \
	--out "$full/run" --no-history
[ ! -e "$full/run" ] || fail "tcelab run on a full disk left $full/run"
expect_error run-ro "Read-only file system" run --target x86_64 --out "$ro/run" \
	--no-history
echo "    report on 4, 24, 60, 120 KiB free: exit 2, $reports whole result files and no .tmp;" \
	"history add: exit 2, no database; run: exit 2 before the boot (full, read-only)"

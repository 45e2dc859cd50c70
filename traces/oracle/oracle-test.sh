#!/bin/sh
# make oracle-test (part of make test): traces against upstream's own hypercall code.
#  1. every suite trace (build/traces/traces/<suite>/*.tce): no mismatch, no declared difference;
#  2. every generator kind, and the importer on every QEMU log in traces/testdata, written
#     with --check-upstream;
#  3. a suite trace with one ret= made wrong must fail (exit 1) naming its file and line.
# usage: oracle-test.sh TCELAB SUITE_TRACES_DIR OUTDIR
set -eu
tcelab=$1 traces=$2 out=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$out"
mkdir -p "$out"
fail() { echo "oracle-test: $*" >&2; exit 1; }

# The total line of the 'tcelab oracle' log $1 must be exactly $2.
expect_total() {
	log=$1 want=$2
	got=$(tail -1 "$log")
	[ "$got" = "$want" ] || { cat "$log" >&2; fail "expected '$want', got '$got'"; }
	echo "    $got"
}

set -- $(find "$traces" -name '*.tce' | sort)
[ $# -gt 0 ] || fail "no suite traces in $traces (make build/traces/tcelab-traces)"
"$tcelab" oracle -q "$@" >"$out/suites.log" || { cat "$out/suites.log" >&2; fail "suite traces"; }
grep -q ', 0 mismatches, 0 declared differences$' "$out/suites.log" ||
	{ cat "$out/suites.log" >&2; fail "suite traces: a mismatch or a declared difference"; }
echo "    suites: $(tail -1 "$out/suites.log" | sed 's/^tcelab oracle: //')"

# Each writes its trace only when upstream agrees with every record.
check() {
	name=$1
	shift
	"$tcelab" "$@" --check-upstream -o "$out/$name.tce" 2>"$out/$name.log" ||
		{ cat "$out/$name.log" >&2; fail "tcelab $*"; }
	[ -s "$out/$name.tce" ] || fail "tcelab $*: no trace written"
	grep -q ', 0 mismatches, 0 declared differences' "$out/$name.log" ||
		{ cat "$out/$name.log" >&2; fail "tcelab $*: no clean check"; }
}
for kind in net storage ddw boot overwrite adversarial mix errors; do
	check "gen-$kind" gen "$kind" --seed 21 --ops 2000
done
check gen-net-threads gen net --seed 22 --threads 4 --ops 2000
check gen-ddw-1g gen ddw --seed 23 --ram 1G
check gen-storage-80m gen storage --seed 24 --ram 80M --ops 1000
check gen-errors-1040m gen errors --seed 25 --ram 1040M
for log in "$top"/traces/testdata/recorded/*.log; do
	check "import-$(basename "$log" .log)" import qemu --ram 2G "$log"
done
check import-qemu-e1000 import qemu "$top/traces/testdata/qemu-e1000.log"
echo "    generators and importer: $(ls "$out"/*.tce | wc -l) traces written with --check-upstream"

# The first 'put' of a copy of the default net trace, said to fail: exit 1, its line named.
src=$traces/default/net.tce
[ -f "$src" ] || fail "no $src"
line=$(grep -n '^put .*ret=H_SUCCESS' "$src" | head -1 | cut -d: -f1)
sed "${line}s/ret=H_SUCCESS/ret=H_PARAMETER/" "$src" >"$out/wrong.tce"
status=0
"$tcelab" oracle -q "$out/wrong.tce" >"$out/wrong.log" || status=$?
[ "$status" = 1 ] || { cat "$out/wrong.log" >&2; fail "a wrong ret= exits $status, not 1"; }
grep -qx "$out/wrong.tce:$line: put: expected H_PARAMETER, upstream gives H_SUCCESS" \
	"$out/wrong.log" || { cat "$out/wrong.log" >&2; fail "the wrong ret= is not named"; }
records=$(grep -c -E '^(put|indirect|stuff|get|ddw-create|ddw-remove) ' "$src")
checked=$(grep -c -E '^(put|indirect|stuff|get) .* ret=' "$src")
expect_total "$out/wrong.log" "tcelab oracle: 1 trace: $records records, $checked checked against upstream, 1 mismatch, 0 declared differences"

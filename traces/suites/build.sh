#!/bin/sh
# Makes the traces of scenario suites (traces/suites/README.md) on the host and packs them,
# with the suite files, into one self-extracting file for the guest initramfs.
# usage: build.sh TCELAB OUTDIR PACKED SUITE.suite...
#   OUTDIR/<suite>/<name>.tce   the traces (gen and import run only when a trace is missing
#                               or older than the suite file or the tool)
#   PACKED                      '/bin/tcelab-traces DIR' extracts DIR/suites/*.suite and
#                               DIR/traces/<suite>/<name>.tce
set -eu
tcelab=$1 out=$2 packed=$3
shift 3
top=$(cd "$(dirname "$0")/../.." && pwd)
recorded=$top/traces/testdata/recorded
mkdir -p "$out/suites" "$out/traces"
for suite in "$@"; do
	sname=$(basename "$suite" .suite)
	mkdir -p "$out/traces/$sname"
	cp "$suite" "$out/suites/$sname.suite"
	lineno=0
	while IFS= read -r line; do
		lineno=$((lineno + 1))
		line=${line%%#*}
		src=${line%%|*}
		set -- $src
		[ $# -gt 0 ] || continue
		name=$1 kind=$2
		shift 2
		trace=$out/traces/$sname/$name.tce
		if [ -s "$trace" ] && [ "$trace" -nt "$suite" ] && [ "$trace" -nt "$tcelab" ]; then
			continue
		fi
		case $kind in
		gen) "$tcelab" gen "$@" -o "$trace" ;;
		import)
			log=$1
			shift
			"$tcelab" import qemu "$@" -o "$trace" "$recorded/$log" 2>/dev/null ;;
		*)
			echo "$suite:$lineno: source must be 'gen KIND ...' or 'import LOG ...'" >&2
			exit 1 ;;
		esac || { echo "$suite:$lineno: making scenario '$name' failed" >&2; exit 1; }
	done <"$suite"
done
# Keep only the traces the suites name.
find "$out/traces" -name '*.tce' | while read -r t; do
	s=$(basename "$(dirname "$t")") n=$(basename "$t" .tce)
	grep -qE "^$n[[:space:]]" "$out/suites/$s.suite" 2>/dev/null || rm -f "$t"
done
{
	printf '#!/bin/sh\n# Scenario suites and their traces. usage: tcelab-traces DIR\n'
	printf 'set -e\nmkdir -p "${1:?usage: tcelab-traces DIR}"\n'
	printf 'tail -n +7 "$0" | tar -x -C "$1"\nexit 0\n'
	(cd "$out" && tar -c suites traces)
} >"$packed.tmp"
chmod +x "$packed.tmp"
mv "$packed.tmp" "$packed"

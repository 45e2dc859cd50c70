#!/usr/bin/env bash
# The layout's rules (README.md, "Architecture"), checked on the tracked sources:
#  - no include crosses a folder except into include/ (<...>) and lib/ ("lib/x.h"); cli/, the
#    top, may include each stage's one public header; tests/ include what they test;
#  - no two headers share a file name;
#  - no -I of a stage's folder in the Makefiles (sources name lib/ explicitly).
# Prints each violation; exit 1 if any.
set -uo pipefail
cd "$(dirname "$0")/.."
public_headers="vm/vm.h traces/traces.h reports/reports.h replay/replay.h"
bad=0
violation() { echo "layout: $*"; bad=1; }

while IFS= read -r f; do
	dir=${f%%/*}
	case $dir in tests) continue ;; esac
	while IFS= read -r inc; do
		case $inc in
		*/*) ;;
		*) continue ;;	# the same folder (or a generated file beside it)
		esac
		case $inc in
		lib/*) continue ;;
		../*) violation "$f includes \"$inc\": name lib/ or a public header instead" ; continue ;;
		esac
		if [ "$dir" = cli ] && [[ " $public_headers " == *" $inc "* ]]; then
			continue
		fi
		[ "${inc%%/*}" = "$dir" ] && [ "$dir" != cli ] && continue
		violation "$f includes \"$inc\" (a folder may include only its own headers, lib/ and include/)"
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done < <(git ls-files '*.c' '*.h' | grep -v '^kmod/.*\.mod\.c$')

dups=$(git ls-files '*.h' | xargs -n1 basename | sort | uniq -d)
for h in $dups; do
	violation "two headers are named $h: $(git ls-files "*/$h" "$h" | tr '\n' ' ')"
done

if grep -nE -- '-I *(\$\(TOP\)/)?(cli|vm|traces|replay|probe|reports|kmod)\b' Makefile $(git ls-files '*.mk'); then
	violation "a Makefile adds a stage's folder to the include path"
fi
[ "$bad" = 0 ] && echo "layout: includes, header names and include paths follow the rules"
exit "$bad"

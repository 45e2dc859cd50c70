#!/usr/bin/env bash
# Open dashboards in headless Chromium: no console errors, every chart drawn with data (the page's
# own self-test, window.tcelabSelfTest, written into the DOM), and a screenshot of each page.
# usage: dashboard-test.sh OUT_DIR PAGE.html...
set -euo pipefail
out=$1
shift
mkdir -p "$out"
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "dashboard-test: chromium is not installed (make setup)" >&2; exit 1; }
fail=0
for page in "$@"; do
	name=$(basename "$(dirname "$page")")-$(basename "$page" .html)
	profile=$(mktemp -d)
	flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
		--disable-component-update --disable-sync --no-first-run --disable-extensions
		--disable-default-apps --user-data-dir="$profile" --virtual-time-budget=5000
		--enable-logging=stderr --v=0)
	timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$(realpath "$page")" \
		>"$out/$name.dom.html" 2>"$out/$name.console.log" || true
	rm -rf "$profile"
	profile=$(mktemp -d)
	flags[9]=--user-data-dir="$profile"
	timeout 120 "$chromium" "${flags[@]}" --window-size=1280,3000 --hide-scrollbars \
		--screenshot="$out/$name.png" "file://$(realpath "$page")" >/dev/null 2>&1 || true
	rm -rf "$profile"
	st=$(sed -n 's/.*<pre id="tcelab-selftest"[^>]*>\(.*\)<\/pre>.*/\1/p' "$out/$name.dom.html" |
		sed 's/&quot;/"/g; s/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g')
	problems=()
	grep -q 'data-selftest="ok"' "$out/$name.dom.html" || problems+=("page self-test did not pass: ${st:-no self-test in the DOM}")
	# Console messages at error level, and uncaught exceptions.
	if grep -E 'CONSOLE\(|Uncaught|console' "$out/$name.console.log" | grep -Eiq 'error|uncaught'; then
		problems+=("console errors: $(grep -Ei 'CONSOLE.*(error|uncaught)|Uncaught' "$out/$name.console.log" | head -3)")
	fi
	if [ -n "$st" ]; then
		charts=$(echo "$st" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(len(s["charts"]), sum(1 for c in s["charts"] if c["drawn"] and c["points"]>0), len(s["errors"]))')
		read -r n good errs <<<"$charts"
		[ "$n" -gt 0 ] || problems+=("no charts")
		[ "$n" = "$good" ] || problems+=("$((n - good)) of $n charts without data")
		[ "$errs" = 0 ] || problems+=("$errs script errors")
	fi
	[ -s "$out/$name.png" ] || problems+=("no screenshot")
	if [ ${#problems[@]} -gt 0 ]; then
		printf 'not ok - %s: %s\n' "$page" "${problems[*]}"
		fail=1
	else
		printf 'ok - %s: %s charts with data, no console errors, screenshot %s\n' "$page" "${n:-?}" "$out/$name.png"
	fi
done
exit $fail

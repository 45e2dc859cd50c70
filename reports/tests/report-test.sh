#!/usr/bin/env bash
# make report-test: the reports tooling on recorded runs (tests/fixtures/runs, real powernv9 and
# x86_64 results; timing-dependent verdicts come from these recordings, never from live runs).
#  - tcelab history add (also many at once) / history (a corrupt database: a clear error) / report: dashboards, summary.json, metrics.prom and the CI
#    formats (junit.xml, kcidb.json, benchmark.json; tests/check-ci-formats.py: valid against
#    tests/schemas/, the counts each run calls for); report --format writes only what it names
#  - metrics.prom passes promtool check metrics (Debian's prometheus package)
#  - tcelab compare: A/A no change (exit 0), kill-latency knob regression (exit 1), leak (exit 1),
#    one run a side inconclusive (exit 3), environment mismatch flagged
#  - dashboards and a compare page open in headless Chromium without console errors, every chart
#    drawn with data; screenshots in OUT/screenshots
#  - the replay run's dashboard charts every point of each scenario's timeline; a run without
#    one says so
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/report-test}
tcelab=$top/build/host/tcelab
rm -rf "$out"
mkdir -p "$out"
cp -r "$top/tests/fixtures/runs" "$out/runs"
db=$out/history.sqlite
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; exit 1; }

for r in powernv9-base-1 powernv9-base-2 powernv9-base-3 powernv9-kill-1 powernv9-kill-2 powernv9-kill-3; do
	"$tcelab" history add --db "$db" --label "${r#powernv9-}" "$out/runs/$r" >/dev/null
done
"$tcelab" history --db "$db" >"$out/history.txt"
grep -q "6 run(s)" "$out/history.txt" && grep -q "smoke .*kill" "$out/history.txt" &&
	ok "history lists 6 runs and the kill trend" || fail "history: $(cat "$out/history.txt")"
# Runs that finish together: every one recorded (WAL, busy timeout), none lost.
for r in "$out"/runs/*/; do
	"$tcelab" history add --db "$out/parallel.sqlite" "$r" >/dev/null &
done
wait
runs=$(ls "$out/runs" | wc -l)
"$tcelab" history --db "$out/parallel.sqlite" >"$out/parallel.txt"
grep -q "^$runs run(s)" "$out/parallel.txt" &&
	ok "$runs history adds at once: $runs rows" || fail "parallel history adds: $(head -1 "$out/parallel.txt")"
head -c 4096 /dev/urandom >"$out/corrupt.sqlite"
st=0
"$tcelab" history --db "$out/corrupt.sqlite" >"$out/corrupt.txt" 2>&1 || st=$?
[ $st = 2 ] && grep -q "is not a readable tcelab history database (file is not a database): move it aside" \
	"$out/corrupt.txt" && ok "a corrupt history database: exit 2, says how to recover" ||
	fail "corrupt history database: exit $st: $(cat "$out/corrupt.txt")"

for r in "$out"/runs/*/; do
	"$tcelab" report --quiet --db "$db" "$r" || fail "tcelab report $r"
	[ -s "$r/index.html" ] && [ -s "$r/summary.json" ] && [ -s "$r/metrics.prom" ] ||
		fail "report files of $r"
	if command -v promtool >/dev/null; then
		promtool check metrics <"$r/metrics.prom" >"$out/promtool.log" 2>&1 ||
			fail "promtool check metrics $r/metrics.prom: $(cat "$out/promtool.log")"
	fi
done
ok "tcelab report on $(ls "$out/runs" | wc -l) recorded runs; metrics.prom passes $(command -v promtool >/dev/null && echo 'promtool check metrics' || echo '(promtool missing: unit-test parser only)')"
"$top/tests/check-ci-formats.py" "$out"/runs/*/ >"$out/ci-formats.log" 2>&1 ||
	fail "CI formats: $(cat "$out/ci-formats.log")"
ok "junit.xml, kcidb.json, benchmark.json of $(ls "$out/runs" | wc -l) recorded runs: valid against tests/schemas/, exact counts"
cp -r "$top/tests/fixtures/runs/x86_64-suite-default" "$out/format-only"
"$tcelab" report --quiet --format kcidb,benchmark "$out/format-only" || fail "report --format"
[ -s "$out/format-only/kcidb.json" ] && [ -s "$out/format-only/benchmark.json" ] &&
	[ ! -e "$out/format-only/junit.xml" ] && [ ! -e "$out/format-only/index.html" ] &&
	[ ! -e "$out/format-only/summary.json" ] &&
	ok "report --format kcidb,benchmark writes those two alone" ||
	fail "report --format kcidb,benchmark wrote: $(ls "$out/format-only")"

expect() { # expected-exit expected-verdict name args...
	local want=$1 verdict=$2 name=$3 st=0
	shift 3
	"$tcelab" compare "$@" >"$out/compare-$name.txt" 2>&1 || st=$?
	[ "$st" = "$want" ] && grep -q "^verdict: $verdict\$" "$out/compare-$name.txt" ||
		{ cat "$out/compare-$name.txt"; fail "compare $name: exit $st, want $want and '$verdict'"; }
	ok "compare $name: '$verdict', exit $st"
}
R=$out/runs
base=$R/powernv9-base-1,$R/powernv9-base-2,$R/powernv9-base-3
kill=$R/powernv9-kill-1,$R/powernv9-kill-2,$R/powernv9-kill-3
expect 0 "no change" aa "$base" "$base"
expect 1 "regression" kill-knob --html "$out/compare-kill.html" --json "$out/compare-kill.json" \
	"$base" "$kill"
grep -Eq "^  smoke +kill +p50 +3/3 .* regression$" "$out/compare-kill-knob.txt" &&
	ok "the kill role's p50 is the regression, on 3 runs a side" ||
	fail "kill row: $(cat "$out/compare-kill-knob.txt")"
st=0
"$tcelab" compare --robot "$base" "$kill" >"$out/compare-robot.txt" 2>&1 || st=$?
[ $st = 1 ] &&
	grep -Eq '^tcelab compare: \+[0-9.]+% regression of smoke kill p50 on powernv9 \(timing host\)$' \
		"$out/compare-robot.txt" &&
	grep -Eq '^ +[0-9]+ ns +± *[0-9]+% +\+[0-9.]+% +[0-9]+ ns +± *[0-9]+% +smoke\.kill\.p50 +regression$' \
		"$out/compare-robot.txt" &&
	ok "compare --robot: the headline names the worst regression, %stddev and %change" ||
	fail "compare --robot, exit $st: $(cat "$out/compare-robot.txt")"
kill_row=$(python3 - "$out/compare-kill.json" 2>&1 <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
assert c['schema'] == 'tcelab-compare/2', c['schema']
r = next(r for r in c['rows'] if r['role'] == 'kill')
p = r['p50']
assert r['verdict'] == 'regression' and p['rule'] == 'separation', (r['verdict'], p['rule'])
assert len(p['baseline']['values']) == 3 and len(p['current']['values']) == 3
assert p['ci95'][0] > 0.10 and r['p_value'] is not None, (p['ci95'], r['p_value'])
print(f"kill p50 {p['baseline']['mean']:.0f} -> {p['current']['mean']:.0f} ns, "
      f"{100 * p['change']:+.0f} % (95 % CI {100 * p['ci95'][0]:+.0f}..{100 * p['ci95'][1]:+.0f} %)")
EOF
) || fail "compare --json: $kill_row"
ok "compare --json carries per-run values, the CI and the rule: $kill_row"
expect 3 "inconclusive" one-run "$R/powernv9-base-1" "$R/powernv9-kill-1"
grep -q "needs at least 3 runs a side, got 1 and 1" "$out/compare-one-run.txt" &&
	ok "one run a side says it needs 3" || fail "one-run reason: $(cat "$out/compare-one-run.txt")"
expect 1 "new leak" leak-knob "$R/powernv9-base-1" "$R/powernv9-leak-3"
expect 0 "environment mismatch" env-mismatch "$R/powernv9-base-1" "$R/x86_64-base-1"
grep -q "ENVIRONMENT MISMATCH" "$out/compare-env-mismatch.txt" &&
	ok "environment mismatch is flagged" || fail "no mismatch flagged"
st=0
"$tcelab" compare --strict-env "$R/powernv9-base-1" "$R/x86_64-base-1" >/dev/null 2>&1 || st=$?
[ "$st" = 1 ] && ok "--strict-env fails on the mismatch" || fail "--strict-env exit $st"

"$top/reports/tests/dashboard-test.sh" "$out/screenshots" "$R/powernv9-base-1/index.html" \
	"$R/powernv9-leak-3/index.html" "$R/x86_64-suite-default/index.html" "$out/compare-kill.html" ||
	fail "dashboards in headless Chromium"
ok "dashboards in headless Chromium (screenshots in $out/screenshots)"

# The page's self-test lists each chart with its kind and the points it drew.
timelines=$(python3 - "$out/screenshots/x86_64-suite-default-index.dom.html" \
	"$R"/x86_64-suite-default/guest/suite/*.json 2>&1 <<'EOF'
import html, json, re, sys
dom = open(sys.argv[1]).read()
m = re.search(r'<pre id="tcelab-selftest"[^>]*>(.*?)</pre>', dom, re.S)
charts = m and {c['title']: c for c in json.loads(html.unescape(m.group(1)))['charts']
		if c['kind'] == 'timeline'}
if not charts:
	sys.exit('no timeline chart on the page')
for path in sys.argv[2:]:
	s = json.load(open(path))
	title, want = s['scenario'] + ' · latency over the replay', 3 * len(s['timeline'])
	c = charts.get(title)
	if not want or not c or not c['drawn'] or c['points'] != want:
		sys.exit(f'{title}: {c}, wanted {want} points drawn')
print(f"{len(charts)} timeline charts, {sum(c['points'] for c in charts.values())} points")
EOF
) || fail "timeline charts: $timelines"
ok "the replay dashboard charts every timeline point (p50, p99, max): $timelines"
for f in summary.json metrics.prom junit.xml kcidb.json benchmark.json; do
	grep -q "<a href=\"$f\">$f</a>" "$out/screenshots/powernv9-leak-3-index.dom.html" ||
		fail "the dashboard does not link $f"
done
ok "the dashboard links summary.json, metrics.prom and the CI formats"
grep -q "The job recorded no timeline for this scenario" \
	"$out/screenshots/powernv9-base-1-index.dom.html" &&
	ok "a run without a timeline says so" || fail "no no-timeline note on powernv9-base-1"
echo "# report-test: $n passed"

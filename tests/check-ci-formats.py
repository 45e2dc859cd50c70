#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The CI formats of run directories (README.md, "CI formats"), as a CI system would take them:
junit.xml valid against tests/schemas/junit.xsd (xmllint), kcidb.json against KernelCI's KCIDB
v5 I/O schema (tests/schemas/kcidb.v5.3.json, python3-jsonschema), benchmark.json in
github-action-benchmark's shape; and in each, exactly the tests and figures the run's
results.json and summary.json call for.
usage: tests/check-ci-formats.py RUN_DIR...   (a line per run; exit 1 at the first problem)"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'schemas')
JUNIT_XSD = os.path.join(SCHEMAS, 'junit.xsd')
KCIDB_SCHEMA = os.path.join(SCHEMAS, 'kcidb.v5.3.json')
# Failure kinds that leave the run unjudged: the run's checks are an ERROR, not a FAIL.
HARNESS_KINDS = {'qemu', 'engine', 'timeout', 'boot-hang', 'no-results'}
LATENCY_FIGURES = ('p50', 'p90', 'p99', 'p99_9', 'max', 'mean')
PIN_FIGURES = ('leaked_pages', 'leaked_pins', 'pinned_after', 'double_releases',
               'locked_vm_drift')


class Problem(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Problem(what)


def load(run, name, errors='strict'):
    with open(os.path.join(run, name), encoding='utf-8', errors=errors) as f:
        return json.load(f)


def expected_tests(results, summary):
    """(testcases, failed, errors, skipped) of the run, by the rules of reports/ci_formats.c."""
    n = failed = errors = skipped = 0
    for prog in results.get('tests', {}).get('programs', {}).values():
        points = prog.get('points', [])
        n += len(points)
        failed += sum(p['status'] == 'fail' for p in points)
        skipped += sum(p['status'] in ('skip', 'todo') for p in points)
        if prog.get('skip_reason'):
            n, skipped = n + 1, skipped + 1
        if prog.get('excerpt') and not prog.get('failed'):
            n, errors = n + 1, errors + 1
    for scenario in summary['scenarios'].values():
        n += 1
        failed += scenario.get('ok') is False
    n += 1  # the run's checks
    kinds = {f['kind'] for f in results.get('failures', []) if f['kind'] != 'test-failure'}
    if kinds - HARNESS_KINDS:
        failed += 1
    elif kinds:
        errors += 1
    return n, failed, errors, skipped


def check_junit(run, want):
    path = os.path.join(run, 'junit.xml')
    lint = subprocess.run(['xmllint', '--noout', '--schema', JUNIT_XSD, path],
                          capture_output=True, text=True)
    check(lint.returncode == 0, f'junit.xml is not valid against {JUNIT_XSD}:\n{lint.stderr}')
    root = ET.parse(path).getroot()

    def counts(cases):
        return (len(cases), sum(c.find('failure') is not None for c in cases),
                sum(c.find('error') is not None for c in cases),
                sum(c.find('skipped') is not None for c in cases))

    def attrs(e):
        return tuple(int(e.get(k)) for k in ('tests', 'failures', 'errors', 'skipped'))

    got = counts(root.findall('testsuite/testcase'))
    check(got == want, f'junit.xml has (testcases, failures, errors, skipped) {got}, want {want}')
    check(attrs(root) == got, f'<testsuites> says {attrs(root)}, its testcases are {got}')
    for suite in root.findall('testsuite'):
        cases = suite.findall('testcase')
        check(attrs(suite) == counts(cases),
              f'<testsuite name="{suite.get("name")}"> says {attrs(suite)}, its testcases are '
              f'{counts(cases)}')
        check(all(c.get('classname') == suite.get('name') for c in cases),
              f'a testcase of suite {suite.get("name")} has another classname')
    return got


def check_kcidb(run, want, summary):
    doc = load(run, 'kcidb.json')
    with open(KCIDB_SCHEMA, encoding='utf-8') as f:
        schema = json.load(f)
    try:
        format_checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    except AttributeError:  # python3-jsonschema before 4.5
        format_checker = jsonschema.draft7_format_checker
    errors = sorted(jsonschema.Draft7Validator(schema, format_checker=format_checker)
                    .iter_errors(doc), key=lambda e: list(e.path))
    check(not errors, 'kcidb.json is not valid against the KCIDB v5 schema: ' +
          '; '.join(f'{"/".join(map(str, e.path))}: {e.message[:200]}' for e in errors[:3]))
    check(doc['version']['major'] == 5, f'kcidb.json is version {doc["version"]}, not 5')
    n, failed, errs, skipped = want
    figures = sum(row.get(f) is not None for sc in summary['scenarios'].values()
                  for _, row in latency_rows(sc) for f in LATENCY_FIGURES)
    figures += sum(summary['pins'].get(k) is not None for k in PIN_FIGURES)
    tests = doc.get('tests', [])
    statuses = {s: sum(t['status'] == s for t in tests) for s in ('PASS', 'FAIL', 'ERROR', 'SKIP',
                                                                   'DONE')}
    want_statuses = {'PASS': n - failed - errs - skipped, 'FAIL': failed, 'ERROR': errs,
                     'SKIP': skipped, 'DONE': figures}
    check(statuses == want_statuses, f'kcidb.json tests {statuses}, want {want_statuses}')
    check(len(tests) == n + figures, f'kcidb.json has {len(tests)} tests, want {n + figures}')
    check(len({t['id'] for t in tests}) == len(tests), 'kcidb.json: two tests share an id')
    build = doc['builds'][0]['id']
    check(all(t['build_id'] == build and t['origin'] == 'tcelab' for t in tests),
          'kcidb.json: a test of another build or origin')
    check(all('number' in t for t in tests if t['status'] == 'DONE'),
          'kcidb.json: a DONE test without its number')
    return len(tests)


def latency_rows(sc):
    """A scenario's latency rows as the CI formats list them (reports/model.c,
    report_latency_rows()): each role's workload phase first, then every role."""
    workload = [(f'{role}/workload', r['phases']['workload']) for role, r in sc['roles'].items()
                if 'workload' in r.get('phases', {})]
    return workload + list(sc['roles'].items())


def check_benchmark(run, summary):
    entries = load(run, 'benchmark.json')
    check(isinstance(entries, list), 'benchmark.json is not a list')
    want = [(f'{name} {role} {p}', r['unit']) for name, sc in summary['scenarios'].items()
            for role, r in latency_rows(sc) for p in ('p50', 'p99') if r.get(p) is not None]
    for e in entries:
        check(isinstance(e, dict) and set(e) <= {'name', 'unit', 'value', 'range', 'extra'} and
              isinstance(e.get('name'), str) and isinstance(e.get('unit'), str) and e['unit'] and
              isinstance(e.get('value'), (int, float)) and not isinstance(e['value'], bool),
              f'benchmark.json: not {{name, unit, value[, range][, extra]}}: {e}')
    got = [(e['name'], e['unit']) for e in entries]
    check(got == want, f'benchmark.json has {got[:4]}... ({len(got)}), want {want[:4]}... '
          f'({len(want)})')
    return len(entries)


def main(runs):
    if not runs:
        sys.exit(__doc__)
    for run in runs:
        try:
            # The run's own documents carry guest output as it came; the formats must be UTF-8.
            results = load(run, 'results.json', errors='replace')
            summary = load(run, 'summary.json', errors='replace')
            want = expected_tests(results, summary)
            n, failed, errors, skipped = check_junit(run, want)
            tests = check_kcidb(run, want, summary)
            entries = check_benchmark(run, summary)
        except (Problem, OSError, ValueError, KeyError) as e:
            print(f'not ok - {run}: {e}')
            return 1
        print(f'ok - {run}: junit.xml {n} testcases ({failed} failed, {errors} errors, '
              f'{skipped} skipped), kcidb.json {tests} tests, benchmark.json {entries} entries')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

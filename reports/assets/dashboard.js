// SPDX-License-Identifier: GPL-2.0
// tcelab dashboard: renders the data tcelab embedded in this page (script#tcelab-data) with
// uPlot (vendored into the page). No network. window.tcelabSelfTest says what was drawn, for the
// headless-browser test: every chart, its kind (opts.kind), its point count, and any error.
(function () {
  'use strict';
  var selftest = { charts: [], errors: [], sections: [] };
  window.tcelabSelfTest = selftest;
  window.addEventListener('error', function (e) { selftest.errors.push(String(e.message)); });

  var D = JSON.parse(document.getElementById('tcelab-data').textContent);
  var app = document.getElementById('app');
  var chartSeq = 0;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'cls') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function fmtNs(ns) {
    if (ns === null || ns === undefined || isNaN(ns)) return '-';
    if (ns < 1e3) return ns.toFixed(0) + ' ns';
    if (ns < 1e6) return (ns / 1e3).toFixed(1) + ' µs';
    if (ns < 1e9) return (ns / 1e6).toFixed(2) + ' ms';
    return (ns / 1e9).toFixed(2) + ' s';
  }
  // The probes' latencies are in the run's timing unit (include/tcelab/timing.h): ns, or
  // instructions retired under --timing insns. Replay and overhead figures are always ns.
  var latUnit = 'ns';
  function fmtLat(v) {
    if (latUnit !== 'insns') return fmtNs(v);
    if (v === null || v === undefined || isNaN(v)) return '-';
    if (v < 1e4) return v.toFixed(0) + ' insns';
    if (v < 1e7) return (v / 1e3).toFixed(0) + 'k insns';
    return (v / 1e6).toFixed(0) + 'M insns';
  }
  function unitOfTiming(t) { return t === 'insns' ? 'insns' : 'ns'; }
  function num(v) { return v === null || v === undefined ? '-' : String(v); }
  function pct(v) { return v === null || v === undefined ? '-' : (v >= 0 ? '+' : '') + (100 * v).toFixed(1) + ' %'; }
  function table(head, rows, cls) {
    return el('table', { cls: cls || '' }, [
      el('thead', {}, [el('tr', {}, head.map(function (h) { return el('th', { text: h }); }))]),
      el('tbody', {}, rows.map(function (r) {
        return el('tr', {}, r.map(function (c) {
          if (c instanceof Node) return el('td', {}, [c]);
          return el('td', { text: c === undefined || c === null ? '-' : String(c) });
        }));
      }))
    ]);
  }
  function section(id, title, nodes) {
    selftest.sections.push(id);
    var s = el('section', { id: id }, [el('h2', { text: title })].concat(nodes));
    app.appendChild(s);
    return s;
  }
  function note(text) { return el('p', { cls: 'note', text: text }); }
  function badge(verdict) {
    var v = verdict || 'unknown';
    return el('span', { cls: 'badge ' + v.replace(/[^a-z]/g, ''), text: v });
  }

  // One uPlot chart; data = [xs, ys1, ys2...]. Registers itself for the self-test.
  function chart(title, series, data, opts) {
    opts = opts || {};
    var id = 'chart-' + (++chartSeq);
    var box = el('div', { cls: 'chart', id: id, 'data-title': title });
    var points = 0;
    for (var i = 1; i < data.length; i++)
      data[i].forEach(function (v) { if (v !== null && v !== undefined) points++; });
    selftest.charts.push({ id: id, title: title, kind: opts.kind || '', points: points, drawn: false });
    var rec = selftest.charts[selftest.charts.length - 1];
    var palette = ['#2266cc', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c2255c', '#5c940d'];
    var fmt = opts.fmt || fmtLat;
    var s = [{ label: opts.xlabel || 'x', value: opts.xvalue }];
    series.forEach(function (name, i) {
      var c = palette[i % palette.length];
      var one = { label: name, stroke: c, width: 1.5, value: opts.yvalue || function (u, v) { return v === null ? '-' : fmt(v); } };
      if (opts.stepped) { one.paths = uPlot.paths.stepped({ align: 1 }); one.fill = c + '33'; }
      if (opts.bars) { one.paths = uPlot.paths.bars({ size: [0.6, 60] }); one.fill = c + '99'; one.points = { show: false }; }
      s.push(one);
    });
    var o = {
      title: title, width: opts.width || 560, height: opts.height || 240,
      series: s,
      scales: { x: opts.xlog ? { distr: 3, time: false } : { time: false }, y: opts.ylog ? { distr: 3 } : {} },
      axes: [
        { label: opts.xlabel || '', values: opts.xticks || (opts.xns ? function (u, v) { return v.map(fmt); } : undefined),
          splits: opts.xsplits },
        { label: opts.ylabel || '', size: 70, values: opts.yns ? function (u, v) { return v.map(fmt); } : undefined }
      ],
      legend: { live: true }
    };
    try {
      var u = new uPlot(o, data, box);
      rec.drawn = !!box.querySelector('canvas');
      rec.width = u.width;
    } catch (e) {
      selftest.errors.push(title + ': ' + e.message);
    }
    return box;
  }

  // Histogram [[lo, hi, n]...] as a stepped area over log-scaled latency.
  function histChart(title, lat) {
    var xs = [], ys = [], b = (lat && lat.buckets) || [];
    b.forEach(function (k, i) {
      var lo = Math.max(k[0], 0.5), hi = k[1] > k[0] ? k[1] : k[0] * 1.03 + 1;
      xs.push(lo); ys.push(k[2]);
      var next = b[i + 1];
      if (!next || next[0] > hi) { xs.push(hi); ys.push(0); }
    });
    if (!xs.length) return note(title + ': no calls');
    return chart(title, ['calls'], [xs, ys], {
      stepped: true, xlog: true, xns: true, xlabel: 'latency', ylabel: 'calls',
      xvalue: function (u, v) { return fmtLat(v); }, yvalue: function (u, v) { return num(v); }
    });
  }

  function percentileTable(roles) {
    var names = Object.keys(roles || {});
    return table(['role', 'calls', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'], names.map(function (n) {
      var r = roles[n];
      return [n, num(r.count), fmtLat(r.p50), fmtLat(r.p90), fmtLat(r.p99), fmtLat(r.p99_9), fmtLat(r.max), fmtLat(r.mean)];
    }), 'num');
  }

  // Each role's phase @ph ({role: row}), for the roles the probes split by phase.
  function phaseRows(roles, ph) {
    var out = {};
    Object.keys(roles || {}).forEach(function (n) {
      var p = (roles[n].phases || {})[ph];
      if (p) out[n] = p;
    });
    return out;
  }

  // Every role's phases, the workload's first: role, phase, calls and percentiles.
  function phaseTable(roles) {
    var rows = [];
    [true, false].forEach(function (workloadPass) {
      Object.keys(roles || {}).forEach(function (n) {
        var phases = roles[n].phases || {};
        Object.keys(phases).filter(function (ph) { return (ph === 'workload') === workloadPass; }).forEach(function (ph) {
          var r = phases[ph];
          rows.push([n, ph, num(r.count), fmtLat(r.p50), fmtLat(r.p90), fmtLat(r.p99), fmtLat(r.p99_9), fmtLat(r.max), fmtLat(r.mean)]);
        });
      });
    });
    return table(['role', 'phase', 'calls', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'], rows, 'num');
  }

  function catChart(title, labels, series, values, opts) {
    opts = opts || {};
    var xs = labels.map(function (_, i) { return i; });
    return chart(title, series, [xs].concat(values), Object.assign({
      bars: true, xsplits: function () { return xs; },
      xticks: function (u, v) { return v.map(function (i) { return labels[i] !== undefined ? labels[i] : ''; }); },
      xvalue: function (u, v) { return labels[v] !== undefined ? labels[v] : v; }
    }, opts));
  }

  function environment(sum) {
    var env = sum.environment || {};
    var rows = [['target', env.target], ['arch', env.arch], ['kernel', env.kernel],
      ['timing', (env.timing || 'host') + ' (probe latencies in ' + latUnit + ')'],
      ['attach mode', env.attach_mode], ['stack', env.stack], ['clocksource', env.clocksource + (env.tick_quantized ? ' (tick-quantized: latencies are not meaningful)' : '')],
      ['QEMU', env.qemu_version], ['tcelab commit', sum.commit], ['job', sum.job], ['guest time', sum.guest_seconds ? sum.guest_seconds.toFixed(1) + ' s' : '-']];
    var k = env.kernel_under_test;
    if (k) {
      rows.splice(3, 0, ['kernel under test', k.release + ' (' + k.form + (k.path ? ' ' + k.path : '') + ')'],
        ['kernel git describe', k.git_describe || '-'], ['kernel config sha256', k.config_sha256],
        ['kernel patches', (k.patches || []).map(function (p) { return p.name + ' ' + p.sha256; }).join(', ') || 'none']);
    }
    Object.keys(env.versions || {}).forEach(function (k) { rows.push([k, env.versions[k]]); });
    var nodes = [table(['component', 'version'], rows, 'kv')];
    if (env.qemu_command) nodes.push(el('details', {}, [el('summary', { text: 'QEMU command' }), el('pre', { text: env.qemu_command })]));
    section('environment', 'Environment', nodes);
  }

  function scenarios(doc) {
    var sum = doc.summary, det = doc.detail || {};
    var names = Object.keys(sum.scenarios || {});
    if (!names.length) { section('scenarios', 'Scenarios', [note('This run has no scenario results.')]); return; }
    names.forEach(function (name) {
      var s = sum.scenarios[name], d = (det.scenarios || {})[name] || {};
      var nodes = [];
      var facts = [];
      if (s.pins !== undefined && s.pins !== null) facts.push(s.pins + ' pins, ' + s.unpins + ' unpins');
      if (s.mismatches !== undefined) facts.push(s.mismatches + ' return-code mismatches');
      if (s.ok !== undefined) facts.push(s.ok ? 'scenario checks passed' : 'scenario checks FAILED');
      if (facts.length) nodes.push(note(facts.join('; ')));
      var unitText = latUnit === 'insns' ? 'instructions retired, timing insns' : 'nanoseconds, timing ' + ((sum.environment || {}).timing || 'host');
      var workload = phaseRows(s.roles, 'workload');
      if (Object.keys(workload).length) {
        // The replay's own calls first: set-up and teardown (a window cleared whole) apart.
        nodes.push(el('h3', { text: 'Workload phase: the trace\'s records, without set-up and teardown (probes, per role; ' + unitText + ')' }));
        nodes.push(percentileTable(workload));
      }
      nodes.push(el('h3', { text: 'Percentiles of the whole command (probes, per role; op:TYPE per operation type; ' + unitText + ')' }));
      nodes.push(percentileTable(s.roles));
      if (Object.keys(workload).length) {
        nodes.push(el('h3', { text: 'Per phase (set-up: containers, windows, preregistration; teardown: windows cleared, containers released)' }));
        nodes.push(phaseTable(s.roles));
      }
      var roles = Object.keys(s.roles || {});
      var grid = el('div', { cls: 'grid' });
      roles.filter(function (r) { return r.indexOf('op:') !== 0; }).forEach(function (r) {
        var dr = (d.roles || {})[r] || {};
        if (workload[r]) grid.appendChild(histChart(name + ' · ' + r + ' latency, workload phase', ((dr.phases || {}).workload || {}).latency));
        grid.appendChild(histChart(name + ' · ' + r + ' latency', dr.latency));
      });
      nodes.push(el('h3', { text: 'Latency histograms' }), grid);
      // Per-op-type breakdown.
      var opt = roles.filter(function (r) { return r.indexOf('op:') === 0; });
      var ops = s.ops || {};
      var bgrid = el('div', { cls: 'grid' });
      if (opt.length) {
        bgrid.appendChild(catChart(name + ' · latency by operation type', opt.map(function (r) { return r.slice(3); }), ['p50', 'p99'],
          [opt.map(function (r) { return s.roles[r].p50; }), opt.map(function (r) { return s.roles[r].p99; })], { yns: true, ylog: true }));
      }
      var opNames = Object.keys(ops);
      if (opNames.length) {
        bgrid.appendChild(catChart(name + ' · operations by type', opNames, ['operations'], [opNames.map(function (k) { return ops[k]; })],
          { yvalue: function (u, v) { return num(v); } }));
      }
      var rc = s.return_codes || {};
      if (Object.keys(rc).length) {
        bgrid.appendChild(catChart(name + ' · return codes', Object.keys(rc), ['calls'], [Object.keys(rc).map(function (k) { return rc[k]; })],
          { yvalue: function (u, v) { return num(v); } }));
      }
      nodes.push(el('h3', { text: 'Per operation type' }));
      nodes.push(bgrid.childNodes.length ? bgrid : note('No per-operation-type data in this run.'));
      if (s.user_latency) {
        nodes.push(el('h3', { text: 'User-space latency (replay)' }));
        nodes.push(table(Object.keys(s.user_latency), [Object.keys(s.user_latency).map(function (k) { return s.user_latency[k]; })], 'num'));
      }
      nodes.push(el('h3', { text: 'Latency over the course of the replay' }));
      nodes.push(timeline(name, d.timeline));
      section('scenario-' + name, 'Scenario ' + name, nodes);
    });
  }

  // The replay's timeline (traces/README.md): per window of calls, {calls, elapsed_ns, count,
  // p50, p99, max}, plotted at the window's last call. A log axis has no 0: such values are gaps.
  // Max first, so that p99 stays visible where they are equal (a window under 100 calls).
  function timeline(name, tl) {
    if (!Array.isArray(tl)) return note('The job recorded no timeline for this scenario (the replay runner writes one).');
    if (!tl.length) return note('The timeline of this scenario has no points.');
    var keys = ['max', 'p99', 'p50'];
    return chart(name + ' · latency over the replay', keys, [tl.map(function (p) { return p.calls; })].concat(keys.map(function (k) {
      return tl.map(function (p) { return p[k] > 0 ? p[k] : null; });
    })), {
      kind: 'timeline', ylog: true, yns: true, fmt: fmtNs, width: 760, xlabel: 'calls replayed', ylabel: 'latency per window',
      xvalue: function (u, v, si, i) {
        var p = tl[i];
        return p ? p.calls + ' calls, ' + fmtNs(p.elapsed_ns) + ' in (window of ' + p.count + ')' : '-';
      }
    });
  }

  function pins(doc) {
    var p = doc.summary.pins || {}, det = doc.detail || {}, nodes = [];
    nodes.push(table(['pages tracked', 'leaked pages', 'leaked pins', 'double releases', 'locked_vm drift', 'left pinned after the job'],
      [[p.pages_tracked, p.leaked_pages, p.leaked_pins, p.double_releases, p.locked_vm_drift, p.pinned_after]], 'num'));
    var ledger = det.ledger || {};
    var leaks = (ledger.leaks || {}).by_stack || [];
    if (leaks.length) {
      nodes.push(el('h3', { text: 'Leaked pages by pin stack' }));
      leaks.forEach(function (l) {
        nodes.push(el('div', { cls: 'leak' }, [
          el('p', { text: l.pages + ' page(s), ' + l.pins + ' pin(s), pid ' + l.pid + ', probed ' + (l.symbol || '?') }),
          el('pre', { cls: 'stack', text: (l.frames || []).join('\n') || '(no stack)' }),
          l.last_pin_frames ? el('details', {}, [el('summary', { text: 'most recent pin stack' }), el('pre', { cls: 'stack', text: l.last_pin_frames.join('\n') })]) : null
        ]));
      });
    } else {
      nodes.push(note(ledger.leaks ? 'No leaked pages.' : 'No pin ledger in this run.'));
    }
    var dr = (ledger.double_releases || {}).by_stack || [];
    if (dr.length) {
      nodes.push(el('h3', { text: 'Double releases by stack' }));
      dr.forEach(function (l) { nodes.push(el('pre', { cls: 'stack', text: l.releases + ' release(s):\n' + (l.frames || []).join('\n') })); });
    }
    var lvm = det.locked_vm;
    if (lvm && lvm.mms) {
      nodes.push(el('h3', { text: 'locked_vm per mm (pages)' }));
      nodes.push(table(['mm', 'pid', 'charged', 'returned', 'drift', 'charge calls', 'return calls', 'failed calls'],
        lvm.mms.map(function (m) { return [m.mm, m.pid, m.charged, m.returned, m.drift, m.charge_calls, m.return_calls, m.failed_calls]; }), 'num'));
      if (lvm.mms.length) {
        nodes.push(catChart('locked_vm charged and returned per mm', lvm.mms.map(function (m) { return 'pid ' + m.pid; }), ['charged', 'returned'],
          [lvm.mms.map(function (m) { return m.charged; }), lvm.mms.map(function (m) { return m.returned; })], { yvalue: function (u, v) { return num(v); } }));
      }
    }
    section('pins', 'Pin ledger, leaks and locked_vm', nodes);
  }

  function overhead(doc) {
    var o = doc.summary.overhead || {}, det = (doc.detail || {}).overhead || {}, nodes = [];
    nodes.push(table(['cost per program run', 'program runs', 'run time', 'workload wall time', 'share of wall time'],
      [[fmtNs(o.ns_per_run), o.run_count, fmtNs(o.run_time_ns), fmtNs(o.command_wall_ns), o.fraction === null || o.fraction === undefined ? '-' : (100 * o.fraction).toFixed(2) + ' %']], 'num'));
    var progs = (det.programs || []).filter(function (p) { return p.run_cnt > 0; });
    if (progs.length) {
      nodes.push(catChart('probe programs: run time', progs.map(function (p) { return p.name; }), ['run time'],
        [progs.map(function (p) { return p.run_time_ns; })], { yns: true, fmt: fmtNs, width: 760 }));
    }
    var lost = (doc.detail || {}).lost;
    if (lost) nodes.push(note('Events the probes could not record: ' + (lost.total || 0)));
    section('overhead', "The probes' own overhead", nodes);
  }

  function trend(doc, hist) {
    var nodes = [];
    if (!hist || !hist.runs || hist.runs.length < 1) {
      nodes.push(note('No recorded history (tcelab history add, automatic for tcelab run).'));
      section('trend', 'Trend across recorded runs', nodes);
      return;
    }
    nodes.push(note(hist.runs.length + ' recorded ' + (hist.target || '') + ' runs of job ' + (hist.job || '?') + ' measured with timing ' + (hist.timing || 'host') + ' (history database ' + (hist.db || '') + '), labelled by user label or git commit.'));
    var labels = hist.runs.map(function (r) { return r.label || r.commit || r.run_id; });
    var grid = el('div', { cls: 'grid' });
    Object.keys(hist.series || {}).forEach(function (scen) {
      var roles = hist.series[scen];
      var names = [], vals = [];
      Object.keys(roles).forEach(function (role) {
        if (role.indexOf('op:') === 0) return;
        names.push(role + ' p50'); vals.push(roles[role].p50);
        names.push(role + ' p99'); vals.push(roles[role].p99);
      });
      if (!names.length) return;
      var xs = labels.map(function (_, i) { return i; });
      grid.appendChild(chart(scen + ' · p50 / p99 per run', names, [xs].concat(vals), {
        ylog: true, yns: true, width: 760, height: 300, xsplits: function () { return xs; },
        xticks: function (u, v) { return v.map(function (i) { return labels[i] || ''; }); },
        xvalue: function (u, v) { return (hist.runs[v] || {}).run_id || v; }
      }));
    });
    nodes.push(grid.childNodes.length ? grid : note('No latency series in the history.'));
    nodes.push(table(['run', 'label / commit', 'verdict', 'leaked pages'], hist.runs.map(function (r) {
      return [r.run_id, r.label || r.commit, r.verdict, r.leaked_pages];
    })));
    section('trend', 'Trend across recorded runs', nodes);
  }

  function runPage(doc, hist, files) {
    var sum = doc.summary;
    latUnit = unitOfTiming((sum.environment || {}).timing);
    document.title = 'tcelab ' + sum.run_id;
    app.appendChild(el('header', {}, [el('h1', { text: 'tcelab run ' + sum.run_id }), badge(sum.verdict)]));
    // The exports beside this page: summary, metrics and the CI formats (README.md, "CI formats").
    if (files && files.length)
      app.appendChild(el('p', { cls: 'files' }, [el('span', { text: 'Files: ' })].concat(files.map(function (f) {
        return el('a', { href: f, text: f });
      }))));
    var f = sum.failures || [];
    if (f.length) section('failures', 'Failures', f.map(function (x) { return el('p', { cls: 'fail', text: x.kind + ': ' + x.message }); }));
    if (sum.environment && sum.environment.tick_quantized)
      app.appendChild(el('p', { cls: 'warn', text: 'The guest clock is tick-quantized (' + sum.environment.clocksource + '): latencies below a tick read as 0 or one tick.' }));
    scenarios(doc);
    pins(doc);
    overhead(doc);
    trend(doc, hist);
    environment(sum);
  }

  function comparePage(c) {
    document.title = 'tcelab compare';
    latUnit = ((c.rows || [])[0] || {}).unit || 'ns';
    app.appendChild(el('header', {}, [el('h1', { text: 'tcelab compare' }), badge(c.verdict)]));
    var nodes = [note('baseline: ' + c.baseline.runs.join(', ')), note('current: ' + c.current.runs.join(', ')),
      note('The run is the unit of evidence: per percentile, the values are each run\'s own (in the order of the runs above), the verdict rests on them — at least ' + c.min_runs + ' runs a side, the change of the means beyond ' + (100 * c.threshold).toFixed(0) + ' %, each side\'s relative stddev within ' + (100 * c.max_rsd).toFixed(0) + ' %, the sides separated. The interval is a 95 % Welch t interval. The Mann–Whitney p and Cliff\'s δ over every call are a diagnostic only.')];
    if (c.environment_mismatch) nodes.push(el('p', { cls: 'warn', text: 'Environments differ: ' + c.environment_mismatch.join('; ') }));
    (c.new_leaks || []).forEach(function (l) { nodes.push(el('p', { cls: 'fail', text: 'new leak: ' + l })); });
    (c.new_failures || []).forEach(function (l) { nodes.push(el('p', { cls: 'fail', text: 'new failure: ' + l })); });
    function side(s) {
      return s.values.map(fmtLat).join(', ') + ' → ' + fmtLat(s.mean) + (s.rsd === null ? '' : ' ± ' + (100 * s.rsd).toFixed(0) + ' %');
    }
    var rows = [];
    (c.rows || []).forEach(function (r) {
      ['p50', 'p99'].forEach(function (k) {
        var p = r[k];
        rows.push([r.scenario, r.role, k, side(p.baseline), side(p.current), pct(p.change),
          p.ci95[0] === null ? '-' : pct(p.ci95[0]) + ' .. ' + pct(p.ci95[1]), p.rule + ': ' + p.reason,
          r.p_value === null ? '-' : r.p_value.toExponential(2),
          r.effect === null ? '-' : r.effect.toFixed(2) + ' (' + r.effect_size + ')', badge(p.verdict)]);
      });
    });
    nodes.push(table(['scenario', 'role', '', 'baseline runs → mean ± %stddev', 'current runs → mean ± %stddev', 'change',
      '95 % CI', 'decided by', 'p (calls)', 'δ (calls)', 'verdict'], rows, 'num'));
    section('comparison', 'Comparison', nodes);
    var grid = el('div', { cls: 'grid' });
    (c.rows || []).forEach(function (r) {
      if (!r.hist_baseline || !r.hist_current) return;
      var xs = {}, bmap = {}, cmap = {};
      // Each bucket starts at its lower bound and drops back to 0 at its upper bound.
      r.hist_baseline.forEach(function (b) { xs[b[0]] = 1; if (b[1] > b[0]) xs[b[1]] = 1; bmap[b[0]] = b[2] / r.n_baseline; });
      r.hist_current.forEach(function (b) { xs[b[0]] = 1; if (b[1] > b[0]) xs[b[1]] = 1; cmap[b[0]] = b[2] / r.n_current; });
      var x = Object.keys(xs).map(Number).sort(function (a, b) { return a - b; });
      if (!x.length) return;
      grid.appendChild(chart(r.scenario + ' · ' + r.role + ' (' + r.verdict + ')', ['baseline', 'current'],
        [x.map(function (v) { return Math.max(v, 0.5); }), x.map(function (v) { return bmap[v] || 0; }), x.map(function (v) { return cmap[v] || 0; })],
        { stepped: true, xlog: true, xns: true, ylabel: 'share of calls', xvalue: function (u, v) { return fmtLat(v); },
          yvalue: function (u, v) { return v === null ? '-' : (100 * v).toFixed(1) + ' %'; } }));
    });
    section('distributions', 'Latency distributions, baseline vs current', [grid]);
  }

  try {
    if (D.kind === 'compare') comparePage(D.compare);
    else runPage(D.doc, D.history, D.files);
    app.appendChild(el('footer', { text: (D.generated_by || 'tcelab') + ' · charts: uPlot ' + (D.uplot_version || '') + ' · generated ' + (D.generated_at || '') }));
  } catch (e) {
    selftest.errors.push('render: ' + e.message);
    app.appendChild(el('pre', { cls: 'fail', text: 'dashboard error: ' + e.stack }));
  }
  // For the headless test: a machine-readable verdict in the DOM.
  var ok = !selftest.errors.length && selftest.charts.every(function (c) { return c.drawn && c.points > 0; });
  selftest.ok = ok;
  var st = el('pre', { id: 'tcelab-selftest', text: JSON.stringify(selftest) });
  st.style.display = 'none';
  document.body.appendChild(st);
  document.body.setAttribute('data-selftest', ok ? 'ok' : 'fail');
})();

/* hsim dashboard: one simulator's points grouped by equipment, drawn with uPlot.
 *
 * Everything comes from the read API with the page's session cookie:
 *   /simulator/points/{id}   points (key, dis, kind, unit, equip, tags, current value)
 *   /simulator/equips/{id}   equipment and its marker tags (to group the points)
 *   /simulator/history/{id}  rows of many points over [start, end), raw or rolled up
 *   /simulator/labels/{id}   fault episodes, drawn as shaded bands over the charts they touch
 * No inline script or style: the page runs under a Content-Security-Policy of 'self'.
 * window.hsimDashboard exposes the charts (uPlot instances) for tests and for curious users.
 */
(function () {
  "use strict";

  var root = document.getElementById("dashboard");
  if (!root || typeof uPlot === "undefined") { return; }

  var cfg = root.dataset;
  var DAY = 86400;
  var RANGES = { day: DAY, week: 7 * DAY, month: 30 * DAY, year: 365 * DAY };
  var MAX_SERIES_PER_CHART = 10;   // more lines than this stop being readable
  var MAX_POINTS_PER_REQUEST = 25; // keeps each history answer small
  var BAND_FILL = "rgba(214, 39, 40, 0.14)";
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                 "#17becf", "#7f7f7f", "#bcbd22", "#393b79"];
  var QUANTITY = {
    "°F": "Temperature", "°C": "Temperature", "%RH": "Humidity", "%": "Percent",
    "kW": "Power", "kWh": "Energy", "W/m²": "Solar irradiance", "gal/min": "Water flow",
    "cfm": "Airflow", "inH₂O": "Pressure", "cfh": "Gas flow", "ft³": "Gas volume",
    "gal": "Water volume", "pf": "Power factor", "mph": "Wind speed",
    "inHg": "Air pressure", "BTU/lb": "Enthalpy", "ppm": "CO₂"
  };
  var TOTALIZED_UNITS = { "kWh": 1, "ft³": 1, "gal": 1, "MWh": 1, "therm": 1 };

  var hook = window.hsimDashboard = {
    charts: [],          // {id, section, title, unit, keys, fn, plot, bands, drawnBands}
    labels: [],
    range: null,         // {start, end, rollup, preset}
    loads: 0,            // completed loads of every section (range changes included)
    zoneLoads: 0,        // completed loads of the zone section alone
    historyRequests: 0,
    errors: []
  };

  var state = { points: [], equips: new Map(), sections: [], zones: [], zone: null,
                generation: 0 };

  // --- small helpers -----------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function isoSeconds(epoch) {
    return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  function parseTs(text) {
    // The API speaks UTC; a timestamp without an offset is UTC too (never browser-local).
    var s = String(text);
    if (!/[zZ]$|[+-]\d\d:?\d\d$/.test(s)) { s += "Z"; }
    return Date.parse(s) / 1000;
  }

  function fmtTime(epoch) {
    return isoSeconds(epoch).slice(0, 16).replace("T", " ");
  }

  function fmtNumber(v) {
    if (v === null || v === undefined || Number.isNaN(v)) { return "—"; }
    var a = Math.abs(v);
    var digits = a >= 1000 ? 0 : a >= 100 ? 1 : 2;
    return v.toLocaleString("en-US", { maximumFractionDigits: digits });
  }

  function fmtValue(v, kind, unit) {
    if (v === null || v === undefined || v === "") { return "—"; }
    if (kind === "Bool" || typeof v === "boolean") {
      return (v === true || v === 1 || v === "true") ? "on" : "off";
    }
    if (typeof v === "number" || (typeof v === "string" && v !== "" && !isNaN(+v))) {
      return fmtNumber(+v) + (unit ? " " + unit : "");
    }
    return String(v);
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.text().then(function (text) {
          var body = null;
          try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
          if (!response.ok) {
            var detail = body && body.detail ? body.detail : response.status + " " + response.statusText;
            var err = new Error(detail);
            err.status = response.status;
            throw err;
          }
          return body;
        });
      });
  }

  function report(where, err) {
    var text = where + ": " + (err && err.message ? err.message : String(err));
    hook.errors.push(text);
    showMessage(text, true);
    console.error("hsim dashboard: " + text);
  }

  function showMessage(text, isError) {
    var box = document.getElementById("message");
    box.textContent = text;
    box.hidden = !text;
    box.classList.toggle("error", !!isError);
  }

  function markers(obj) {
    // Equipment tags arrive as a list of markers or as a tag dict (Haystack JSON or plain).
    var out = new Set();
    if (!obj) { return out; }
    if (Array.isArray(obj.markers)) { obj.markers.forEach(function (m) { out.add(m); }); }
    var tags = obj.tags;
    if (Array.isArray(tags)) { tags.forEach(function (m) { out.add(m); }); }
    else if (tags && typeof tags === "object") { Object.keys(tags).forEach(function (m) { out.add(m); }); }
    return out;
  }

  function hasTag(point, name) {
    var tags = point.tags;
    if (Array.isArray(tags)) { return tags.indexOf(name) >= 0; }
    return !!(tags && typeof tags === "object" && Object.prototype.hasOwnProperty.call(tags, name));
  }

  // --- grouping points into sections and charts ---------------------------------------

  function sectionOf(point) {
    var equip = point.equip || "";
    var m = markers(state.equips.get(equip));
    var prefix = equip.split("-")[0];
    if (m.has("weatherStation") || prefix === "weather" || (!equip && hasTag(point, "weather"))) {
      return "weather";
    }
    if (m.has("ahu") || prefix === "ahu") { return "ahu:" + equip; }
    if (m.has("vav") || prefix === "vav") { return "zone"; }
    if (m.has("meter") || /meter$/.test(equip)) { return "meters"; }
    if (m.has("chiller") || m.has("boiler") || m.has("coolingTower") || m.has("pump") ||
        m.has("plant") || /^(chiller|boiler|cooling|chw|hw|cw)/.test(equip)) {
      return "plant";
    }
    return "other";
  }

  function equipDis(key) {
    var e = state.equips.get(key);
    return (e && e.dis) || key;
  }

  function buildSections() {
    var byKey = new Map();
    var zones = new Map();
    function add(key, title, point) {
      if (!byKey.has(key)) { byKey.set(key, { key: key, title: title, points: [] }); }
      byKey.get(key).points.push(point);
    }
    state.points.forEach(function (p) {
      var key = sectionOf(p);
      if (key === "zone") {
        if (!zones.has(p.equip)) { zones.set(p.equip, []); }
        zones.get(p.equip).push(p);
        return;
      }
      var title = key === "weather" ? "Weather" : key === "plant" ? "Plant" :
        key === "meters" ? "Meters" : key === "other" ? "Other points" :
        (p.equip_dis || equipDis(p.equip));
      add(key, title, p);
    });
    var order = function (s) {
      return s.key === "weather" ? "0" : s.key.indexOf("ahu:") === 0 ? "1" + s.key :
        s.key === "plant" ? "2" : s.key === "meters" ? "3" : "9";
    };
    var sections = Array.from(byKey.values()).sort(function (a, b) {
      return order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0;
    });
    state.zones = Array.from(zones.keys()).sort().map(function (k) {
      return { key: k, dis: (zones.get(k)[0].equip_dis || equipDis(k)), points: zones.get(k) };
    });
    if (state.zones.length) {
      var zone = state.zones[0];
      var zoneSection = { key: "zone", title: "Zone", points: zone.points, zone: zone.key };
      sections.splice(sections.length && sections[sections.length - 1].key === "other" ?
        sections.length - 1 : sections.length, 0, zoneSection);
      state.zone = zone.key;
    }
    state.sections = sections;
  }

  function chartsOf(section) {
    // One chart per unit (Bool points share an on/off chart); Str points only list values.
    var groups = new Map();
    section.points.forEach(function (p) {
      if (p.kind === "Str") { return; }
      var unit = p.kind === "Bool" ? "on/off" : (p.unit || "");
      if (!groups.has(unit)) { groups.set(unit, []); }
      groups.get(unit).push(p);
    });
    var single = new Set(section.points.map(function (p) { return p.equip; })).size === 1;
    var charts = [];
    groups.forEach(function (points, unit) {
      var parts = Math.ceil(points.length / MAX_SERIES_PER_CHART);
      for (var i = 0; i < parts; i++) {
        var slice = points.slice(i * MAX_SERIES_PER_CHART, (i + 1) * MAX_SERIES_PER_CHART);
        var name = unit === "on/off" ? "On/off" : (QUANTITY[unit] || "Value") + (unit ? " (" + unit + ")" : "");
        var totalized = slice.every(function (p) {
          return hasTag(p, "hisTotalized") || TOTALIZED_UNITS[p.unit];
        });
        charts.push({
          id: (section.key + "-" + (unit || "value") + "-" + i).replace(/[^A-Za-z0-9_-]+/g, "_"),
          section: section.key,
          title: name + (parts > 1 ? " " + (i + 1) + "/" + parts : ""),
          unit: unit === "on/off" ? "" : unit,
          bool: unit === "on/off",
          // Rollups: a totalizer's bucket is its last reading; everything else the mean
          // (for on/off points: the share of the bucket it was on).
          fn: totalized ? "last" : "avg",
          keys: slice.map(function (p) { return p.key; }),
          points: slice,
          labelOf: function (p) {
            var dis = p.dis || p.key;
            var prefix = (p.equip_dis || equipDis(p.equip)) + " ";
            return single && dis.indexOf(prefix) === 0 ? dis.slice(prefix.length) : dis;
          }
        });
      }
    });
    return charts;
  }

  // --- range -------------------------------------------------------------------------

  function rollupFor(seconds) {
    // Raw rows up to two days, hourly buckets up to two months, daily beyond: a year is
    // 365 buckets per point, drawn as fast as a day of raw data.
    if (seconds <= 2 * DAY) { return null; }
    if (seconds <= 62 * DAY) { return "1h"; }
    return "1d";
  }

  function presetRange(name) {
    var end = Math.ceil(Date.now() / 60000) * 60;
    return makeRange(end - RANGES[name], end, name);
  }

  function makeRange(start, end, preset) {
    return { start: start, end: end, rollup: rollupFor(end - start), preset: preset || "custom" };
  }

  function toInput(epoch) { return isoSeconds(epoch).slice(0, 16); }
  function fromInput(value) { return value ? Date.parse(value + ":00Z") / 1000 : NaN; }

  function showRange() {
    var r = hook.range;
    document.getElementById("range-start").value = toInput(r.start);
    document.getElementById("range-end").value = toInput(r.end);
    document.getElementById("range-info").textContent =
      fmtTime(r.start) + " → " + fmtTime(r.end) + " UTC · " +
      (r.rollup ? r.rollup + " buckets" : "raw readings");
    document.querySelectorAll("#range [data-range]").forEach(function (b) {
      b.classList.toggle("active", b.dataset.range === r.preset);
    });
  }

  function historyUrl(keys, fn, format) {
    var params = new URLSearchParams();
    keys.forEach(function (k) { params.append("point", k); });
    params.set("start", isoSeconds(hook.range.start));
    params.set("end", isoSeconds(hook.range.end));
    if (hook.range.rollup) {
      params.set("rollup", hook.range.rollup);
      params.set("fn", fn);
    }
    if (format) { params.set("format", format); }
    return cfg.historyUrl + "?" + params.toString();
  }

  // --- history and charts ------------------------------------------------------------

  function rowValue(row) {
    var n = row[1], b = row[2];
    if (typeof n === "number") { return n; }
    if (typeof n === "string" && n !== "" && !isNaN(+n)) { return +n; }
    if (typeof b === "boolean") { return b ? 1 : 0; }
    if (typeof b === "number") { return b; }
    return null;
  }

  function fetchHistory(charts) {
    // One request per rollup function and at most MAX_POINTS_PER_REQUEST points.
    var byFn = new Map();
    charts.forEach(function (c) {
      if (!byFn.has(c.fn)) { byFn.set(c.fn, []); }
      c.keys.forEach(function (k) { byFn.get(c.fn).push(k); });
    });
    var requests = [];
    byFn.forEach(function (keys, fn) {
      for (var i = 0; i < keys.length; i += MAX_POINTS_PER_REQUEST) {
        hook.historyRequests += 1;
        requests.push(getJSON(historyUrl(keys.slice(i, i + MAX_POINTS_PER_REQUEST), fn)));
      }
    });
    return Promise.all(requests).then(function (answers) {
      var rows = new Map();
      answers.forEach(function (body) {
        (body && body.series || []).forEach(function (s) { rows.set(s.point, s.rows || []); });
      });
      return rows;
    });
  }

  function alignedData(chart, rows) {
    var stamps = new Set();
    var perKey = chart.keys.map(function (k) {
      var m = new Map();
      (rows.get(k) || []).forEach(function (r) {
        var t = parseTs(r[0]);
        stamps.add(t);
        m.set(t, rowValue(r));
      });
      return m;
    });
    // The range's ends as empty samples: the x axis spans the whole chosen range (uPlot's
    // own auto-range, so drag-to-zoom and double-click-to-reset keep working).
    stamps.add(hook.range.start);
    stamps.add(hook.range.end);
    var xs = Array.from(stamps).sort(function (a, b) { return a - b; });
    var data = [xs];
    perKey.forEach(function (m) {
      data.push(xs.map(function (t) { return m.has(t) ? m.get(t) : null; }));
    });
    return data;
  }

  // An episode without an end is still going on: it lasts to the end of the range.
  function labelStart(l) { return parseTs(l.start); }
  function labelEnd(l) { return l.end ? parseTs(l.end) : hook.range.end; }

  function bandsFor(chart) {
    var keys = new Set(chart.keys);
    var equips = new Set(chart.points.map(function (p) { return p.equip; }));
    return hook.labels.filter(function (l) {
      var pts = l.points || [];
      if (pts.length) { return pts.some(function (k) { return keys.has(k); }); }
      return keys.has(l.entity) || equips.has(l.entity);
    }).map(function (l) {
      return { start: labelStart(l), end: labelEnd(l), kind: l.kind, entity: l.entity,
               severity: l.severity };
    });
  }

  function drawBands(u, chart) {
    // Under the grid and the lines: drawClear runs right after uPlot clears the canvas.
    var box = u.bbox, ctx = u.ctx;
    chart.drawnBands = [];
    ctx.save();
    ctx.fillStyle = BAND_FILL;
    chart.bands.forEach(function (b) {
      var x0 = Math.max(u.valToPos(b.start, "x", true), box.left);
      var x1 = Math.min(u.valToPos(b.end, "x", true), box.left + box.width);
      if (!(x1 > x0)) { return; }
      ctx.fillRect(x0, box.top, x1 - x0, box.height);
      chart.drawnBands.push({ x0: x0, x1: x1, top: box.top, height: box.height,
                              start: b.start, end: b.end, kind: b.kind });
    });
    ctx.restore();
  }

  function timeTicks(u, splits, axisIdx, space, incr) {
    // 24-hour UTC clock; the date under the first tick of each day, dates alone for
    // ranges of weeks, months alone for a year.
    var prevDay = null;
    return splits.map(function (t) {
      var s = isoSeconds(t);
      var day = s.slice(5, 10);
      if (incr >= 28 * DAY) { return s.slice(0, 7); }
      if (incr >= DAY) { return day; }
      var label = s.slice(11, 16);
      if (day !== prevDay) { label += "\n" + day; prevDay = day; }
      return label;
    });
  }

  function plotWidth(node) {
    return Math.max(280, Math.floor(node.getBoundingClientRect().width) - 4);
  }

  function makePlot(chart, data, node) {
    var range = hook.range;
    var series = [{ label: "time (UTC)", value: function (u, v) { return v == null ? "—" : fmtTime(v); } }];
    chart.points.forEach(function (p, i) {
      series.push({
        label: chart.labelOf(p),
        stroke: PALETTE[i % PALETTE.length],
        width: 1.5,
        points: { show: false },
        paths: chart.bool && !range.rollup ? uPlot.paths.stepped({ align: 1 }) : undefined,
        value: function (u, v) {
          if (v == null) { return "—"; }
          return chart.bool ? (range.rollup ? fmtNumber(v * 100) + " % on" : (v ? "on" : "off"))
            : fmtNumber(v) + (chart.unit ? " " + chart.unit : "");
        }
      });
    });
    var opts = {
      width: plotWidth(node),
      height: 220,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      cursor: { sync: { key: "hsim" } },
      scales: {
        x: { time: true },
        y: chart.bool ? { range: [-0.05, 1.05] } : {}
      },
      axes: [
        { stroke: "#555", grid: { stroke: "#eee" }, values: timeTicks },
        { stroke: "#555", grid: { stroke: "#eee" }, size: 56,
          values: chart.bool && !range.rollup ?
            function (u, vals) { return vals.map(function (v) { return v === 1 ? "on" : v === 0 ? "off" : ""; }); } :
            function (u, vals) { return vals.map(fmtNumber); } }
      ],
      series: series,
      hooks: { drawClear: [function (u) { drawBands(u, chart); }] }
    };
    return new uPlot(opts, data, node);
  }

  function chartFigure(chart) {
    var fig = el("figure", "chart");
    fig.dataset.chartId = chart.id;
    var cap = el("figcaption");
    cap.appendChild(el("span", "chart-title", chart.title));
    var csv = el("a", "csv", "CSV");
    csv.href = historyUrl(chart.keys, chart.fn, "csv");
    csv.title = "history of these points in this range, as CSV";
    cap.appendChild(csv);
    fig.appendChild(cap);
    var plot = el("div", "plot");
    fig.appendChild(plot);
    return { fig: fig, plot: plot };
  }

  function currentTable(section) {
    var details = el("details", "current");
    details.open = section.points.length <= 16;
    details.appendChild(el("summary", null, "Current values (" + section.points.length + ")"));
    var table = el("table");
    var head = el("tr");
    ["point", "value", "time (UTC)", "status"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    table.appendChild(head);
    section.points.forEach(function (p) {
      var tr = el("tr");
      tr.dataset.point = p.key;
      tr.appendChild(el("td", null, p.dis || p.key));
      tr.appendChild(el("td", "value", fmtValue(p.cur_val, p.kind, p.unit)));
      tr.appendChild(el("td", null, p.cur_ts ? fmtTime(parseTs(p.cur_ts)) : "—"));
      tr.appendChild(el("td", null, p.cur_status || ""));
      table.appendChild(tr);
    });
    details.appendChild(table);
    return details;
  }

  function sectionNode(section) {
    var id = "section-" + section.key.replace(/[^A-Za-z0-9_-]+/g, "-");
    var node = document.getElementById(id);
    if (!node) {
      node = el("section", "equip-section");
      node.id = id;
      node.dataset.section = section.key;
      var header = el("header");
      header.appendChild(el("h2", null, section.title));
      if (section.key === "zone") { header.appendChild(zonePicker()); }
      header.appendChild(el("span", "section-status muted"));
      node.appendChild(header);
      node.appendChild(el("div", "charts"));
      document.getElementById("sections").appendChild(node);
    }
    return node;
  }

  function zonePicker() {
    var tpl = document.getElementById("zone-picker-template");
    var picker = tpl.content.firstElementChild.cloneNode(true);
    var select = picker.querySelector("select");
    state.zones.forEach(function (z) {
      var opt = el("option", null, z.dis);
      opt.value = z.key;
      select.appendChild(opt);
    });
    select.value = state.zone;
    select.addEventListener("change", function () {
      var zone = state.zones.find(function (z) { return z.key === select.value; });
      var section = state.sections.find(function (s) { return s.key === "zone"; });
      section.points = zone.points;
      section.zone = zone.key;
      state.zone = zone.key;
      var gen = state.generation;
      loadSection(section, gen).then(function () {
        if (gen === state.generation) { hook.zoneLoads += 1; }
      });
    });
    return picker;
  }

  function loadSection(section, gen) {
    var node = sectionNode(section);
    var status = node.querySelector(".section-status");
    var charts = chartsOf(section);
    status.textContent = "loading…";
    return fetchHistory(charts).then(function (rows) {
      if (gen !== state.generation) { return; }
      var box = node.querySelector(".charts");
      hook.charts = hook.charts.filter(function (c) {
        if (c.section !== section.key) { return true; }
        c.plot.destroy();
        return false;
      });
      box.textContent = "";
      charts.forEach(function (chart) {
        var parts = chartFigure(chart);
        box.appendChild(parts.fig);
        chart.bands = bandsFor(chart);
        chart.plot = makePlot(chart, alignedData(chart, rows), parts.plot);
        if (chart.bands.length) {
          parts.fig.classList.add("has-fault");
          parts.fig.appendChild(el("p", "chart-faults", chart.bands.map(function (b) {
            return "⚠ " + b.kind + " on " + b.entity + " · " + fmtTime(b.start) + " → " + fmtTime(b.end);
          }).join("; ")));
        }
        hook.charts.push(chart);
      });
      var old = node.querySelector("details.current");
      if (old) { old.remove(); }
      node.appendChild(currentTable(section));
      var empty = charts.every(function (c) {
        return c.plot.data.slice(1).every(function (values) {
          return values.every(function (v) { return v === null; });
        });
      });
      status.textContent = empty ? "no data in this range" : "";
    }).catch(function (err) {
      if (gen !== state.generation) { return; }
      status.textContent = "failed";
      report(section.title, err);
    });
  }

  function showFaults() {
    var box = document.getElementById("faults");
    var body = box.querySelector("tbody");
    body.textContent = "";
    hook.labels.forEach(function (l) {
      var tr = el("tr");
      var pts = l.points || [];
      [l.kind, l.entity, pts.length > 3 ? pts.length + " points" : pts.join(", "),
       fmtTime(parseTs(l.start)), l.end ? fmtTime(parseTs(l.end)) : "ongoing",
       l.severity == null ? "" : fmtNumber(+l.severity)]
        .forEach(function (v) { tr.appendChild(el("td", null, v)); });
      if (pts.length > 3) { tr.children[2].title = pts.join("\n"); }
      body.appendChild(tr);
    });
    box.hidden = hook.labels.length === 0;
  }

  function loadLabels() {
    var params = new URLSearchParams({ start: isoSeconds(hook.range.start), end: isoSeconds(hook.range.end) });
    return getJSON(cfg.labelsUrl + "?" + params.toString()).then(function (body) {
      hook.labels = (body && body.labels) || [];
      showFaults();
    }).catch(function (err) {
      hook.labels = [];
      report("fault labels", err);
    });
  }

  function loadAll(pointsAreFresh) {
    state.generation += 1;
    var gen = state.generation;
    showRange();
    if (!pointsAreFresh) { showMessage(""); }
    return Promise.all([loadLabels(), pointsAreFresh ? null : refreshPoints()]).then(function () {
      if (gen !== state.generation) { return; }
      return Promise.all(state.sections.map(function (s) { return loadSection(s, gen); }));
    }).then(function () {
      if (gen === state.generation) { hook.loads += 1; }
    });
  }

  function refreshPoints() {
    // Current values move with every tick: re-read them with each range change (the
    // sections stay; only the values change).
    return getJSON(cfg.pointsUrl + "?limit=1000").then(function (body) {
      var fresh = new Map(((body && body.results) || []).map(function (p) { return [p.key, p]; }));
      state.points.forEach(function (p) {
        var f = fresh.get(p.key);
        if (f) { p.cur_val = f.cur_val; p.cur_status = f.cur_status; p.cur_ts = f.cur_ts; }
      });
    }).catch(function (err) { report("current values", err); });
  }

  // --- header: state and health --------------------------------------------------------

  function badge(node, cls, text, title) {
    node.className = "badge " + cls;
    node.textContent = text;
    if (title) { node.title = title; }
  }

  function loadStatus() {
    getJSON(cfg.stateUrl).then(function (s) {
      badge(document.getElementById("run-status"), "status-" + s.status, s.status, s.error_message || "");
      document.getElementById("last-tick").textContent =
        s.last_run_timestamp ? fmtTime(parseTs(s.last_run_timestamp)) : "never";
    }).catch(function (err) { report("state", err); });
    fetch(cfg.healthUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })  // 503 carries the same body: unhealthy
      .then(function (h) {
        badge(document.getElementById("health"), "health-" + h.status, h.status,
              (h.reasons || []).join("\n"));
      })
      .catch(function () { badge(document.getElementById("health"), "health-unknown", "unknown"); });
  }

  // --- wiring ----------------------------------------------------------------------------

  function initialRange() {
    // A simulator stopped long ago: open on its newest day of data, not on an empty day.
    var range = presetRange("day");
    if (!cfg.lastRun) { return range; }
    var newest = parseTs(cfg.lastRun) + 60 * (+cfg.intervalMinutes || 15);
    if (!(newest < range.end - DAY)) { return range; }
    showMessage("No data in the last day: showing the simulator's newest day, up to " +
                fmtTime(newest) + " UTC.");
    return makeRange(newest - DAY, newest, "custom");
  }

  function init() {
    hook.range = initialRange();
    document.querySelectorAll("#range [data-range]").forEach(function (button) {
      button.addEventListener("click", function () {
        hook.range = presetRange(button.dataset.range);
        loadAll(false);
      });
    });
    document.getElementById("range").addEventListener("submit", function (event) {
      event.preventDefault();
      var start = fromInput(document.getElementById("range-start").value);
      var end = fromInput(document.getElementById("range-end").value);
      if (!(start < end)) { showMessage("The start of the range must be before its end.", true); return; }
      hook.range = makeRange(start, end, "custom");
      loadAll(false);
    });
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () {
        hook.charts.forEach(function (c) {
          c.plot.setSize({ width: plotWidth(c.plot.root.parentNode), height: 220 });
        });
      }, 150);
    });
    loadStatus();
    Promise.all([getJSON(cfg.pointsUrl + "?limit=1000"), getJSON(cfg.equipsUrl).catch(function () { return []; })])
      .then(function (answers) {
        var points = answers[0] || {};
        var equips = answers[1];
        equips = Array.isArray(equips) ? equips : (equips && (equips.results || equips.equips)) || [];
        equips.forEach(function (e) { state.equips.set(e.key, e); });
        state.points = points.results || [];
        if ((points.count || 0) > state.points.length) {
          showMessage("Showing the first " + state.points.length + " of " + points.count + " points.");
        }
        if (!state.points.length) { showMessage("This simulator has no points yet."); return; }
        buildSections();
        return loadAll(true);
      })
      .catch(function (err) { report("points", err); });
  }

  init();
})();

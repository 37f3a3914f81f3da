// The live page: renders each state the server pushes on /api/events (server-sent events).
"use strict";

const COLORS = { input: "#2b6cb0", positive: "#1f8a4c", negative: "#b7791f", rejected: "#c53030" };
const $ = (id) => document.getElementById(id);
let chart = null;
let chartStreams = "";

function cell(value, cls) {
  const td = document.createElement("td");
  td.textContent = value;
  if (cls) td.className = cls;
  return td;
}

function row(values, attrs) {
  const tr = document.createElement("tr");
  for (const [key, value] of Object.entries(attrs || {})) tr.dataset[key] = value;
  values.forEach((v) => tr.appendChild(v instanceof Node ? v : cell(v)));
  return tr;
}

function fill(tbodyId, rows) {
  $(tbodyId).replaceChildren(...rows);
}

function field(name, value, warnIfNonZero) {
  const td = cell(typeof value === "number" ? value.toLocaleString("en-US") : value);
  td.dataset.field = name;
  td.dataset.value = value;
  if (warnIfNonZero && value > 0) td.classList.add("nonzero");
  return td;
}

function badge(status) {
  const span = document.createElement("span");
  span.className = `badge ${status}`;
  span.textContent = status || "–";
  const td = document.createElement("td");
  td.className = "text";
  td.appendChild(span);
  td.dataset.field = "status";
  td.dataset.value = status;
  return td;
}

function renderStreams(state) {
  fill("stream-rows", state.streams.map((s) => row([
    cell(s.name, "text"), cell(s.route, "text"),
    field("in_per_s", s.in_per_s), field("out_per_s", s.out_per_s),
    field("in_total", s.in_total), field("out_total", s.out_total),
    field("share", s.share === null ? "–" : `${(100 * s.share).toFixed(1)} %`),
  ], { stream: s.name, route: s.route })));
  const names = state.streams.map((s) => s.name);
  const data = [state.series.map((p) => p.t), ...names.map((n) => state.series.map((p) => p[n] ?? null))];
  const width = $("chart").clientWidth || 900;
  if (!chart || chartStreams !== names.join()) {
    if (chart) chart.destroy();
    chartStreams = names.join();
    chart = new uPlot({
      width, height: 220,
      scales: { x: { time: false } },
      axes: [{ label: "seconds since start" }, { label: "records/s" }],
      series: [{ label: "t" }, ...state.streams.map((s) => ({
        label: `${s.route} (${s.name})`, stroke: COLORS[s.route] || "#4a5568", width: 2,
      }))],
    }, data, $("chart"));
  } else {
    chart.setData(data);
  }
}

function renderApplication(state) {
  const app = state.application;
  $("app-name").textContent = app.name;
  $("app-status").textContent = app.status || "not created";
  $("app-status").className = `badge ${app.status}`;
  $("app-status").dataset.value = app.status;
  const start = state.started;
  const end = Math.max(state.at || start, ...app.transitions.map((t) => t.at));
  const span = Math.max(end - start, 1);
  const segments = app.transitions.map((t, i) => {
    const until = i + 1 < app.transitions.length ? app.transitions[i + 1].at : end;
    const div = document.createElement("div");
    const known = ["RUNNING", "STARTING", "STOPPING", "UPDATING", "READY"].includes(t.to);
    div.className = `seg ${known ? t.to : "other"}`;
    div.style.left = `${(100 * (t.at - start)) / span}%`;
    div.style.width = `${Math.max((100 * (until - t.at)) / span, 0.3)}%`;
    div.title = `${t.to} from ${(t.at - start).toFixed(1)} s`;
    return div;
  });
  $("timeline").replaceChildren(...segments);
  $("timeline").dataset.windows = app.windows.length;
  $("transitions").replaceChildren(...app.transitions.map((t) => {
    const li = document.createElement("li");
    li.textContent = `${(t.at - start).toFixed(1)} s: ${t.from} → ${t.to}`;
    return li;
  }));
  $("transitions").dataset.count = app.transitions.length;
}

function render(state) {
  $("stack").textContent = state.stack || "…";
  $("endpoint").textContent = state.endpoint || "…";
  $("phase").textContent = state.phase === "finished" ? "finished (last sample)" : state.phase;
  $("phase").dataset.value = state.phase;
  document.body.dataset.version = state.version;
  if (state.streams) renderStreams(state);
  renderApplication(state);
  fill("execution-rows", state.executions.map((e) => row(
    [cell(e.name, "text"), badge(e.status), cell(e.state || "", "text")], { execution: e.name })));
  fill("consumer-rows", state.consumers.map((c) => row([
    cell(c.route, "text"), field("batches", c.batches), field("records", c.records),
    field("retried", c.retried, true), field("failed_invocations", c.failed_invocations, true),
    field("dead_letters", c.dead_letters, true), field("iterator_age_ms", c.iterator_age_ms),
    field("poll_errors", c.poll_errors, true),
  ], { route: c.route })));
  fill("rejected-rows", state.rejected.map((r) => row(
    [cell(r.sequence, "text"), cell(r.reason, "text"), cell(r.preview, "preview")], { sequence: r.sequence })));
}

const events = new EventSource("/api/events");
events.onmessage = (message) => render(JSON.parse(message.data));
events.onerror = () => { $("phase").textContent = "disconnected (retrying)"; };

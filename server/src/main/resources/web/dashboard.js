// dashboard.js: the usage dashboard at /dashboard. Reads GET /v1/usage (docs/contract.md "Usage
// ledger") and GET /metrics (Prometheus text), draws with uPlot (its WebJar, loaded by the page as
// the global uPlot). Each panel says plainly why it is empty: no data yet, an endpoint this gateway
// does not have (404), or a key it needs (401/403). Every panel carries data-state="chart" or
// "empty" so that tests and people can tell which one they see.
import { parsePrometheus, findHistogram, findValue } from "/prometheus.js";

const STATUSES = ["completed", "aborted", "failed", "timeout", "rejected"];
const PALETTE = ["#2563eb", "#16a34a", "#dc2626", "#ca8a04", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#ea580c", "#4b5563"];
const MAX_DAYS = 31;
const REFRESH_MS = 10_000;
/** Whole-number steps for axes that count requests. */
const COUNT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1e6, 1e7];
const AXIS = { stroke: "#888", grid: { stroke: "#8882" }, ticks: { stroke: "#8884" } };

const $ = (id) => document.getElementById(id);
const fromInput = $("from"), toInput = $("to"), keyInput = $("key"), statusLine = $("status");
const charts = new Map(); // panel id → uPlot, destroyed before a redraw

const iso = (d) => d.toISOString().slice(0, 10);
const today = new Date();
toInput.value = iso(today);
fromInput.value = iso(new Date(today.getTime() - 6 * 86_400_000));
keyInput.value = sessionStorage.getItem("sluice.key") ?? "";

/** GET as JSON or text: {ok, status, body}; a network failure is status 0. */
async function get(url, asText = false) {
  try {
    const headers = keyInput.value ? { Authorization: `Bearer ${keyInput.value}` } : {};
    const r = await fetch(url, { headers });
    if (!r.ok) return { ok: false, status: r.status, body: null };
    return { ok: true, status: r.status, body: asText ? await r.text() : await r.json() };
  } catch (e) {
    return { ok: false, status: 0, body: null };
  }
}

/** The days from..to (inclusive, UTC), the last MAX_DAYS of them. */
function days(from, to) {
  const out = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += 86_400_000) out.push(iso(new Date(t)));
  return out.slice(-MAX_DAYS);
}

function why(status, what) {
  if (status === 404) return `No ${what}: this gateway does not serve it (HTTP 404).`;
  if (status === 401 || status === 403) return `No ${what}: it needs a key with access (HTTP ${status}). Enter one above.`;
  if (status === 0) return `No ${what}: the gateway could not be reached.`;
  return `No ${what}: the gateway answered HTTP ${status}.`;
}

function empty(panelId, message) {
  charts.get(panelId)?.destroy();
  charts.delete(panelId);
  const panel = $(panelId);
  panel.dataset.state = "empty";
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = message;
  panel.querySelector(".chart").replaceChildren(p);
}

function draw(panelId, options, data) {
  charts.get(panelId)?.destroy();
  const panel = $(panelId);
  const box = panel.querySelector(".chart");
  box.replaceChildren();
  panel.dataset.state = "chart";
  const width = Math.max(240, box.clientWidth);
  charts.set(panelId, new uPlot({ width, height: 220, ...options }, data, box));
}

/** A per-day line chart, one series per group. */
function timeSeries(panelId, dayList, series, format) {
  const xs = dayList.map((d) => Date.parse(d) / 1000);
  draw(panelId, {
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [{ ...AXIS }, { ...AXIS, size: 60, values: (u, v) => v.map(format) }],
    series: [{}, ...series.map((s, i) => ({
      label: s.name, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: true, size: 6 },
      value: (u, v) => (v == null ? "–" : format(v)),
    }))],
  }, [xs, ...series.map((s) => s.values)]);
}

/** A bar chart of labelled values. */
function bars(panelId, labels, values, name, category) {
  const xs = labels.map((_, i) => i);
  // Every label when they fit, else every n-th one (about 80 px each).
  const step = Math.max(1, Math.ceil(labels.length / Math.max(1, $(panelId).clientWidth / 80)));
  draw(panelId, {
    scales: { x: { time: false, range: () => [-0.6, labels.length - 0.4] }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [{ ...AXIS, splits: () => xs.filter((i) => i % step === 0), values: (u, v) => v.map((i) => labels[i] ?? "") },
      { ...AXIS, size: 50, incrs: COUNT_INCRS }],
    series: [
      { label: category, value: (u, i) => labels[i] ?? "" },
      { label: name, fill: "#2563eb99", stroke: "#2563eb", width: 1,
        paths: uPlot.paths.bars({ size: [0.6, 64] }), points: { show: false } },
    ],
  }, [xs, values]);
}

const money = (v) => (v === 0 ? "0" : v < 0.01 ? v.toPrecision(2) : v.toFixed(2));
const count = (v) => (v >= 1e6 ? (v / 1e6).toFixed(1) + "M" : v >= 1e4 ? (v / 1e3).toFixed(0) + "k" : String(Math.round(v)));

/** Per day, the usage split by model or key: {error} or {series: {cost, tokens}}. */
async function perDay(by, dayList) {
  const answers = await Promise.all(dayList.map((d) => get(`/v1/usage?from=${d}&to=${d}&group_by=${by}`)));
  const failed = answers.find((a) => !a.ok);
  if (failed) return { error: failed.status };
  const names = [...new Set(answers.flatMap((a) => a.body.groups.map((g) => g.group)))].sort();
  const pick = (f) => names.map((name) => ({
    name: name || "(none)",
    values: answers.map((a) => {
      const g = a.body.groups.find((x) => x.group === name);
      return g ? f(g) : 0;
    }),
  }));
  return { names, cost: pick((g) => Number(g.costUsd)), tokens: pick((g) => g.promptTokens + g.completionTokens) };
}

async function refreshUsage() {
  const from = fromInput.value, to = toInput.value;
  const dayList = days(from, to);
  const byStatus = await get(`/v1/usage?from=${from}&to=${to}&group_by=status`);
  if (!byStatus.ok) {
    for (const id of ["cost-panel", "tokens-panel", "status-panel"]) empty(id, why(byStatus.status, "usage data"));
    for (const id of ["requests", "tokens", "cost"]) $(id).textContent = "–";
    return byStatus.status;
  }
  const totals = byStatus.body.totals;
  $("requests").textContent = String(totals.requests);
  $("tokens").textContent = count(totals.promptTokens + totals.completionTokens);
  $("cost").textContent = totals.costUsd;
  if (totals.requests === 0) {
    for (const id of ["cost-panel", "tokens-panel", "status-panel"]) empty(id, "No requests in this range yet.");
    return 200;
  }
  const counts = STATUSES.map((s) => totals.byStatus?.[s] ?? 0);
  bars("status-panel", STATUSES, counts, "requests", "Status");

  const splits = { cost: $("cost-split").value, tokens: $("tokens-split").value };
  const loaded = new Map();
  for (const by of new Set(Object.values(splits))) loaded.set(by, await perDay(by, dayList));
  for (const [kind, by] of Object.entries(splits)) {
    const panelId = `${kind}-panel`;
    const data = loaded.get(by);
    if (data.error !== undefined) empty(panelId, why(data.error, `usage by ${by}`));
    else if (data.names.length === 0) empty(panelId, "No requests in this range yet.");
    else timeSeries(panelId, dayList, data[kind], kind === "cost" ? money : count);
  }
  return 200;
}

async function refreshMetrics() {
  const metrics = await get("/metrics", true);
  if (!metrics.ok) {
    $("open").textContent = "–";
    empty("ttft-panel", why(metrics.status, "metrics"));
    return metrics.status;
  }
  const parsed = parsePrometheus(metrics.body);
  const open = findValue(parsed, /^sluice_.*(streams?_(open|active|in_flight)|(open|active|in_flight)_streams?)/);
  $("open").textContent = open == null ? "–" : String(open);
  const ttft = findHistogram(parsed, /^sluice_.*(ttft|first_token)/);
  if (!ttft || ttft.buckets.every((b) => b.count === 0)) {
    empty("ttft-panel", ttft ? "No first tokens measured yet." : "No time-to-first-token histogram in /metrics.");
    return 200;
  }
  // Client libraries expose many fixed buckets: show from just before the first filled one to just after the last.
  const filled = ttft.buckets.map((b, i) => (b.count > 0 ? i : -1)).filter((i) => i >= 0);
  const shown = ttft.buckets.slice(Math.max(0, filled[0] - 1), filled.at(-1) + 2);
  const labels = shown.map((b, i) => {
    if (b.le === Infinity) return `> ${formatMs((shown[i - 1]?.le ?? 0) * ttft.unitMs)}`;
    return `≤ ${formatMs(b.le * ttft.unitMs)}`;
  });
  bars("ttft-panel", labels, shown.map((b) => b.count), "requests", "First token");
  return 200;
}

const formatMs = (ms) => (ms >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${+ms.toFixed(1)} ms`);

let refreshing = null;
async function refresh() {
  if (refreshing) return refreshing;
  if (typeof uPlot === "undefined") {
    statusLine.textContent = "The chart library did not load.";
    statusLine.className = "error";
    return;
  }
  refreshing = Promise.all([refreshUsage(), refreshMetrics()]).then(() => {
    statusLine.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    statusLine.className = "";
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded ?? 0) + 1);
  }).finally(() => { refreshing = null; });
  return refreshing;
}

$("refresh").addEventListener("click", refresh);
for (const el of [fromInput, toInput, $("cost-split"), $("tokens-split")]) el.addEventListener("change", refresh);
keyInput.addEventListener("change", () => { sessionStorage.setItem("sluice.key", keyInput.value); refresh(); });
let resizeTimer;
addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(refresh, 200); });
setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
refresh();

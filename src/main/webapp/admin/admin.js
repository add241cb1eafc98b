// Herald's live dashboard: a `figures` event every couple of seconds from /api/admin/stream
// (Herald's own SSE), drawn with uPlot (served from this WAR). The admin token comes from the URL
// fragment (#token=..., never sent to a server), this tab's storage, dev mode's /dev/token, or the
// form; it is checked once with GET /api/admin/instances before the stream opens.
const KEEP = 150; // points per series: five minutes at the default 2 s
const $ = (id) => document.getElementById(id);

const series = { t: [], sse: [], websocket: [], poll: [], in: [], received: [], out: [], p50: [], p99: [] };
const charts = {};

async function devToken() {
  try {
    const r = await fetch("/dev/token?sub=dashboard&groups=admin");
    return r.ok ? (await r.text()).trim() : null;
  } catch {
    return null;
  }
}

async function token() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) {
    history.replaceState(null, "", location.pathname); // out of the address bar
    return fromHash;
  }
  return sessionStorage.getItem("herald.admin.token") || (await devToken());
}

async function check(t) {
  const r = await fetch("/api/admin/instances", { headers: { Authorization: `Bearer ${t}` } });
  if (r.ok) return null;
  const body = await r.json().catch(() => ({}));
  return `${r.status} ${body.code || ""}: ${body.message || "refused"}`;
}

function chart(el, labels, colors) {
  const opts = {
    width: el.clientWidth || 420,
    height: 180,
    legend: { show: true },
    // the last five minutes, whatever has been drawn so far
    scales: { x: { time: true, range: (u, min, max) => [max - (KEEP * 2), max] } },
    series: [{}, ...labels.map((label, i) => ({ label, stroke: colors[i], width: 2 }))],
  };
  return new uPlot(opts, [[], ...labels.map(() => [])], el);
}

function setUp() {
  charts.connections = chart($("c-connections"), ["sse", "websocket", "poll"], ["#4f46e5", "#0891b2", "#ca8a04"]);
  charts.events = chart($("c-events"), ["in", "received"], ["#16a34a", "#64748b"]);
  charts.deliveries = chart($("c-deliveries"), ["deliveries"], ["#db2777"]);
  charts.latency = chart($("c-latency"), ["p50", "p99"], ["#0891b2", "#b91c1c"]);
  addEventListener("resize", () => {
    for (const [id, c] of Object.entries(charts)) c.setSize({ width: $(`c-${id}`).clientWidth, height: 180 });
  });
}

function push(name, value) {
  const s = series[name];
  s.push(value);
  if (s.length > KEEP) s.shift();
}

const sum = (list, f) => list.reduce((n, i) => n + f(i), 0);
const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString() : (Math.round(n * 10) / 10).toString());

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
}

function show(f) {
  const list = f.instances;
  push("t", f.at / 1000);
  for (const t of ["sse", "websocket", "poll"]) push(t, sum(list, (i) => i.connections[t]));
  push("in", sum(list, (i) => i.eventsInPerSecond));
  push("received", list.length ? Math.max(...list.map((i) => i.eventsReceivedPerSecond)) : 0);
  push("out", sum(list, (i) => i.deliveriesPerSecond));
  push("p50", list.length ? Math.max(...list.map((i) => i.latencyP50Ms)) : 0);
  push("p99", list.length ? Math.max(...list.map((i) => i.latencyP99Ms)) : 0);
  charts.connections.setData([series.t, series.sse, series.websocket, series.poll]);
  charts.events.setData([series.t, series.in, series.received]);
  charts.deliveries.setData([series.t, series.out]);
  charts.latency.setData([series.t, series.p50, series.p99]);

  const total = sum(list, (i) => i.connections.total);
  $("t-connections").textContent = fmt(total);
  $("t-split").textContent = ["sse", "websocket", "poll"].map((t) => `${t} ${sum(list, (i) => i.connections[t])}`).join(" · ");
  $("t-in").textContent = fmt(series.in.at(-1));
  $("t-out").textContent = fmt(series.out.at(-1));
  $("t-p99").textContent = `${fmt(series.p99.at(-1))} ms`;
  $("t-instances").textContent = list.length;
  const up = list.length > 0 && list.every((i) => i.brokerConnected);
  $("broker").dataset.state = up ? "up" : "down";
  $("broker").textContent = up ? "broker up" : "broker down";
  $("updated").textContent = `updated ${new Date(f.at).toLocaleTimeString()}`;

  const rows = $("instances").tBodies[0];
  rows.replaceChildren();
  for (const i of list) {
    const row = rows.insertRow();
    row.dataset.instance = i.instanceId;
    [i.instanceId, `${Math.round(i.uptimeSeconds / 60)} min`, i.connections.total, fmt(i.eventsInPerSecond), fmt(i.deliveriesPerSecond), fmt(i.latencyP99Ms), i.brokerConnected ? "up" : "down"].forEach((v) => cell(row, String(v)));
  }
  const top = $("channels").tBodies[0];
  top.replaceChildren();
  for (const c of f.channels) {
    const row = top.insertRow();
    [c.channel, c.tenant, fmt(c.eventsPerSecond)].forEach((v) => cell(row, String(v)));
  }
}

function stream(t) {
  const source = new EventSource(`/api/admin/stream?access_token=${encodeURIComponent(t)}`);
  source.addEventListener("figures", (e) => {
    $("state").dataset.state = "live";
    $("state").textContent = "live";
    show(JSON.parse(e.data));
  });
  source.onerror = () => {
    $("state").dataset.state = "down";
    $("state").textContent = "reconnecting"; // EventSource retries by itself
  };
}

async function open(t) {
  const refused = await check(t);
  if (refused) {
    sessionStorage.removeItem("herald.admin.token");
    $("login").hidden = false;
    $("login-error").textContent = refused;
    return;
  }
  sessionStorage.setItem("herald.admin.token", t);
  $("login").hidden = true;
  $("board").hidden = false;
  setUp();
  stream(t);
}

$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  open($("token").value.trim());
});

const first = await token();
if (first) open(first);
else $("login").hidden = false;

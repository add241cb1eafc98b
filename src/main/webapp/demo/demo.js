// Herald's operations room: every feature of the browser client on one page, with nothing but
// herald.js. All text that comes from the network is set with textContent, never as HTML.
import { connect } from "../herald.js";
import { $, ago, capitalise, clamp01, clock, clone, el, ignore, pick, put, toast } from "./ui.js";
import { applyJob, jobs, runJob } from "./jobs.js";

const CHAT = "chat.ops-room";
const JOBS = "jobs.board";
const NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "oscar", "peggy", "trent", "victor"];
const BADGE = { connected: "Live", polling: "Polling", connecting: "Reconnecting", reconnecting: "Reconnecting", offline: "Offline", failed: "Offline" };
const TRANSPORT_NAMES = { websocket: "WebSocket", sse: "SSE", poll: "Long-polling" };

// ---------- identity ----------
// ?user= wins (that is how "Open a second user" works); otherwise a name kept for this tab.
function chooseUser() {
  const clean = (s) => (s || "").toLowerCase().replace(/[^a-z0-9_-]/g, "").slice(0, 32);
  const fromQuery = clean(new URLSearchParams(location.search).get("user"));
  if (fromQuery) return fromQuery;
  try {
    let stored = clean(sessionStorage.getItem("herald-demo-user"));
    if (!stored) sessionStorage.setItem("herald-demo-user", (stored = pick(NAMES)));
    return stored;
  } catch {
    return pick(NAMES); // storage blocked: a fresh name per load is still a working demo
  }
}

const me = { id: chooseUser() };
me.name = capitalise(me.id);

// ---------- people: names and colours outlive presence, so old messages keep them ----------
const people = new Map(); // userId -> { name, color }
const members = new Map(); // userId -> member, as presence last told, in join order

function nameOf(userId) {
  return people.get(userId)?.name || capitalise(String(userId || "someone"));
}

// A stable colour until Herald tells us the member's own.
function colourOf(userId) {
  const known = people.get(userId)?.color;
  if (known) return known;
  let h = 0;
  for (const c of String(userId)) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${h} 55% 45%)`;
}

function initials(name) {
  const parts = String(name).trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] || "?") + (parts.length > 1 ? parts.at(-1)[0] : "")).toUpperCase();
}

function paintAvatar(node, userId) {
  node.textContent = initials(nameOf(userId));
  node.dataset.avatarUser = userId;
  node.style.background = colourOf(userId);
  return node;
}

function learn(member) {
  const before = people.get(member.userId) || {};
  const now = { name: member.name || before.name, color: member.color || before.color };
  people.set(member.userId, now);
  if (now.color !== before.color || now.name !== before.name) {
    for (const a of document.querySelectorAll(`[data-avatar-user="${CSS.escape(member.userId)}"]`)) paintAvatar(a, member.userId);
  }
}

// ---------- the connection ----------
// Where tokens come from: /dev/token in dev mode, the site's own endpoint where an operator
// turned the demo on in production (herald.demo.token-url, docs/client.md)
const config = await (await fetch("config")).json();
const tokenUrl = config.tokenUrl + "?" + new URLSearchParams({ sub: me.id, name: me.name, groups: "publisher", subscribe: "*", publish: "*" });

// Called by the client for every connection and before a token expires: never cached here.
async function getToken() {
  const response = await fetch(tokenUrl, { credentials: "include" });
  if (!response.ok) throw new Error(`token: HTTP ${response.status}`);
  return (await response.text()).trim();
}

const client = connect({ getToken, shared: true });
window.demo = { client };

function renderConnection() {
  const s = client.getStats();
  const state = s.state || client.state;
  $("badge").textContent = BADGE[state] || "Offline";
  $("badge").dataset.state = state;
  $("transport").dataset.transport = s.transport || "";
  $("transport").textContent = TRANSPORT_NAMES[s.transport] || "—";
  $("stat-reconnects").textContent = String(s.reconnects ?? 0);
  $("stat-last-event").textContent = ago(s.lastEventAt);
  $("stat-heartbeat").textContent = ago(s.lastHeartbeatAt);
  $("stat-queued").textContent = String(s.queued ?? 0);
}

// ---------- history, then live from where it ended ----------
function eventsOf(reply) {
  const list = Array.isArray(reply) ? reply : Array.isArray(reply?.events) ? reply.events : [];
  return list.filter((e) => e && typeof e === "object" && e.id);
}

function loadHistory(channel, limit) {
  const failed = (e) => (toast(`Could not load the history of ${channel}: ${e.message}`, "error"), []);
  return client.history(channel, { limit }).then(eventsOf, failed);
}

// Renders the history, then subscribes from its last id: nothing missed, nothing twice
// (apply() also drops ids it has seen). A gap means events were lost: reload and merge.
async function follow(channel, limit, apply, handlers = {}) {
  const events = await loadHistory(channel, limit);
  events.forEach(apply);
  const last = events.at(-1);
  client.subscribe(channel, {
    ...handlers,
    ...(last ? { since: last.id } : {}),
    onEvent: apply,
    onGap: async () => (await loadHistory(channel, limit)).forEach(apply),
  });
  return events;
}

// ---------- chat ----------
const seenMessages = new Set();
const pendingByEvent = new Map(); // eventId -> "sending…" row, removed when the event shows

// Keeps the list in time order even when a gap reload brings older messages late.
function insertByTime(list, li, timestamp) {
  const t = Date.parse(timestamp) || Infinity;
  let after = list.lastElementChild;
  while (after && Number(after.dataset.t) > t) after = after.previousElementSibling;
  li.dataset.t = String(t === Infinity ? Date.now() : t);
  after ? after.after(li) : list.prepend(li);
}

function addMessage(e) {
  if (e.event !== "chat.message" || seenMessages.has(e.id)) return;
  seenMessages.add(e.id);
  const author = String(e.publisher || "unknown");
  const scroller = $("chat-scroll");
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;

  const li = clone("message-template", author === me.id ? "message mine" : "message");
  Object.assign(li.dataset, { id: e.id, author });
  paintAvatar(li.querySelector(".avatar"), author);
  put(li, ".author", nameOf(author));
  put(li, ".time", clock(e.timestamp));
  put(li, ".text", String(e.data?.text ?? ""));
  insertByTime($("messages"), li, e.timestamp);

  pendingByEvent.get(e.id)?.remove();
  pendingByEvent.delete(e.id);
  if (atBottom || author === me.id) scroller.scrollTop = scroller.scrollHeight;
}

async function sendMessage(event) {
  event.preventDefault();
  const input = $("message-input");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  input.focus();
  stopTyping();
  // Shown until the event comes back: while offline it waits in the client's outbox.
  const row = el("li", "pending", text);
  $("pending").append(row);
  $("chat-scroll").scrollTop = $("chat-scroll").scrollHeight;
  try {
    const ok = await client.publish(CHAT, "chat.message", { text });
    if (ok?.eventId && !seenMessages.has(ok.eventId)) {
      pendingByEvent.set(ok.eventId, row);
      setTimeout(() => row.remove(), 5000);
    } else row.remove();
  } catch (e) {
    row.remove();
    toast(`Message not sent: ${e.message}`, "error");
  }
}

// ---------- typing ----------
const typers = new Map(); // userId -> timer that forgets a "start" whose "stop" got lost

function setTyping(userId, on) {
  if (!userId || userId === me.id) return; // never show our own typing
  clearTimeout(typers.get(userId));
  if (on) typers.set(userId, setTimeout(() => setTyping(userId, false), 8000));
  else typers.delete(userId);
  renderTyping();
}

function renderTyping() {
  const names = [...typers.keys()].map(nameOf);
  $("typing").textContent =
    names.length === 0 ? "" :
    names.length === 1 ? `${names[0]} is typing…` :
    `${names.slice(0, -1).join(", ")} and ${names.at(-1)} are typing…`;
  for (const li of $("members").children) renderMemberNote(li);
}

let typingSentAt = 0, idleTimer;

// "start" at most every 2 s while keys are pressed, "stop" after 4 s without one.
function onInput() {
  if (!$("message-input").value.trim()) return stopTyping();
  if (Date.now() - typingSentAt > 2000) {
    typingSentAt = Date.now();
    client.typing(CHAT, "start").catch(ignore);
  }
  clearTimeout(idleTimer);
  idleTimer = setTimeout(stopTyping, 4000);
}

function stopTyping() {
  clearTimeout(idleTimer);
  if (!typingSentAt) return;
  typingSentAt = 0;
  client.typing(CHAT, "stop").catch(ignore);
}

// ---------- presence: members and cursors ----------
let memberCount = 0;

function onPresence(frame) {
  const list = Array.isArray(frame.members) ? frame.members.filter((m) => m && m.userId) : [];
  if (frame.action === "snapshot") {
    members.clear();
    for (const id of [...typers.keys()]) setTyping(id, false);
  }
  for (const m of list) {
    learn(m);
    if (frame.action === "leave") {
      members.delete(m.userId);
      setTyping(m.userId, false);
    } else {
      members.set(m.userId, m);
      if (typeof m.typing === "boolean") setTyping(m.userId, m.typing);
    }
  }
  memberCount = Number.isFinite(frame.count) ? frame.count : members.size;
  renderMembers();
  renderCursors();
}

function renderMemberNote(li) {
  const id = li.dataset.user;
  const note = li.querySelector(".member-note");
  const typing = typers.has(id);
  note.textContent = typing ? "typing…" : members.get(id)?.status === "away" ? "Away" : "Online";
  note.classList.toggle("typing-note", typing);
}

function renderMembers() {
  const items = [...members.values()].map((m) => {
    const li = clone("member-template", "member");
    Object.assign(li.dataset, { user: m.userId, status: m.status === "away" ? "away" : "online" });
    paintAvatar(li.querySelector(".avatar"), m.userId);
    put(li, ".member-name", nameOf(m.userId));
    if (m.userId === me.id) li.querySelector(".member-name").append(el("span", "you", "you"));
    renderMemberNote(li);
    return li;
  });
  $("members").replaceChildren(...items);
  $("member-count").textContent = `${memberCount} here`;
  const online = [...members.values()].filter((m) => m.status !== "away").length;
  $("online-count").textContent = `${online} online`;
}

const cursors = new Map(); // userId -> .cursor element

function renderCursors() {
  for (const [id, m] of members) {
    const c = m.state?.cursor;
    const valid = c && Number.isFinite(c.x) && Number.isFinite(c.y);
    if (id === me.id || !valid) { removeCursor(id); continue; }
    let node = cursors.get(id);
    const fresh = !node;
    if (fresh) {
      cursors.set(id, (node = clone("cursor-template", "cursor")));
      node.dataset.user = id;
    }
    node.style.left = `${clamp01(c.x) * 100}%`;
    node.style.top = `${clamp01(c.y) * 100}%`;
    node.style.color = colourOf(id);
    put(node, ".cursor-label span", nameOf(id));
    if (fresh) $("cursors").append(node); // placed before it shows, so it does not glide in from 0,0
  }
  for (const id of [...cursors.keys()]) if (!members.has(id)) removeCursor(id);
}

function removeCursor(id) {
  cursors.get(id)?.remove();
  cursors.delete(id);
}

// Our cursor as fractions of the room, at most every 50 ms (the latest position wins).
let cursorOut = null, cursorTimer = null, cursorSentAt = 0;

function queueCursor(cursor) {
  cursorOut = cursor;
  if (cursorTimer) return;
  cursorTimer = setTimeout(() => {
    cursorTimer = null;
    cursorSentAt = Date.now();
    client.presence.set(CHAT, cursorOut ? { cursor: cursorOut } : {}).catch(ignore);
  }, Math.max(0, 50 - (Date.now() - cursorSentAt)));
}

function trackCursor(event) {
  const r = $("room").getBoundingClientRect();
  if (!r.width || !r.height) return;
  const round = (n) => Math.round(clamp01(n) * 10000) / 10000;
  queueCursor({ x: round((event.clientX - r.left) / r.width), y: round((event.clientY - r.top) / r.height) });
}

// ---------- controls ----------
function setTransport(value) {
  if (typeof client.setTransports !== "function") return toast("This client cannot switch transports", "warn");
  client.setTransports(value === "auto" ? undefined : [value]);
  toast(value === "auto" ? "Transport: automatic (best available)" : `Transport: ${TRANSPORT_NAMES[value]} only`);
}

function cutConnection() {
  if (typeof client.reconnect !== "function") return toast("This client cannot cut its connection", "warn");
  client.reconnect();
  toast("Connection cut: watch it reconnect and resume");
}

function openSecondUser() {
  const other = pick(NAMES.filter((n) => n !== me.id));
  window.open(`/demo/?user=${encodeURIComponent(other)}`, "_blank");
}

// ---------- start ----------
function start() {
  $("me").dataset.user = me.id;
  $("me-name").textContent = me.name;
  paintAvatar($("me-avatar"), me.id);

  client.on("state", renderConnection);
  client.on("error", (e) => toast(`Connection failed: ${e.message}`, "error"));
  renderConnection();
  setInterval(renderConnection, 1000);

  $("chat-form").addEventListener("submit", sendMessage);
  $("message-input").addEventListener("input", onInput);
  $("message-input").addEventListener("blur", stopTyping);
  $("room").addEventListener("mousemove", trackCursor);
  $("room").addEventListener("mouseleave", () => queueCursor(null));
  $("run-job").addEventListener("click", runJob);
  $("transport-select").addEventListener("change", (e) => setTransport(e.target.value));
  $("cut").addEventListener("click", cutConnection);
  $("second-user").addEventListener("click", openSecondUser);

  follow(CHAT, 50, addMessage, {
    onPresence,
    onTyping: (t) => setTyping(t.userId, t.state === "start"),
  }).then(() => ($("chat-scroll").scrollTop = $("chat-scroll").scrollHeight));

  // An empty board would show nothing of the JMS path: start a job for the visitor.
  follow(JOBS, 100, applyJob).then(() => jobs.size === 0 && runJob());
}

start();

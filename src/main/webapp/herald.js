// herald.js: Herald's browser client, one dependency-free ES module (docs/client.md).
//
//   import { connect } from "/herald.js";
//   const herald = connect({ getToken: () => fetch("/my/token").then(r => r.text()) });
//   const sub = herald.subscribe("jobs.42", { onEvent: e => render(e.data) });
//
// It picks WebSocket, then SSE, then long-polling (a transport that fails to open or is cut
// `failuresBeforeFallback` times in a row is left for the next, and the better one is tried again
// later), reconnects with exponential backoff and full jitter, resumes every channel from its last
// event on every reconnect and transport switch, drops repeated event ids and hands `gap` to the
// application. Messages sent while offline wait in a bounded queue, each with its idempotency key.

export const STATES = Object.freeze(["connecting", "connected", "reconnecting", "polling", "offline", "failed"]);
export const TRANSPORTS = Object.freeze(["websocket", "sse", "poll"]);

/** Full-jitter backoff: a random wait in [0, min(max, min * 2^attempt)] ms. */
export function backoff(attempt, { min = 500, max = 30000, random = Math.random } = {}) {
  const cap = Math.min(max, min * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}

/**
 * What to do after the server closed a WebSocket with `code` (docs/protocol.md, "Close codes"):
 * "stop" (closed as asked), "fail" (no retry as is), "token" (only with a fresh token),
 * "later" (back off harder), or "retry".
 */
export function closePolicy(code) {
  if (code === 1000) return "stop";
  if (code === 1008 || code === 1009 || code === 4010 || code === 4030) return "fail";
  if (code === 4001) return "token";
  if (code === 4029 || code === 4008) return "later";
  return "retry";
}

/**
 * Where each channel stands (the id of its last event) and which ids were seen lately, so that
 * what a resume sends twice is dropped. Event ids are `<millis>-<seq>-<origin>`.
 */
export class Positions {
  constructor(remember = 1000) {
    this.remember = remember;
    this.last = new Map();
    this.seen = new Map();
    this.floors = new Map();
  }

  /** Whether the event is new for its channel; records it if so. */
  accept(channel, id) {
    // after a reload the ids seen before it are gone: the kept ones, and anything well before the
    // kept position, are repeats (a stream resumed from another channel's older position resends)
    const floor = this.floors.get(channel);
    if (floor && floor.isRepeat(id)) return false;
    let seen = this.seen.get(channel);
    if (!seen) this.seen.set(channel, (seen = new Set()));
    if (seen.has(id)) return false;
    seen.add(id);
    if (seen.size > this.remember) seen.delete(seen.values().next().value);
    this.last.set(channel, id);
    return true;
  }

  /** A position the server gave without an event (a subscription with nothing to replay). */
  at(channel, position) {
    if (position && !this.last.has(channel)) this.last.set(channel, position);
  }

  of(channel) {
    return this.last.get(channel);
  }

  /**
   * A position kept from before a page reload (sessionStorage), with the last ids seen then.
   * Within one channel, ids from several instances may arrive slightly out of order (up to the
   * server's clock tolerance, 10 s): an id just below the position that was not seen is new.
   */
  restore(channel, position, recent = []) {
    if (!position || this.last.has(channel)) return;
    this.last.set(channel, position);
    const seen = new Set(recent);
    const moment = position.includes("~"); // a subscription's start, not an event: no floor
    const floorMs = Number(position.split("-")[0]);
    const isRepeat = (id) => seen.has(id) || (!moment && compareIds(id, position) <= 0 && floorMs - Number(id.split("-")[0]) > CLOCK_TOLERANCE_MS);
    this.floors.set(channel, { isRepeat });
  }

  /** The oldest position among `channels` (one stream resumes all from it; repeats are dropped). */
  oldest(channels) {
    let oldest;
    for (const c of channels) {
      const p = this.last.get(c);
      if (p && (!oldest || compareIds(p, oldest) < 0)) oldest = p;
    }
    return oldest;
  }

  forget(channel) {
    this.last.delete(channel);
    this.seen.delete(channel);
    this.floors.delete(channel);
  }

  toJSON() {
    return Object.fromEntries(this.last);
  }
}

/** herald.history.clock-tolerance-ms's default: how far out of id order one channel's events may come. */
const CLOCK_TOLERANCE_MS = 10000;

/** Orders event ids by time, then sequence (the origin only breaks ties). */
export function compareIds(a, b) {
  const [am, as, ao = ""] = a.split("-");
  const [bm, bs, bo = ""] = b.split("-");
  return Number(am) - Number(bm) || Number(as) - Number(bs) || (ao < bo ? -1 : ao > bo ? 1 : 0);
}

/**
 * Which transport to use: the best allowed one that has not failed `limit` times in a row; after
 * `retryBetterMs` on a worse one, the best is tried again.
 */
export class TransportPicker {
  constructor(allowed = TRANSPORTS, { limit = 3, retryBetterMs = 60000, now = () => Date.now() } = {}) {
    this.allowed = TRANSPORTS.filter((t) => allowed.includes(t));
    if (this.allowed.length === 0) throw new Error("no transport allowed");
    this.limit = limit;
    this.retryBetterMs = retryBetterMs;
    this.now = now;
    this.failures = new Map();
    this.leftAt = null; // when the best transport was left
  }

  pick() {
    if (this.leftAt !== null && this.now() - this.leftAt >= this.retryBetterMs) {
      this.failures.clear(); // time to try the better ones again
      this.leftAt = null;
    }
    for (const t of this.allowed) {
      if ((this.failures.get(t) || 0) < this.limit) return t;
    }
    this.failures.clear(); // all failed: start over from the best
    return this.allowed[0];
  }

  failed(transport) {
    const n = (this.failures.get(transport) || 0) + 1;
    this.failures.set(transport, n);
    if (n === this.limit && this.leftAt === null) this.leftAt = this.now();
  }

  opened(transport) {
    this.failures.set(transport, 0);
  }
}

/** A bounded queue of messages sent while offline, each kept with its idempotency key. */
export class Outbox {
  constructor(limit = 100) {
    this.limit = limit;
    this.items = [];
  }

  /** Queues a message; false when full (the caller's promise is rejected). */
  offer(item) {
    if (this.items.length >= this.limit) return false;
    this.items.push(item);
    return true;
  }

  drain() {
    const items = this.items;
    this.items = [];
    return items;
  }

  get size() {
    return this.items.length;
  }
}

/** A JWT's claims, read without verifying them (the server verifies); null if unreadable. */
function claimsOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), "=")));
  } catch {
    return null;
  }
}

/** When a JWT expires (ms since the epoch), read from its payload without verifying it; or null. */
export function expiryOf(token) {
  const exp = claimsOf(token)?.exp;
  return typeof exp === "number" ? exp * 1000 : null;
}

/**
 * When to get a fresh token: 30 s before `exp`, or halfway through a shorter life, never sooner
 * than a second from now; null for a token without `exp`.
 */
export function refreshDelay(expiresAt, now, lead = 30000) {
  if (expiresAt === null) return null;
  const life = expiresAt - now;
  return Math.max(1000, life - Math.min(lead, life / 2));
}

/**
 * Positions kept in sessionStorage (per tab, per Herald URL), so that a reloaded page resumes
 * where it stood: each channel's position and its last `recent` event ids (as
 * `[position, ...ids]`). Written once per task however many events came (a burst costs one
 * write), at most `limit` channels (the oldest written is dropped first).
 */
export class StoredPositions {
  constructor(storage, key, limit = 200, recent = 32) {
    this.storage = storage;
    this.key = key;
    this.limit = limit;
    this.recentLimit = recent;
    this.map = new Map();
    this.pending = false;
    try {
      for (const [c, v] of Object.entries(JSON.parse(storage?.getItem(key) || "{}"))) {
        if (Array.isArray(v) && v.every((x) => typeof x === "string")) this.map.set(c, v);
      }
    } catch {
      // unreadable (another version, a full quota): start afresh
    }
  }

  get(channel) {
    return this.map.get(channel)?.[0];
  }

  /** The last ids seen on `channel` before the reload. */
  recent(channel) {
    return this.map.get(channel)?.slice(1) ?? [];
  }

  /** Records a position: an event's id (kept among the recent ones too) or a subscription's start. */
  set(channel, position, { event = true } = {}) {
    const before = this.map.get(channel);
    if (!this.storage || !position || before?.[0] === position) return;
    const recent = event ? [...(before?.slice(1) ?? []), position].slice(-this.recentLimit) : before?.slice(1) ?? [];
    this.map.delete(channel); // re-inserted: the map's order is the order of writing
    this.map.set(channel, [position, ...recent]);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value);
    this.writeSoon();
  }

  forget(channel) {
    if (this.map.delete(channel)) this.writeSoon();
  }

  writeSoon() {
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      try {
        this.storage.setItem(this.key, JSON.stringify(Object.fromEntries(this.map)));
      } catch {
        // quota or privacy mode: a reload then starts from now, as without storage
      }
    });
  }
}

function sessionStorageOrNull() {
  try {
    return globalThis.sessionStorage ?? null; // reading it throws where storage is blocked
  } catch {
    return null;
  }
}

function newKey() {
  return globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** Connects to Herald; returns the client. Options: docs/client.md. */
export function connect(options = {}) {
  if (options.shared && typeof SharedWorker !== "undefined" && typeof location !== "undefined") {
    const workerUrl = new URL(options.workerUrl || "herald-worker.js", import.meta.url);
    // a worker must come from the page's origin: a client imported from elsewhere keeps its own
    if (workerUrl.origin === location.origin) return new SharedClient(options, workerUrl);
  }
  return new HeraldClient(options);
}

/** Listeners and the state both clients (one per tab, or one shared by tabs) report. */
class Emitter {
  constructor() {
    this.listeners = new Map();
    this.state = "connecting";
  }

  on(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(listener);
    return () => this.listeners.get(type).delete(listener);
  }

  emit(type, value) {
    for (const l of this.listeners.get(type) || []) {
      try {
        l(value);
      } catch (e) {
        console.error("herald: a listener failed", e);
      }
    }
  }

  setState(state) {
    if (state !== this.state) {
      this.state = state;
      this.emit("state", state);
    }
  }
}

export class HeraldClient extends Emitter {
  constructor(options) {
    super();
    this.url = (options.url || (globalThis.location ? location.origin : "")).replace(/\/$/, "");
    this.getToken = options.getToken || (async () => undefined);
    this.backoffOptions = { min: options.minDelayMs ?? 500, max: options.maxDelayMs ?? 30000, random: options.random };
    this.retryBetterMs = options.retryBetterMs ?? 60000;
    this.fallbackAfter = options.failuresBeforeFallback ?? 3;
    this.factories = options.transportFactories || defaultFactories;
    this.positions = new Positions();
    const storage = options.storage === undefined ? sessionStorageOrNull() : options.storage;
    this.stored = new StoredPositions(storage, `herald.positions ${this.url}`);
    this.outbox = new Outbox(options.outboxSize ?? 100);
    this.subscriptions = new Map();
    this.stats = { transport: null, reconnects: 0, lastEventAt: null, lastHeartbeatAt: null };
    this.attempt = 0;
    this.generation = 0;
    this.closed = false;
    this.timers = options.timers || globalThis;
    this.now = options.now || Date.now;
    // a connection silent this long is dead, whatever the socket says (a half-open TCP connection
    // behind a proxy never errors); SSE heartbeats, poll answers and WebSocket pongs keep it alive
    // unset: two of the transport's heartbeat intervals (an SSE stream names its own; a WebSocket's
    // are its pings and their pongs; a long-poll is answered at least every 25 s)
    this.staleOption = options.staleAfterMs;
    this.staleAfterMs = options.staleAfterMs ?? 45000;
    this.pingMs = options.pingMs ?? 20000;
    this.useTransports(options.transports);
    this.open();
  }

  getStats() {
    return { ...this.stats, state: this.state, queued: this.outbox.size, shared: false };
  }

  /**
   * Subscribes; `since` resumes from a position kept elsewhere (a server render). Without it a
   * channel this tab followed before a reload resumes from where it stood (sessionStorage).
   * Several subscriptions of one channel share the server's one; each gets every frame.
   */
  subscribe(channel, handlers = {}) {
    const sub = { channel, handlers, unsubscribe: () => this.unsubscribe(channel, sub) };
    let subs = this.subscriptions.get(channel);
    const fresh = !subs;
    if (fresh) {
      this.subscriptions.set(channel, (subs = new Set()));
      if (handlers.since) this.positions.at(channel, handlers.since);
      else this.positions.restore(channel, this.stored.get(channel), this.stored.recent(channel));
    }
    subs.add(sub);
    if (fresh && this.transport) this.transport.subscribe(channel, this.positions.of(channel));
    return sub;
  }

  unsubscribe(channel, sub) {
    const subs = this.subscriptions.get(channel);
    if (!subs || !subs.delete(sub) || subs.size > 0) return;
    this.subscriptions.delete(channel);
    this.positions.forget(channel);
    this.stored.forget(channel);
    if (this.transport) this.transport.unsubscribe(channel);
  }

  /** Allows only `transports` (best first; all three when empty) and reopens with the best. */
  setTransports(transports) {
    this.useTransports(transports);
    if (this.closed) return;
    if (this.transport) {
      this.transport.close(); // stopped: it reports no drop
      this.transport = null;
    }
    this.attempt = 0;
    this.setState("connecting");
    this.open();
  }

  useTransports(transports) {
    this.picker = new TransportPicker(transports?.length ? transports : TRANSPORTS, {
      limit: this.fallbackAfter,
      retryBetterMs: this.retryBetterMs,
    });
  }

  /** Drops the connection as a network cut would: it reconnects after the backoff and resumes. */
  reconnect() {
    const transport = this.transport;
    if (!transport || this.closed) return;
    transport.close();
    this.dropped(this.stats.transport, transport, { opened: true });
  }

  /** Publishes; while offline it waits in the outbox. Resolves with the `ok` reply. */
  publish(channel, event, data, { idempotencyKey = newKey(), echo } = {}) {
    const message = { type: "publish", channel, event, data, idempotencyKey };
    if (echo === false) message.echo = false;
    return this.send(message);
  }

  typing(channel, state = "start") {
    return this.send({ type: "typing", channel, state }, { queue: false });
  }

  get presence() {
    return {
      set: (channel, state) => this.send({ type: "presence.update", channel, state }, { queue: false }),
      status: (channel, status) => this.send({ type: "presence.update", channel, status }, { queue: false }),
    };
  }

  /** The member list of a channel, without subscribing. */
  async members(channel) {
    return this.http("GET", `/api/channels/${encodeURIComponent(channel)}/presence`);
  }

  async history(channel, { since, limit } = {}) {
    const q = new URLSearchParams();
    if (since) q.set("since", since);
    if (limit) q.set("limit", String(limit));
    return this.http("GET", `/api/channels/${encodeURIComponent(channel)}/history${q.size ? "?" + q : ""}`);
  }

  async http(method, path, body) {
    const token = await this.getToken();
    const response = await fetch(this.url + path, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(json.message || response.statusText), { status: response.status, code: json.code });
    return json;
  }

  send(message, { queue = true } = {}) {
    return new Promise((resolve, reject) => {
      const item = { message, resolve, reject };
      if (this.transport && this.transport.ready) {
        this.transport.send(message).then(resolve, reject);
      } else if (!queue) {
        reject(Object.assign(new Error("not connected"), { code: "OFFLINE" }));
      } else if (!this.outbox.offer(item)) {
        reject(Object.assign(new Error("outbox full"), { code: "OUTBOX_FULL" }));
      }
    });
  }

  /** Opens the transport the picker chooses, with every channel resumed from its position. */
  async open() {
    this.cancelRetry();
    if (this.closed) return;
    // a later open (setTransports, reconnect) or close while the token comes makes this one moot
    const generation = ++this.generation;
    const kind = this.picker.pick();
    let token;
    try {
      token = await this.getToken();
    } catch (e) {
      if (generation === this.generation) this.fail(e);
      return;
    }
    if (this.closed || generation !== this.generation) return;
    this.token = token;
    const transport = this.factories[kind]({
      url: this.url,
      token,
      // the channels as they are when the transport asks: some may be added while it opens
      channels: () => [...this.subscriptions.keys()],
      positions: this.positions,
      frame: (f) => this.frame(f),
      opened: () => this.opened(kind, transport),
      closed: (why) => this.dropped(kind, transport, why),
    });
    this.transport = transport;
  }

  opened(kind, transport) {
    if (transport !== this.transport) return;
    this.picker.opened(kind);
    this.attempt = 0;
    this.stats.transport = kind;
    this.scheduleRefresh(this.token);
    this.staleAfterMs = this.staleOption ?? (kind === "poll" ? 50000 : 2 * this.pingMs + 5000);
    this.lastFrameAt = this.now();
    this.lastPingAt = this.now();
    this.watch(transport);
    this.setState(kind === "poll" ? "polling" : "connected");
    for (const { message, resolve, reject } of this.outbox.drain()) {
      // in order, each with its idempotency key: a flush that repeats one is answered, not doubled
      transport.send(message).then(resolve, reject);
    }
  }

  /** Checks now and then that frames still come; pings a WebSocket so that its pongs do. */
  watch(transport) {
    if (!this.staleAfterMs) return; // 0: never taken for dead
    const every = Math.max(100, Math.min(this.pingMs, this.staleAfterMs / 3));
    this.timers.setTimeout(() => {
      if (transport !== this.transport || this.closed) return;
      const now = this.now();
      if (now - this.lastFrameAt > this.staleAfterMs) {
        transport.close(); // stopped: it reports no drop of its own
        this.dropped(this.stats.transport, transport, { opened: true, stale: true });
        return;
      }
      if (transport.ping && now - this.lastPingAt >= this.pingMs) {
        this.lastPingAt = now;
        transport.ping();
      }
      this.watch(transport);
    }, every);
  }

  /** Gets a fresh token before this one expires (the connection would end at its `exp`). */
  scheduleRefresh(token) {
    if (this.refreshTimer) this.timers.clearTimeout?.(this.refreshTimer);
    const delay = refreshDelay(expiryOf(token || ""), Date.now());
    if (delay === null) return;
    this.refreshTimer = this.timers.setTimeout(() => this.refresh(), delay);
  }

  /**
   * A fresh token for the open connection: a WebSocket takes it in a `refresh` message and goes
   * on; an SSE stream or a poll session is reopened with it, resuming from where it stands.
   */
  async refresh() {
    const transport = this.transport;
    if (!transport || this.closed) return;
    let token;
    try {
      token = await this.getToken();
    } catch (e) {
      this.emit("error", e);
      return; // the connection ends at its exp (4001) and the reconnect asks again
    }
    if (transport !== this.transport) return;
    if (transport.refresh) {
      try {
        await transport.refresh(token);
        this.token = token;
        this.scheduleRefresh(token);
      } catch (e) {
        this.emit("error", e);
      }
      return;
    }
    transport.close(); // stopped: it reports no drop
    this.transport = null;
    this.open();
  }

  dropped(kind, transport, { code, opened, reason } = {}) {
    if (transport !== this.transport || this.closed) return;
    this.transport = null;
    const policy = code === undefined ? "retry" : closePolicy(code);
    if (policy === "stop") return;
    if (policy === "fail") {
      // 4010: an admin disconnected it; the reason is the admin's
      this.fail(Object.assign(new Error(reason ? `closed with ${code}: ${reason}` : `closed with ${code}`), { code, reason }));
      return;
    }
    if (!opened) this.picker.failed(kind);
    this.stats.reconnects++;
    this.setState(globalThis.navigator && navigator.onLine === false ? "offline" : "reconnecting");
    const attempt = this.attempt++ + (policy === "later" ? 3 : 0);
    this.retryTimer = this.timers.setTimeout(() => this.open(), backoff(attempt, this.backoffOptions));
  }

  cancelRetry() {
    if (this.retryTimer !== undefined) this.timers.clearTimeout?.(this.retryTimer);
    this.retryTimer = undefined;
  }

  fail(error) {
    this.closed = true;
    this.setState("failed");
    this.emit("error", error);
    for (const { reject } of this.outbox.drain()) reject(error);
  }

  /** One frame from any transport, in the WebSocket form. */
  frame(f) {
    this.lastFrameAt = this.now();
    this.stats.lastHeartbeatAt = Date.now(); // any frame shows the connection alive
    const subs = f.channel ? this.subscriptions.get(f.channel) : undefined;
    switch (f.type) {
      case "event":
        this.stats.lastEventAt = Date.now();
        if (subs && this.positions.accept(f.channel, f.id)) {
          this.deliver(subs, "onEvent", f);
          this.stored.set(f.channel, f.id);
        }
        break;
      case "gap":
        this.deliver(subs, "onGap", f);
        break;
      case "presence":
        this.deliver(subs, "onPresence", f);
        break;
      case "typing":
        this.deliver(subs, "onTyping", f);
        break;
      case "connected":
        // an SSE stream says how often it beats: two beats missed and it is dead
        if (this.staleOption === undefined && f.heartbeatMs > 0) this.staleAfterMs = 2 * f.heartbeatMs;
        break;
      case "ok":
        if (subs && f.channel && f.position) {
          this.positions.at(f.channel, f.position);
          this.stored.set(f.channel, this.positions.of(f.channel), { event: false });
          this.deliver(subs, "onPosition", f);
        }
        break;
      case "unsubscribed":
        this.deliver(subs, "onUnsubscribed", f);
        break;
      default:
        break;
    }
  }

  /** Hands a frame to every subscription of its channel; one failing handler stops no other. */
  deliver(subs, handler, f) {
    if (!subs) return;
    for (const sub of [...subs]) {
      try {
        sub.handlers[handler]?.(f);
      } catch (e) {
        console.error(`herald: ${handler} failed`, e);
      }
    }
  }

  close() {
    this.closed = true;
    this.generation++;
    this.cancelRetry();
    if (this.refreshTimer) this.timers.clearTimeout?.(this.refreshTimer);
    if (this.transport) this.transport.close();
    this.transport = null;
    this.setState("offline");
  }
}

/** Which subscription handler takes a frame of each type. */
const HANDLER_OF = Object.freeze({ event: "onEvent", gap: "onGap", presence: "onPresence", typing: "onTyping", unsubscribed: "onUnsubscribed" });

/**
 * A tab's client when the connection lives in a SharedWorker (herald-worker.js) shared by every
 * tab of this user and Herald URL: the same API as HeraldClient. Each tab keeps its own
 * positions (sessionStorage) and drops repeats itself; if the worker cannot start, the tab falls
 * back to a connection of its own and no caller notices.
 */
class SharedClient extends Emitter {
  constructor(options, workerUrl) {
    super();
    this.options = options;
    this.url = (options.url || location.origin).replace(/\/$/, "");
    this.getToken = options.getToken || (async () => undefined);
    const storage = options.storage === undefined ? sessionStorageOrNull() : options.storage;
    this.stored = new StoredPositions(storage, `herald.positions ${this.url}`);
    this.seen = new Positions(); // keyed by subscription: each gets every event once
    this.subs = new Map();
    this.calls = new Map();
    this.ids = 0;
    this.stats = { transport: null, reconnects: 0, lastEventAt: null, lastHeartbeatAt: null, queued: 0, shared: true, tabs: 1 };
    this.start(workerUrl);
    this.presence = {
      set: (channel, state) => this.call("presence.set", [channel, state]),
      status: (channel, status) => this.call("presence.status", [channel, status]),
    };
  }

  async start(workerUrl) {
    let token;
    try {
      token = await this.getToken();
    } catch (e) {
      if (!this.closed) this.fallBack(); // it reports the failure the way a tab of its own would
      return;
    }
    if (this.closed) return;
    // one worker per Herald URL and user: tabs signed in as different users never share
    const name = `herald ${this.url} ${claimsOf(token || "")?.sub ?? ""}`;
    let worker;
    try {
      worker = new SharedWorker(workerUrl, { type: "module", name });
    } catch {
      this.fallBack();
      return;
    }
    worker.onerror = () => {
      if (!this.ready) this.fallBack();
    };
    this.port = worker.port;
    this.port.onmessage = (m) => this.message(m.data);
    this.port.start();
    this.join(token);
    for (const [rid, c] of this.calls) this.post({ op: "call", rid, method: c.method, args: c.args });
    // background tabs run timers about once a minute: the worker waits longer before it gives up
    this.pinger = setInterval(() => this.post({ op: "ping" }), 5000);
    addEventListener("pagehide", () => this.post({ op: "bye" }));
    // back from the back-forward cache (it said bye on the way in): join again
    addEventListener("pageshow", (e) => e.persisted && this.join());
  }

  /**
   * Says hello and (again) follows every channel of this tab, each from where the tab stands: at
   * start, after the back-forward cache, and when the worker had given this tab up for gone.
   */
  join(token) {
    // functions (getToken, test hooks) stay here: the worker asks this tab for tokens instead
    const plain = Object.fromEntries(Object.entries(this.options).filter(([, v]) => typeof v !== "function" && (v === null || typeof v !== "object" || Array.isArray(v))));
    this.post({ op: "hello", options: { ...plain, url: this.url }, token });
    for (const [sid, sub] of this.subs) this.post({ op: "sub", sid, channel: sub.channel, since: this.seen.of(String(sid)) || sub.since });
  }

  post(message) {
    if (this.port && !this.local) this.port.postMessage(message);
  }

  /** No worker: the tab opens its own connection and hands it what was asked so far. */
  fallBack() {
    if (this.local) return;
    clearInterval(this.pinger);
    this.local = new HeraldClient({ ...this.options, shared: false });
    this.local.on("state", (s) => this.setState(s));
    this.local.on("error", (e) => this.emit("error", e));
    for (const sub of this.subs.values()) sub.inner = this.local.subscribe(sub.channel, { ...sub.handlers, since: sub.since });
    for (const c of this.calls.values()) this.invoke(this.local, c.method, c.args).then(c.resolve, c.reject);
    this.calls.clear();
  }

  message(m) {
    switch (m.op) {
      case "ready":
        this.ready = true;
        break;
      case "resync":
        this.join();
        break;
      case "position": {
        // where a subscription without events stands: a reload resumes from there
        const sub = this.subs.get(m.sid);
        if (sub && !this.seen.of(String(m.sid))) this.stored.set(sub.channel, m.position, { event: false });
        break;
      }
      case "state":
        this.stats = { ...m.stats, lastEventAt: this.stats.lastEventAt, shared: true };
        this.setState(m.state);
        break;
      case "frame":
        this.frame(m.sid, m.frame);
        break;
      case "reply": {
        const c = this.calls.get(m.rid);
        this.calls.delete(m.rid);
        if (c) m.ok ? c.resolve(m.value) : c.reject(Object.assign(new Error(m.error.message), m.error));
        break;
      }
      case "token":
        Promise.resolve()
          .then(() => this.getToken())
          .then(
            (token) => this.post({ op: "token", rid: m.rid, token }),
            (e) => this.post({ op: "token", rid: m.rid, error: String(e?.message || e) })
          );
        break;
      case "error":
        this.emit("error", Object.assign(new Error(m.error.message), m.error));
        break;
      default:
        break;
    }
  }

  frame(sid, f) {
    const sub = this.subs.get(sid);
    if (!sub) return;
    const on = HANDLER_OF[f.type];
    if (f.type === "event") {
      if (!this.seen.accept(String(sid), f.id)) return;
      this.stats.lastEventAt = Date.now();
    }
    try {
      sub.handlers[on]?.(f);
    } catch (e) {
      console.error(`herald: ${on} failed`, e);
    }
    if (f.type === "event") this.stored.set(f.channel, f.id);
  }

  subscribe(channel, handlers = {}) {
    const sid = ++this.ids;
    const since = handlers.since || this.stored.get(channel);
    const sub = { channel, handlers, since, unsubscribe: () => this.unsubscribe(sid) };
    this.subs.set(sid, sub);
    if (since) this.seen.restore(String(sid), since, handlers.since ? [] : this.stored.recent(channel));
    if (this.local) sub.inner = this.local.subscribe(channel, { ...handlers, since });
    else this.post({ op: "sub", sid, channel, since });
    return sub;
  }

  unsubscribe(sid) {
    const sub = this.subs.get(sid);
    if (!sub) return;
    this.subs.delete(sid);
    this.seen.forget(String(sid));
    if (![...this.subs.values()].some((s) => s.channel === sub.channel)) this.stored.forget(sub.channel);
    if (sub.inner) sub.inner.unsubscribe();
    else this.post({ op: "unsub", sid });
  }

  call(method, args) {
    if (this.local) return this.invoke(this.local, method, args);
    return new Promise((resolve, reject) => {
      const rid = ++this.ids;
      this.calls.set(rid, { method, args, resolve, reject });
      this.post({ op: "call", rid, method, args });
    });
  }

  invoke(client, method, args) {
    return Promise.resolve().then(() => (method.startsWith("presence.") ? client.presence[method.slice(9)](...args) : client[method](...args)));
  }

  publish(channel, event, data, { idempotencyKey = newKey(), echo } = {}) {
    return this.call("publish", [channel, event, data, { idempotencyKey, echo }]);
  }

  typing(channel, state = "start") {
    return this.call("typing", [channel, state]);
  }

  members(channel) {
    return this.call("members", [channel]);
  }

  history(channel, options) {
    return this.call("history", [channel, options]);
  }

  setTransports(transports) {
    this.call("setTransports", [transports]).catch(() => {});
  }

  reconnect() {
    this.call("reconnect", []).catch(() => {});
  }

  getStats() {
    return this.local ? { ...this.local.getStats(), shared: false } : { ...this.stats, state: this.state };
  }

  close() {
    this.closed = true;
    clearInterval(this.pinger);
    this.post({ op: "bye" });
    if (this.local) this.local.close();
    for (const c of this.calls.values()) c.reject(Object.assign(new Error("closed"), { code: "CLOSED" }));
    this.calls.clear();
    this.setState("offline");
  }
}

/** How long a WebSocket request waits for its answer before it is rejected with TIMEOUT. */
const REQUEST_TIMEOUT_MS = 15000;

/** The browser transports; each calls `frame` with WebSocket-form frames. */
const defaultFactories = {
  websocket: (o) => new WebSocketTransport(o),
  sse: (o) => new HttpTransport(o, "sse"),
  poll: (o) => new HttpTransport(o, "poll"),
};

class WebSocketTransport {
  constructor(o) {
    this.o = o;
    this.ready = false;
    this.pending = new Map();
    this.ids = 0;
    const wsUrl = o.url.replace(/^http/, "ws") + "/ws";
    const protocols = ["herald.v1", ...(o.token ? [`bearer.${o.token}`] : [])];
    this.socket = new WebSocket(wsUrl, protocols);
    let opened = false;
    this.socket.onmessage = (m) => {
      for (const line of String(m.data).split("\n")) {
        if (!line) continue;
        const f = JSON.parse(line);
        if (f.type === "connected") {
          opened = true;
          this.ready = true;
          for (const c of o.channels()) this.subscribe(c, o.positions.of(c));
          o.opened();
        } else if (f.type !== "event" && f.ref && this.pending.has(f.ref)) {
          const { resolve, reject, timer } = this.pending.get(f.ref);
          clearTimeout(timer);
          this.pending.delete(f.ref);
          f.type === "error" ? reject(Object.assign(new Error(f.message), { code: f.code })) : resolve(f); // ok, pong
        }
        o.frame(f);
      }
    };
    this.socket.onclose = (e) => {
      this.ready = false;
      for (const { reject, timer } of this.pending.values()) {
        clearTimeout(timer);
        reject(Object.assign(new Error("connection closed"), { code: "CLOSED" }));
      }
      this.pending.clear();
      o.closed({ code: e.code, opened, reason: e.reason });
    };
  }

  subscribe(channel, since) {
    // before `connected` the socket cannot send: every channel is subscribed once it comes
    if (this.ready) this.request({ type: "subscribe", channel, ...(since ? { since } : {}) }).catch(() => {});
  }

  unsubscribe(channel) {
    if (this.ready) this.request({ type: "unsubscribe", channel }).catch(() => {});
  }

  send(message) {
    return this.request(message);
  }

  refresh(token) {
    return this.request({ type: "refresh", token });
  }

  ping() {
    if (this.ready) this.request({ type: "ping" }).catch(() => {});
  }

  request(message) {
    const id = String(++this.ids);
    return new Promise((resolve, reject) => {
      // a message the server drops unread (over its rate: an error without ref) is never answered
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(Object.assign(new Error("no answer"), { code: "TIMEOUT" }));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.send(JSON.stringify({ ...message, id }));
    });
  }

  close() {
    this.socket.close(1000);
  }
}

/** SSE (EventSource) or long-poll sessions; sends go through the HTTP message route. */
class HttpTransport {
  constructor(o, kind) {
    this.o = o;
    this.kind = kind;
    this.ready = false;
    this.connectionId = null;
    this.stopped = false;
    this.channels = o.channels(); // fixed for this stream or session
    if (kind === "sse") this.openStream();
    else this.pollLoop();
  }

  query(extra = {}) {
    const q = new URLSearchParams();
    for (const c of this.channels) q.append("channel", c);
    if (this.o.token) q.set("access_token", this.o.token);
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) q.set(k, v);
    return q;
  }

  openStream() {
    const since = this.o.positions.oldest(this.channels);
    // format=messages: every frame an unnamed message naming its type, heartbeats included
    const source = new EventSource(`${this.o.url}/api/realtime/stream?${this.query({ lastEventId: since, format: "messages" })}`);
    this.source = source;
    let opened = false;
    source.onmessage = (e) => {
      const f = JSON.parse(e.data);
      if (f.type === "disconnected") {
        // an admin ended it: the stream must not retry by itself, nor the client (4010)
        this.close();
        this.o.closed({ opened, code: 4010, reason: f.reason });
        return;
      }
      if (f.type === "connected") {
        opened = true;
        this.connectionId = f.connectionId;
        this.ready = true;
        this.o.opened();
      }
      this.o.frame(f);
    };
    source.onerror = () => {
      // EventSource would retry by itself, with the same (maybe expired) token: the client decides
      source.close();
      this.ready = false;
      if (!this.stopped) this.o.closed({ opened });
    };
  }

  async pollLoop() {
    let session = "new";
    let opened = false;
    while (!this.stopped) {
      const since = this.o.positions.oldest(this.channels);
      let answer;
      try {
        // the first poll is answered at once: it opens the session and names its connection
        const timeout = opened ? undefined : "0";
        const response = await fetch(`${this.o.url}/api/realtime/poll?${this.query({ session, since, timeout })}`);
        if (!response.ok) throw Object.assign(new Error(`poll answered ${response.status}`), { status: response.status });
        answer = await response.json();
      } catch (e) {
        this.ready = false;
        if (!this.stopped) this.o.closed({ opened, code: e.status === 401 ? 4001 : undefined });
        return;
      }
      session = answer.session;
      this.connectionId = answer.connectionId;
      if (!opened) {
        opened = true;
        this.ready = true;
        this.o.opened();
      }
      this.o.frame({ type: "heartbeat" }); // an answer, even empty, shows the session alive
      for (const f of answer.events) {
        if (f.type === "disconnected") {
          this.close();
          this.o.closed({ opened, code: 4010, reason: f.reason });
          return;
        }
        this.o.frame(f);
      }
    }
  }

  subscribe() {
    // an SSE stream and a poll session have fixed channels: reopen with the new set
    this.close();
    this.o.closed({ opened: true, code: 1012 });
  }

  unsubscribe() {
    this.subscribe();
  }

  async send(message) {
    const response = await fetch(`${this.o.url}/api/realtime/connections/${this.connectionId}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(this.o.token ? { Authorization: `Bearer ${this.o.token}` } : {}) },
      body: JSON.stringify(message),
    });
    const json = await response.json();
    if (!response.ok) throw Object.assign(new Error(json.message), { code: json.code, status: response.status });
    return json;
  }

  close() {
    this.stopped = true;
    this.ready = false;
    if (this.source) this.source.close();
  }
}

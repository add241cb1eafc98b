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
  if (code === 1008 || code === 1009 || code === 4030) return "fail";
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
  }

  /** Whether the event is new for its channel; records it if so. */
  accept(channel, id) {
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
  }

  toJSON() {
    return Object.fromEntries(this.last);
  }
}

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

/** When a JWT expires (ms since the epoch), read from its payload without verifying it; or null. */
export function expiryOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const exp = JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), "="))).exp;
    return typeof exp === "number" ? exp * 1000 : null;
  } catch {
    return null;
  }
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

function newKey() {
  return globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** Connects to Herald; returns the client. Options: docs/client.md. */
export function connect(options = {}) {
  return new HeraldClient(options);
}

export class HeraldClient {
  constructor(options) {
    this.url = (options.url || (globalThis.location ? location.origin : "")).replace(/\/$/, "");
    this.getToken = options.getToken || (async () => undefined);
    this.backoffOptions = { min: options.minDelayMs ?? 500, max: options.maxDelayMs ?? 30000, random: options.random };
    this.picker = new TransportPicker(options.transports || TRANSPORTS, {
      limit: options.failuresBeforeFallback ?? 3,
      retryBetterMs: options.retryBetterMs ?? 60000,
    });
    this.factories = options.transportFactories || defaultFactories;
    this.positions = new Positions();
    this.outbox = new Outbox(options.outboxSize ?? 100);
    this.subscriptions = new Map();
    this.listeners = new Map();
    this.state = "connecting";
    this.stats = { transport: null, reconnects: 0, lastEventAt: null, lastHeartbeatAt: null };
    this.attempt = 0;
    this.closed = false;
    this.timers = options.timers || globalThis;
    this.now = options.now || Date.now;
    // a connection silent this long is dead, whatever the socket says (a half-open TCP connection
    // behind a proxy never errors); SSE heartbeats, poll answers and WebSocket pongs keep it alive
    this.staleAfterMs = options.staleAfterMs ?? 45000;
    this.pingMs = options.pingMs ?? 20000;
    this.open();
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

  getStats() {
    return { ...this.stats, state: this.state, queued: this.outbox.size };
  }

  /** Subscribes; `since` resumes from a position kept elsewhere (sessionStorage, a server render). */
  subscribe(channel, handlers = {}) {
    const sub = { channel, handlers, unsubscribe: () => this.unsubscribe(channel, sub) };
    if (handlers.since) this.positions.at(channel, handlers.since);
    const fresh = !this.subscriptions.has(channel);
    this.subscriptions.set(channel, sub);
    if (fresh && this.transport) this.transport.subscribe(channel, this.positions.of(channel));
    return sub;
  }

  unsubscribe(channel, sub) {
    if (this.subscriptions.get(channel) !== sub) return;
    this.subscriptions.delete(channel);
    this.positions.forget(channel);
    if (this.transport) this.transport.unsubscribe(channel);
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
    if (this.closed) return;
    const kind = this.picker.pick();
    let token;
    try {
      token = await this.getToken();
    } catch (e) {
      this.fail(e);
      return;
    }
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

  dropped(kind, transport, { code, opened } = {}) {
    if (transport !== this.transport || this.closed) return;
    this.transport = null;
    const policy = code === undefined ? "retry" : closePolicy(code);
    if (policy === "stop") return;
    if (policy === "fail") {
      this.fail(Object.assign(new Error(`closed with ${code}`), { code }));
      return;
    }
    if (!opened) this.picker.failed(kind);
    this.stats.reconnects++;
    this.setState(globalThis.navigator && navigator.onLine === false ? "offline" : "reconnecting");
    const attempt = this.attempt++ + (policy === "later" ? 3 : 0);
    this.timers.setTimeout(() => this.open(), backoff(attempt, this.backoffOptions));
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
    const sub = f.channel ? this.subscriptions.get(f.channel) : undefined;
    switch (f.type) {
      case "event":
        this.stats.lastEventAt = Date.now();
        if (sub && this.positions.accept(f.channel, f.id)) sub.handlers.onEvent?.(f);
        break;
      case "gap":
        sub?.handlers.onGap?.(f);
        break;
      case "presence":
        sub?.handlers.onPresence?.(f);
        break;
      case "typing":
        sub?.handlers.onTyping?.(f);
        break;
      case "ok":
        if (f.channel && f.position) this.positions.at(f.channel, f.position);
        break;
      case "unsubscribed":
        sub?.handlers.onUnsubscribed?.(f);
        break;
      default:
        break;
    }
  }

  close() {
    this.closed = true;
    if (this.refreshTimer) this.timers.clearTimeout?.(this.refreshTimer);
    if (this.transport) this.transport.close();
    this.transport = null;
    this.setState("offline");
  }
}

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
        } else if ((f.type === "ok" || f.type === "error") && f.ref && this.pending.has(f.ref)) {
          const { resolve, reject } = this.pending.get(f.ref);
          this.pending.delete(f.ref);
          f.type === "ok" ? resolve(f) : reject(Object.assign(new Error(f.message), { code: f.code }));
        }
        o.frame(f);
      }
    };
    this.socket.onclose = (e) => {
      this.ready = false;
      for (const { reject } of this.pending.values()) reject(Object.assign(new Error("connection closed"), { code: "CLOSED" }));
      this.pending.clear();
      o.closed({ code: e.code, opened });
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
      this.pending.set(id, { resolve, reject });
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
      for (const f of answer.events) this.o.frame(f);
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

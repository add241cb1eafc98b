// herald-worker.js: the SharedWorker that keeps one Herald connection for every tab of one user
// (connect({shared: true}) in herald.js starts it; docs/client.md, "Tabs share one connection").
//
// Each tab talks to it over its MessagePort: it subscribes and unsubscribes, calls publish and
// the rest, and answers when the worker needs a fresh token (tokens come from the page's own
// getToken, which cannot cross into a worker). Frames go to the tabs that follow their channel.

import { HeraldClient } from "./herald.js";

/** The calls tabs may make of the shared connection. */
const CALLS = {
  publish: (c, ...a) => c.publish(...a),
  typing: (c, ...a) => c.typing(...a),
  "presence.set": (c, ...a) => c.presence.set(...a),
  "presence.status": (c, ...a) => c.presence.status(...a),
  members: (c, ...a) => c.members(...a),
  history: (c, ...a) => c.history(...a),
  setTransports: (c, ...a) => c.setTransports(...a),
  reconnect: (c) => c.reconnect(),
};
const TOKEN_WAIT_MS = 10000;
// background tabs fire their 5 s ping about once a minute: a tab is gone after this long unheard
const SILENT_TAB_MS = 150000;
// a reload is back within this: the connection waits for it rather than closing
const LAST_TAB_GRACE_MS = 5000;

const tabs = new Set();
let client = null;
let firstToken;
let closing = null;
let lastStats = "";
let waitingForTab = []; // getToken calls made while no tab was there: the next hello answers them

// a tab counts once it says hello (its first message)
globalThis.onconnect = (e) => new Tab(e.ports[0]);

class Tab {
  constructor(port) {
    this.port = port;
    this.subs = new Map();
    this.tokens = new Map();
    this.ids = 0;
    this.heardAt = Date.now();
    port.onmessage = (m) => this.message(m.data);
    port.start();
  }

  post(message) {
    this.port.postMessage(message);
  }

  message(m) {
    this.heardAt = Date.now();
    if (!tabs.has(this) && m.op !== "hello" && m.op !== "bye") {
      // given up for gone (frozen in the background, or back from the back-forward cache): its
      // subscriptions ended; it says hello and subscribes again from where it stands
      this.post({ op: "resync" });
      return;
    }
    switch (m.op) {
      case "hello":
        hello(this, m);
        break;
      case "sub":
        if (client) this.subscribe(m);
        break;
      case "unsub":
        this.subs.get(m.sid)?.unsubscribe();
        this.subs.delete(m.sid);
        break;
      case "call":
        this.call(m);
        break;
      case "token":
        this.tokens.get(m.rid)?.(m);
        break;
      case "bye":
        leave(this);
        break;
      default:
        break;
    }
  }

  /**
   * Follows a channel for this tab. A channel the connection follows already, from later than
   * where this tab stands (another tab opened it; this one reloaded), is first read from the
   * history, live frames held meanwhile; the tab drops what comes twice where the two meet.
   */
  subscribe({ sid, channel, since }) {
    this.subs.get(sid)?.unsubscribe(); // a tab joining again
    const send = (frame) => this.post({ op: "frame", sid, frame });
    const followed = client.subscriptions.has(channel);
    let onEvent = send;
    let onPresence = send;
    const heldEvents = [];
    const heldPresence = [];
    if (followed && since) onEvent = (f) => heldEvents.push(f);
    if (followed) onPresence = (f) => heldPresence.push(f);
    const handlers = {
      onEvent: (f) => onEvent(f),
      onPresence: (f) => onPresence(f),
      onGap: send,
      onTyping: send,
      onUnsubscribed: send,
      onPosition: (f) => this.post({ op: "position", sid, position: f.position }),
    };
    this.subs.set(sid, client.subscribe(channel, followed ? handlers : { ...handlers, since }));
    if (!followed) return;
    const position = client.positions.of(channel);
    if (!since && position) this.post({ op: "position", sid, position });
    // the server sent this channel's member list once, to the tab that opened it: ask again, and
    // hold the changes meanwhile, so that an older list never undoes a newer leave
    client
      .members(channel)
      .then((m) => send({ type: "presence", action: "snapshot", ...m }), () => {})
      .finally(() => {
        for (const f of heldPresence) send(f);
        onPresence = send;
      });
    if (!since) return;
    catchUp(channel, since, send).finally(() => {
      for (const f of heldEvents) send(f);
      onEvent = send;
    });
  }

  async call({ rid, method, args }) {
    try {
      if (!client || !CALLS[method]) throw Object.assign(new Error(`no call ${method}`), { code: "INVALID_REQUEST" });
      this.post({ op: "reply", rid, ok: true, value: await CALLS[method](client, ...args) });
    } catch (e) {
      this.post({ op: "reply", rid, ok: false, error: { message: e.message, code: e.code, status: e.status } });
    }
  }

  token() {
    return new Promise((resolve, reject) => {
      const rid = ++this.ids;
      const timer = setTimeout(() => {
        this.tokens.delete(rid);
        reject(new Error("the tab did not answer"));
      }, TOKEN_WAIT_MS);
      this.tokens.set(rid, (m) => {
        clearTimeout(timer);
        this.tokens.delete(rid);
        m.error ? reject(new Error(m.error)) : resolve(m.token);
      });
      this.post({ op: "token", rid });
    });
  }
}

function hello(tab, m) {
  clearTimeout(closing);
  tabs.add(tab);
  if (!client || client.closed) {
    // the first tab, or the first since the connection failed for good: a new one
    firstToken = m.token;
    client = new HeraldClient({ ...m.options, storage: null, getToken });
    client.on("state", () => broadcast(true));
    client.on("error", (e) => everyone({ op: "error", error: { message: e.message, code: e.code } }));
  }
  const waiting = waitingForTab;
  waitingForTab = [];
  for (const resolve of waiting) resolve(m.token !== undefined ? m.token : tab.token());
  tab.post({ op: "ready" });
  broadcast(true);
}

/**
 * A token from the tab heard from last (the likeliest alive), or the next one; with no tab at
 * all (the only one is reloading), from the next that says hello.
 */
async function getToken() {
  if (firstToken !== undefined) {
    const token = firstToken;
    firstToken = undefined;
    return token;
  }
  for (const tab of [...tabs].sort((a, b) => b.heardAt - a.heardAt)) {
    try {
      return await tab.token();
    } catch {
      // that tab is gone or its getToken failed: ask the next
    }
  }
  if (tabs.size > 0) throw new Error("no tab gave a token");
  return new Promise((resolve) => waitingForTab.push(resolve));
}

/** Events of `channel` after `since`, page by page; a gap frame if the history no longer has them. */
async function catchUp(channel, since, send) {
  let position = since;
  for (;;) {
    let page;
    try {
      page = await client.history(channel, { since: position, limit: 1000 });
    } catch {
      send({ type: "gap", channel, since: position });
      return;
    }
    if (page.recovered === false) send({ type: "gap", channel, since: position });
    for (const e of page.events) send({ type: "event", ...e });
    if (!page.more || page.events.length === 0) return;
    position = page.position;
  }
}

function leave(tab) {
  if (!tabs.delete(tab)) return;
  for (const sub of tab.subs.values()) sub.unsubscribe();
  if (tabs.size === 0 && client) {
    closing = setTimeout(() => {
      client.close();
      client = null;
      const waiting = waitingForTab;
      waitingForTab = [];
      for (const resolve of waiting) resolve(undefined); // that client is closed: it opens nothing
    }, LAST_TAB_GRACE_MS);
  }
  broadcast(true);
}

function everyone(message) {
  for (const tab of tabs) tab.post(message);
}

/** The state and figures, to every tab: at once on a change of state, else when they moved. */
function broadcast(force) {
  if (!client) return;
  const stats = { ...client.getStats(), tabs: tabs.size };
  const text = JSON.stringify(stats);
  if (!force && text === lastStats) return;
  lastStats = text;
  everyone({ op: "state", state: client.state, stats });
}

setInterval(() => {
  const now = Date.now();
  for (const tab of tabs) if (now - tab.heardAt > SILENT_TAB_MS) leave(tab);
  broadcast(false);
}, 1000);

// Unit tests of herald.js without a browser: backoff, close codes, positions and dedup, the
// transport picker, the outbox, and the client's state machine over fake transports.
// Run: node --test src/test/js/ (the Maven build runs them in the test phase).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  backoff,
  closePolicy,
  compareIds,
  connect,
  expiryOf,
  Outbox,
  Positions,
  refreshDelay,
  StoredPositions,
  TransportPicker,
} from "../../main/webapp/herald.js";

test("backoff is full jitter under a cap that doubles from 0.5 s to 30 s", () => {
  assert.equal(backoff(0, { random: () => 0.999999 }), 499);
  assert.equal(backoff(3, { random: () => 0.999999 }), 3999);
  assert.equal(backoff(20, { random: () => 0.999999 }), 29999, "never above the maximum");
  assert.equal(backoff(5, { random: () => 0 }), 0, "full jitter reaches down to zero");
  const waits = Array.from({ length: 200 }, () => backoff(4));
  assert.ok(waits.every((w) => w >= 0 && w < 8000));
  assert.ok(new Set(waits).size > 50, "spread out, so that clients do not come back together");
});

test("close codes: no retry after 1008, only with a fresh token after 4001, back off after 4029", () => {
  assert.equal(closePolicy(1000), "stop");
  assert.equal(closePolicy(1008), "fail");
  assert.equal(closePolicy(4030), "fail");
  assert.equal(closePolicy(4010), "fail"); // disconnected by an admin
  assert.equal(closePolicy(4001), "token");
  assert.equal(closePolicy(4029), "later");
  assert.equal(closePolicy(1012), "retry");
  assert.equal(closePolicy(1006), "retry");
});

test("positions: repeated ids are dropped, one stream resumes from the oldest channel", () => {
  const p = new Positions(3);
  assert.ok(p.accept("jobs.1", "100-0-a"));
  assert.ok(!p.accept("jobs.1", "100-0-a"), "the same event twice is dropped");
  assert.ok(p.accept("jobs.2", "100-0-a"), "per channel");
  p.accept("jobs.1", "105-2-a");
  p.at("docs.1", "90-0-b");
  p.at("jobs.1", "1-0-x"); // a channel with an event keeps it
  assert.equal(p.of("jobs.1"), "105-2-a");
  assert.equal(p.oldest(["jobs.1", "jobs.2", "docs.1"]), "90-0-b");
  assert.equal(p.oldest(["jobs.1", "new.1"]), "105-2-a", "channels without a position do not count");
  p.forget("jobs.1");
  assert.equal(p.of("jobs.1"), undefined);
  assert.ok(compareIds("100-2-a", "100-10-a") < 0, "sequence numbers compare as numbers");
  assert.ok(compareIds("99-50-z", "100-0-a") < 0);
});

test("the picker leaves a transport after three failures in a row and tries the better one later", () => {
  let now = 0;
  const picker = new TransportPicker(undefined, { limit: 3, retryBetterMs: 60000, now: () => now });
  assert.equal(picker.pick(), "websocket");
  picker.failed("websocket");
  picker.failed("websocket");
  assert.equal(picker.pick(), "websocket");
  picker.failed("websocket");
  assert.equal(picker.pick(), "sse");
  for (let i = 0; i < 3; i++) picker.failed("sse");
  assert.equal(picker.pick(), "poll");
  now = 60000;
  assert.equal(picker.pick(), "websocket", "a minute later the best is tried again");
  assert.equal(new TransportPicker(["poll"]).pick(), "poll", "a forced transport");
});

test("the outbox is bounded", () => {
  const box = new Outbox(2);
  assert.ok(box.offer(1) && box.offer(2));
  assert.ok(!box.offer(3));
  assert.deepEqual(box.drain(), [1, 2]);
  assert.equal(box.size, 0);
});

/** A client over fake transports and a fake clock. */
function harness(options = {}) {
  const made = [];
  const timers = [];
  const factory = (kind) => (o) => {
    const t = { kind, o, ready: false, sent: [], subscribed: [], closed: false };
    t.send = (m) => {
      t.sent.push(m);
      return Promise.resolve({ type: "ok", ref: "1" });
    };
    t.subscribe = (c, since) => t.subscribed.push([c, since]);
    t.unsubscribe = () => {};
    t.close = () => (t.closed = true);
    t.open = () => {
      t.ready = true;
      o.opened();
    };
    made.push(t);
    return t;
  };
  let tokens = 0;
  const client = connect({
    url: "http://herald.test",
    getToken: async () => `token-${++tokens}`,
    transportFactories: { websocket: factory("websocket"), sse: factory("sse"), poll: factory("poll") },
    timers: { setTimeout: (fn, ms) => timers.push({ fn, ms }) },
    random: () => 0.5,
    staleAfterMs: 0, // the watchdog has a test of its own

    ...options,
  });
  const states = [];
  client.on("state", (s) => states.push(s));
  const tick = () => new Promise((r) => setImmediate(r));
  const fire = async () => {
    const t = timers.shift();
    t.fn();
    await tick();
  };
  return { client, made, timers, states, tick, fire, tokens: () => tokens };
}

test("connects, resumes every channel from its last event after a drop, and drops repeats", async () => {
  const h = harness();
  await h.tick();
  const got = [];
  h.client.subscribe("jobs.42", { onEvent: (e) => got.push(e.id) });
  h.made[0].open();
  assert.deepEqual(h.states, ["connected"]);
  h.made[0].o.frame({ type: "event", channel: "jobs.42", id: "100-0-a" });
  h.made[0].o.frame({ type: "event", channel: "jobs.42", id: "101-0-a" });

  h.made[0].o.closed({ code: 1006, opened: true });
  assert.deepEqual(h.states, ["connected", "reconnecting"]);
  assert.equal(h.timers[0].ms, 250, "backoff: half of the first 0.5 s cap with random 0.5");
  await h.fire();
  assert.equal(h.made.length, 2);
  assert.equal(h.made[1].o.positions.of("jobs.42"), "101-0-a", "the new transport resumes from the last event");
  assert.deepEqual(h.made[1].o.channels(), ["jobs.42"]);
  h.made[1].open();
  h.made[1].o.frame({ type: "event", channel: "jobs.42", id: "101-0-a" }); // replayed twice by the server
  h.made[1].o.frame({ type: "event", channel: "jobs.42", id: "102-0-a" });
  assert.deepEqual(got, ["100-0-a", "101-0-a", "102-0-a"], "nothing lost, nothing twice");
  assert.equal(h.client.getStats().reconnects, 1);
  assert.equal(h.client.getStats().transport, "websocket");
});

test("falls back to SSE after three failed opens, then to long-polling", async () => {
  const h = harness();
  await h.tick();
  for (let i = 0; i < 3; i++) {
    h.made[h.made.length - 1].o.closed({ code: 1006, opened: false });
    await h.fire();
  }
  assert.equal(h.made[3].kind, "sse");
  for (let i = 0; i < 3; i++) {
    h.made[h.made.length - 1].o.closed({ opened: false });
    await h.fire();
  }
  const poll = h.made[h.made.length - 1];
  assert.equal(poll.kind, "poll");
  poll.open();
  assert.equal(h.client.state, "polling");
});

test("messages sent while offline wait in order with their idempotency keys and go out once connected", async () => {
  const h = harness();
  await h.tick();
  const first = h.client.publish("chat.1", "chat.message", { text: "a" });
  const second = h.client.publish("chat.1", "chat.message", { text: "b" }, { idempotencyKey: "k2" });
  assert.equal(h.client.getStats().queued, 2);
  await assert.rejects(h.client.typing("chat.1"), /not connected/, "typing is not worth queueing");
  h.made[0].open();
  await Promise.all([first, second]);
  assert.deepEqual(h.made[0].sent.map((m) => m.data.text), ["a", "b"]);
  assert.ok(h.made[0].sent[0].idempotencyKey, "each with a key, so that a repeated flush is not doubled");
  assert.equal(h.made[0].sent[1].idempotencyKey, "k2");
});

test("1008 fails for good; 4001 gets a fresh token; 4029 backs off harder", async () => {
  const h = harness();
  await h.tick();
  h.made[0].open();
  h.made[0].o.closed({ code: 4001, opened: true });
  await h.fire();
  assert.equal(h.made[1].o.token, "token-2", "a fresh token for the next connection");
  h.made[1].open();
  h.made[1].o.closed({ code: 4029, opened: true });
  assert.ok(h.timers[0].ms >= 1000, `after 4029 the wait starts higher: ${h.timers[0].ms} ms`);
  await h.fire();
  h.made[2].open();
  const errors = [];
  h.client.on("error", (e) => errors.push(e.code));
  h.made[2].o.closed({ code: 1008, opened: true });
  assert.equal(h.client.state, "failed");
  assert.deepEqual(errors, [1008]);
  assert.equal(h.timers.length, 0, "no retry");
});

/** An unsigned JWT-shaped token expiring at `exp` (seconds): the client reads exp, never verifies. */
function jwt(exp) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS256" })}.${part({ sub: "alice", exp })}.signature`;
}

test("a token is refreshed 30 s before it expires, or halfway through a shorter life", () => {
  assert.equal(expiryOf(jwt(1_800_000_000)), 1_800_000_000_000);
  assert.equal(expiryOf("not a jwt"), null);
  assert.equal(refreshDelay(null, 0), null, "no exp, nothing to refresh");
  assert.equal(refreshDelay(600_000, 0), 570_000);
  assert.equal(refreshDelay(10_000, 0), 5_000);
  assert.equal(refreshDelay(500, 0), 1_000, "never sooner than a second");
});

test("a WebSocket takes a fresh token in a refresh message; SSE is reopened with it", async () => {
  const exp = Math.floor(Date.now() / 1000) + 60;
  let n = 0;
  const h = harness({ getToken: async () => jwt(exp + 60 * n++) });
  await h.tick();
  h.made[0].refreshed = [];
  h.made[0].refresh = async (token) => h.made[0].refreshed.push(token);
  h.made[0].open();
  const refresh = h.timers.find((t) => t.ms > 20_000);
  assert.ok(refresh && refresh.ms <= 30_000, `refreshed 30 s before exp: in ${refresh && refresh.ms} ms`);
  h.timers.splice(h.timers.indexOf(refresh), 1);
  refresh.fn();
  await h.tick();
  assert.equal(h.made[0].refreshed.length, 1, "over the open socket");
  assert.equal(h.made.length, 1, "no reconnect");
  assert.equal(expiryOf(h.made[0].refreshed[0]), (exp + 60) * 1000);

  const sse = harness({ transports: ["sse"], getToken: async () => jwt(exp) });
  await sse.tick();
  sse.made[0].open();
  const again = sse.timers.find((t) => t.ms > 20_000);
  again.fn();
  await sse.tick();
  await sse.tick();
  assert.ok(sse.made[0].closed, "the old stream is closed");
  assert.equal(sse.made.length, 2, "and a new one opened with the fresh token");
  assert.equal(sse.client.getStats().reconnects, 0, "a refresh is not a reconnect");
});

test("a connection silent past staleAfterMs is taken for dead; a WebSocket is pinged so that it is not", async () => {
  let now = 0;
  const h = harness({ staleAfterMs: 45_000, pingMs: 20_000, now: () => now });
  await h.tick();
  const ws = h.made[0];
  ws.pings = 0;
  ws.ping = () => ws.pings++;
  ws.open();
  const watchdog = () => h.timers.splice(h.timers.findIndex((t) => t.ms === 15_000), 1)[0].fn();
  now = 15_000;
  watchdog();
  now = 30_000;
  watchdog();
  assert.equal(ws.pings, 1, "pinged after 20 s without one");
  ws.o.frame({ type: "pong" });
  now = 60_000;
  watchdog();
  assert.equal(h.made.length, 1, "the pong kept it alive");
  now = 80_000;
  watchdog();
  assert.ok(ws.closed, "50 s without a frame: dead");
  assert.equal(h.client.state, "reconnecting");
  assert.equal(h.client.getStats().reconnects, 1);
});

/** sessionStorage as a page has it: strings by key. */
function memoryStorage() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, String(v)), items };
}

test("a reloaded page resumes every channel from sessionStorage, and drops what it had before", async () => {
  const storage = memoryStorage();
  const before = harness({ storage });
  await before.tick();
  before.client.subscribe("jobs.1", { onEvent: () => {} });
  before.client.subscribe("docs.1", { onEvent: () => {} });
  before.made[0].open();
  before.made[0].o.frame({ type: "event", channel: "jobs.1", id: "100-0-a" });
  before.made[0].o.frame({ type: "event", channel: "docs.1", id: "90-0-a" });
  before.made[0].o.frame({ type: "event", channel: "jobs.1", id: "101-0-a" });
  await before.tick(); // written once per task
  assert.deepEqual(JSON.parse(storage.items.get("herald.positions http://herald.test")), {
    "jobs.1": ["101-0-a", "100-0-a", "101-0-a"], // the position, then the last ids seen
    "docs.1": ["90-0-a", "90-0-a"],
  });

  const after = harness({ storage }); // the same tab, reloaded
  await after.tick();
  const got = [];
  after.client.subscribe("jobs.1", { onEvent: (e) => got.push(e.id) });
  after.client.subscribe("docs.1", { onEvent: (e) => got.push(e.id) });
  assert.equal(after.made[0].o.positions.of("jobs.1"), "101-0-a");
  assert.equal(after.made[0].o.positions.oldest(["jobs.1", "docs.1"]), "90-0-a", "one SSE stream resumes from the oldest");
  after.made[0].open();
  // an SSE stream resumed from 90 sends jobs.1's 100 and 101 again: the page saw them before the reload
  for (const id of ["100-0-a", "101-0-a", "102-0-a"]) after.made[0].o.frame({ type: "event", channel: "jobs.1", id });
  after.made[0].o.frame({ type: "event", channel: "docs.1", id: "95-0-a" });
  // from another instance whose clock is a little behind: a smaller id, never seen, so new
  after.made[0].o.frame({ type: "event", channel: "jobs.1", id: "99-0-b" });
  assert.deepEqual(got, ["102-0-a", "95-0-a", "99-0-b"], "nothing from before the reload twice, nothing after it lost");

  const fresh = harness({ storage: null });
  await fresh.tick();
  fresh.client.subscribe("jobs.1", {});
  assert.equal(fresh.made[0].o.positions.of("jobs.1"), undefined, "storage: null keeps nothing");
});

test("several subscriptions of one channel each get every event; the last unsubscribe ends the server's", async () => {
  const storage = memoryStorage();
  const h = harness({ storage });
  await h.tick();
  const a = [];
  const b = [];
  const subA = h.client.subscribe("chat.1", { onEvent: (e) => a.push(e.id) });
  const subB = h.client.subscribe("chat.1", {
    onEvent: (e) => {
      b.push(e.id);
      throw new Error("one failing handler stops no other");
    },
  });
  h.made[0].open();
  h.made[0].o.frame({ type: "event", channel: "chat.1", id: "1-0-a" });
  assert.deepEqual([a, b], [["1-0-a"], ["1-0-a"]]);
  const unsubscribed = [];
  h.made[0].unsubscribe = (c) => unsubscribed.push(c);
  subA.unsubscribe();
  assert.deepEqual(unsubscribed, [], "another subscription still follows it");
  h.made[0].o.frame({ type: "event", channel: "chat.1", id: "2-0-a" });
  assert.deepEqual([a, b], [["1-0-a"], ["1-0-a", "2-0-a"]]);
  subB.unsubscribe();
  assert.deepEqual(unsubscribed, ["chat.1"]);
  await h.tick();
  assert.deepEqual(JSON.parse(storage.items.get("herald.positions http://herald.test")), {}, "nor is it resumed after a reload");
});

test("setTransports forces a transport at once; reconnect drops the connection and resumes", async () => {
  const h = harness();
  await h.tick();
  h.client.subscribe("jobs.1", {});
  h.made[0].open();
  h.made[0].o.frame({ type: "event", channel: "jobs.1", id: "5-0-a" });
  h.client.setTransports(["poll"]);
  await h.tick();
  assert.ok(h.made[0].closed);
  assert.equal(h.made[1].kind, "poll");
  assert.equal(h.made[1].o.positions.of("jobs.1"), "5-0-a");
  h.made[1].open();
  assert.equal(h.client.state, "polling");
  h.client.reconnect();
  assert.ok(h.made[1].closed);
  assert.equal(h.client.state, "reconnecting");
  assert.equal(h.client.getStats().reconnects, 1);
  await h.fire();
  assert.equal(h.made[2].kind, "poll", "still forced");
  h.client.setTransports(undefined);
  await h.tick();
  assert.equal(h.made[3].kind, "websocket", "all three again, best first");
});

test("the minified copy is the same module", async () => {
  const full = await import("../../main/webapp/herald.js");
  // made by the build (process-resources) before the tests run
  const min = await import("../../../target/generated-webapp/herald.min.js");
  assert.deepEqual(Object.keys(min).sort(), Object.keys(full).sort());
  assert.equal(min.backoff(3, { random: () => 0.999999 }), 3999);
  assert.equal(min.closePolicy(4001), "token");
});

test("unless told otherwise, a connection is dead after two of its transport's heartbeat intervals", async () => {
  let now = 0;
  const h = harness({ staleAfterMs: undefined, pingMs: 20_000, now: () => now });
  await h.tick();
  h.made[0].open();
  assert.equal(h.client.staleAfterMs, 45_000, "a WebSocket: two pings and 5 s for the pong");
  h.client.setTransports(["sse"]);
  await h.tick();
  const sse = h.made[1];
  sse.open();
  sse.o.frame({ type: "connected", connectionId: "c1", heartbeatMs: 60_000 }); // an operator's slower beat
  assert.equal(h.client.staleAfterMs, 120_000, "an SSE stream: two of the intervals it names");
  const watchdog = () => h.timers.splice(h.timers.findIndex((t) => t.ms === 20_000), 1)[0].fn();
  now = 100_000;
  watchdog();
  assert.ok(!sse.closed, "a beat every 60 s is not taken for dead at 45 s");
  now = 121_000;
  watchdog();
  assert.ok(sse.closed, "two beats missed: dead");
});

test("after a reload, ids well before the kept position are repeats even when they were not among the last kept", () => {
  const p = new Positions();
  p.restore("jobs.1", "1700000100000-0-a", ["1700000099000-0-a", "1700000100000-0-a"]);
  assert.ok(!p.accept("jobs.1", "1700000100000-0-a"), "kept");
  assert.ok(!p.accept("jobs.1", "1700000080000-3-a"), "20 s before the position: seen before the reload");
  assert.ok(p.accept("jobs.1", "1700000095000-0-b"), "5 s before it and never seen: another instance's, new");
  assert.ok(p.accept("jobs.1", "1700000100001-0-a"));
  const m = new Positions();
  m.restore("jobs.2", "1700000100000-0-~a");
  assert.ok(m.accept("jobs.2", "1700000050000-0-a"), "a subscription's start is no event: nothing before it was seen");
  const stored = new StoredPositions({ getItem: () => null, setItem: () => {} }, "k", 2, 3);
  for (const id of ["1-0-a", "2-0-a", "3-0-a", "4-0-a"]) stored.set("c", id);
  assert.deepEqual(stored.recent("c"), ["2-0-a", "3-0-a", "4-0-a"], "the last few ids, bounded");
  stored.set("c", "5-0-~a", { event: false });
  assert.equal(stored.get("c"), "5-0-~a");
  assert.deepEqual(stored.recent("c"), ["2-0-a", "3-0-a", "4-0-a"], "a moment is no event");
  stored.set("d", "1-0-a");
  stored.set("e", "1-0-a");
  assert.equal(stored.get("c"), undefined, "at most 2 channels: the oldest written goes");
});

// Types of herald.js, Herald's browser client (docs/client.md).

export type State = "connecting" | "connected" | "reconnecting" | "polling" | "offline" | "failed";
export type TransportKind = "websocket" | "sse" | "poll";

export const STATES: readonly State[];
export const TRANSPORTS: readonly TransportKind[];

export interface ConnectOptions {
  /** Herald's base URL; the page's origin by default. */
  url?: string;
  /** A fresh access token (JWT) each time it is called: on every (re)connect and after 4001. */
  getToken?: () => string | undefined | Promise<string | undefined>;
  /** The transports allowed, best first; default all three. Force one with e.g. ["sse"]. */
  transports?: TransportKind[];
  /** Failed opens or cuts in a row before the next transport is tried; default 3. */
  failuresBeforeFallback?: number;
  /** After this long on a worse transport the better one is tried again; default 60000. */
  retryBetterMs?: number;
  /** Backoff: full jitter under a cap doubling from minDelayMs to maxDelayMs; default 500 / 30000. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Messages kept while offline; default 100. */
  outboxSize?: number;
  /**
   * No frame for this long means the connection is dead: reconnect. Default: two of the
   * transport's heartbeat intervals (SSE: twice the heartbeatMs the stream names; WebSocket
   * 45000; long-polling 50000). 0: never.
   */
  staleAfterMs?: number;
  /** A WebSocket pings this often, so that its pongs show it alive. Default 20000. */
  pingMs?: number;
  /**
   * Share one connection among every tab of this user (same Herald URL, same token `sub`)
   * through a SharedWorker; where there is none (or herald.js came from another origin), each
   * tab connects on its own. Default false.
   */
  shared?: boolean;
  /** The SharedWorker script, same origin as the page; default herald-worker.js beside herald.js. */
  workerUrl?: string | URL;
  /**
   * Where positions are kept so that a reloaded page resumes where it stood; default the tab's
   * sessionStorage, null to keep none.
   */
  storage?: Pick<Storage, "getItem" | "setItem"> | null;
}

/** An event as Herald delivers it (docs/protocol.md, "The event envelope"). */
export interface HeraldEvent<T = unknown> {
  type: "event";
  id: string;
  channel: string;
  event: string;
  data: T;
  publisher?: string;
  tenant?: string;
  timestamp: string;
}

export interface Member {
  userId: string;
  name?: string;
  avatar?: string;
  color: string;
  status: "online" | "away";
  state: Record<string, unknown>;
  since: string;
  typing: boolean;
}

export interface PresenceFrame {
  type: "presence";
  channel: string;
  action: "snapshot" | "join" | "leave" | "update";
  count: number;
  online: number;
  members: Member[];
}

export interface TypingFrame {
  type: "typing";
  channel: string;
  userId: string;
  state: "start" | "stop";
}

export interface GapFrame {
  type: "gap";
  channel: string;
  since: string;
}

export interface SubscribeOptions<T = unknown> {
  onEvent?: (event: HeraldEvent<T>) => void;
  onPresence?: (frame: PresenceFrame) => void;
  onTyping?: (frame: TypingFrame) => void;
  /** Events after `since` are no longer kept: reload the channel's state. */
  onGap?: (frame: GapFrame) => void;
  onUnsubscribed?: (frame: { type: "unsubscribed"; channel: string; code: string; message: string }) => void;
  /** Resume from a position kept elsewhere (else from where this tab stood before a reload). */
  since?: string;
}

export interface Subscription {
  readonly channel: string;
  unsubscribe(): void;
}

export interface Stats {
  state: State;
  transport: TransportKind | null;
  reconnects: number;
  lastEventAt: number | null;
  lastHeartbeatAt: number | null;
  queued: number;
  /** Whether the connection is a SharedWorker's, and how many tabs use it. */
  shared: boolean;
  tabs?: number;
}

export interface OkReply {
  type: "ok";
  ref?: string;
  channel?: string;
  eventId?: string;
  repeated?: boolean;
  [field: string]: unknown;
}

export class HeraldClient {
  readonly state: State;
  on(type: "state", listener: (state: State) => void): () => void;
  on(type: "error", listener: (error: Error & { code?: unknown }) => void): () => void;
  subscribe<T = unknown>(channel: string, options?: SubscribeOptions<T>): Subscription;
  publish(channel: string, event: string, data?: unknown, options?: { idempotencyKey?: string; echo?: boolean }): Promise<OkReply>;
  typing(channel: string, state?: "start" | "stop"): Promise<OkReply>;
  readonly presence: {
    set(channel: string, state: Record<string, unknown>): Promise<OkReply>;
    status(channel: string, status: "online" | "away"): Promise<OkReply>;
  };
  members(channel: string): Promise<{ channel: string; count: number; online: number; members: Member[] }>;
  history(channel: string, options?: { since?: string; limit?: number }): Promise<HistoryPage>;
  /** Allows only these transports, best first (all three when empty), and reopens at once. */
  setTransports(transports?: TransportKind[]): void;
  /** Drops the connection as a network cut would: it reconnects after the backoff and resumes. */
  reconnect(): void;
  getStats(): Stats;
  close(): void;
}

/** GET /api/channels/{channel}/history (docs/protocol.md, "Reading the history"). */
export interface HistoryPage {
  channel: string;
  events: Omit<HeraldEvent, "type">[];
  /** Present when `since` was given: false if events after it are no longer kept. */
  recovered?: boolean;
  more: boolean;
  position: string;
}

export function connect(options?: ConnectOptions): HeraldClient;

// The pieces, for tests and for those who build their own client on them.
export function backoff(attempt: number, options?: { min?: number; max?: number; random?: () => number }): number;
export function closePolicy(code: number): "stop" | "fail" | "token" | "later" | "retry";
/** A JWT's exp in ms since the epoch, read without verifying; null if it has none. */
export function expiryOf(token: string): number | null;
/** When to get a fresh token: 30 s before exp or halfway through a shorter life, at least 1 s. */
export function refreshDelay(expiresAt: number | null, now: number, lead?: number): number | null;
export function compareIds(a: string, b: string): number;
export class StoredPositions {
  constructor(storage: Pick<Storage, "getItem" | "setItem"> | null, key: string, limit?: number);
  get(channel: string): string | undefined;
  set(channel: string, position: string): void;
  forget(channel: string): void;
}
export class Positions {
  constructor(remember?: number);
  /** A position kept from before a reload: events at or before it are repeats. */
  restore(channel: string, position: string): void;
  accept(channel: string, id: string): boolean;
  at(channel: string, position: string): void;
  of(channel: string): string | undefined;
  oldest(channels: Iterable<string>): string | undefined;
  forget(channel: string): void;
}
export class TransportPicker {
  constructor(allowed?: TransportKind[], options?: { limit?: number; retryBetterMs?: number; now?: () => number });
  pick(): TransportKind;
  failed(transport: TransportKind): void;
  opened(transport: TransportKind): void;
}
export class Outbox<T = unknown> {
  constructor(limit?: number);
  offer(item: T): boolean;
  drain(): T[];
  readonly size: number;
}

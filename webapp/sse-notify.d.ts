// Types of the sse-notify browser client (sse-notify.js, an ES module served beside this file).
//
// What the library covers: one stream per browser and base shared by every tab (Web Locks +
// BroadcastChannel) with handover when the holding tab closes; one stream per tab where either
// API is missing or `share: false`; the last row id kept across handovers and reloads
// (localStorage) and resumed with ?lastEventId=; reconnects with jitter; backoff on 429/503
// honouring Retry-After; the list reloaded on `event: resync`; `read` and `progress` events
// passed on; the REST calls for the list, the unread count and the read state.
//
// What it leaves to the page: rendering, the badge arithmetic (it hands over the server's
// counts), de-duplicating rows that both list() and onNotification bring, sign-in (BASIC is
// the browser's, a JWT cookie is the page's to set and refresh), exports and anything else of
// the application's own.

/** A notification row, as the REST API and the stream carry it. */
export interface Notification {
  /** Increases with insertion order; also the stream's event id. */
  id: number;
  userEmail: string;
  /** `[A-Za-z0-9._-]{1,64}`, e.g. `export-excel`. */
  type: string;
  /** Plain text (may contain newlines or markup-like text: show it with textContent). */
  messageBody: string;
  /** An absolute path (including the context path) or an http(s) URL, or null. */
  link: string | null;
  status: 'UNREAD' | 'READ';
  /** UTC ISO-8601 with millis and `Z`. */
  createTime: string;
}

/** `GET api/v1/notifications`: newest first. */
export interface Page {
  items: Notification[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
}

/** `event: read`: rows another tab (or this one) marked read, and the exact unread count after. */
export type ReadEvent =
  | { ids: number[]; unread: number }
  | { all: true; upTo: number; unread: number };

/** `event: progress` of a running export job. */
export interface ProgressEvent {
  jobId: string;
  /** 0..100; 100 comes just before the export's notification. */
  percent: number;
}

/**
 * `event: resync`: more rows were missed than the server replays. The holder tab reloads the
 * newest page and the unread count once and hands them to every tab; `items` (and `unread`) are
 * null when that reload failed, and the page should call `list()` itself.
 */
export interface ResyncEvent {
  /** The newest id at the time; the stream resumes after it. */
  lastId: number;
  items: Notification[] | null;
  nextBefore: number | null;
  unread: number | null;
}

/**
 * - `connecting`: first attempt; `connected`: the stream is open (in this tab or the holder);
 * - `reconnecting`: the stream was lost, retrying after the server's `retry:` (growing, jittered);
 * - `offline`: the browser is offline; it reconnects as soon as it is back;
 * - `refused`: the server answered the stream with an error (429 per-user cap, 503 with
 *   Retry-After, 401 signed out, ...), backing off (1 s doubling to 60 s, jittered, never
 *   sooner than Retry-After); `closed`: after `close()`.
 */
export type State = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'refused' | 'closed';

/** `holder`: this tab has the stream (also the case without sharing); `follower`: another tab has it. */
export type Role = 'starting' | 'follower' | 'holder';

export interface StateDetail {
  role: Role;
  /** HTTP status of a refusal. */
  status?: number;
  /** When the next attempt is made. */
  retryInMs?: number;
  /** Consecutive refusals so far. */
  attempt?: number;
}

export interface ConnectOptions {
  /**
   * The sse-notify application's root URL (its context path), absolute or relative to the page:
   * `api/v1/notifications/...` is resolved against it. Default: the folder this module was
   * loaded from, which is that root when the module comes from the server (`/ctx/sse-notify.js`
   * gives `/ctx/`). Query and fragment are ignored; a missing final `/` is added.
   *
   * Tabs share one stream per browser, origin and base: two different bases (two deployments,
   * or two servers) never share a stream, a cursor or a channel. A base on another origin sends
   * credentials (`credentials: "include"`, for the JWT cookie); the server then needs CORS
   * with credentials in front of it, and its POSTs refuse cross-origin callers.
   */
  base?: string | URL;
  /** Sharing across tabs (default true). Turn it off where the server speaks HTTP/2: one stream per tab is cheap there. */
  share?: boolean;
  /** Sent as `?traceId=` (`[A-Za-z0-9._:-]{1,64}`); the server logs it with the stream. */
  traceId?: string;
  /** Page size of the reload on `event: resync` (default 50, at most 200). */
  pageSize?: number;
  /**
   * Each new row, once per tab, in id order, after the cursor (the last row id this browser
   * saw for this base, kept in localStorage; or the newest row when the tab starts without one).
   * Rows that `list()` returned may come here too: de-duplicate by id.
   */
  onNotification?: (row: Notification) => void;
  onRead?: (event: ReadEvent) => void;
  onProgress?: (event: ProgressEvent) => void;
  onResync?: (event: ResyncEvent) => void;
  /** Every state change, in every tab (followers see the holder's). */
  onStateChange?: (state: State, detail: StateDetail) => void;
  onRoleChange?: (role: Role) => void;
}

/** A REST call answered with an error: `status` and the server's `error` text as the message. */
export class SseNotifyError extends Error {
  readonly status: number;
}

export interface Feed {
  /** The resolved base: absolute, ending with `/`. */
  readonly base: string;
  /** `GET api/v1/notifications/unread-count`. */
  unreadCount(): Promise<number>;
  /** `POST api/v1/notifications/{id}/read`; rejects with status 404 for an id that is not the caller's. */
  markRead(id: number): Promise<void>;
  /** `POST api/v1/notifications/read-all`; resolves with the number of rows it changed. */
  readAll(): Promise<number>;
  /** `GET api/v1/notifications`; `limit` 1..200 (default 50), `before` a row id, `status` a filter. */
  list(query?: { before?: number; status?: 'UNREAD' | 'READ'; limit?: number }): Promise<Page>;
  /** Stops this tab's part: its stream (another tab takes it over), timers, channel and listeners. */
  close(): void;
  state(): State;
  role(): Role;
  /** The cursor: the highest row id delivered to this tab, or null before the first. */
  lastEventId(): number | null;
}

export function connect(options?: ConnectOptions): Feed;

export const SseNotify: {
  readonly connect: typeof connect;
  readonly SseNotifyError: typeof SseNotifyError;
};
export default SseNotify;

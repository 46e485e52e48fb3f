// sse-notify browser client: one notification stream per browser, shared by its tabs.
//
//   import { SseNotify } from '/sse-notify.js';
//   const feed = SseNotify.connect({ onNotification: (n) => show(n) });
//
// An ES module with no dependency and no build step; it keeps no state of its own outside
// what connect() creates. Types and the full contract: sse-notify.d.ts beside this file.
//
// How the stream is shared: every tab of one browser that connects to the same base asks for
// the Web Lock "sse-notify:<base>". The tab holding it (the holder) opens the stream and
// posts what arrives on the BroadcastChannel of the same name; the others (followers) only
// listen. When the holder closes, the browser grants the lock to a waiting tab, which opens
// the stream again with ?lastEventId= of the last row it saw, so the server replays what
// the gap missed; rows already delivered are dropped by id, so none is lost or doubled.
//
// Why fetch() and not EventSource: EventSource gives up for good on any non-200 answer
// (429, 503) and hides its status and Retry-After, so it cannot back off; a fetch stream
// sees both, and the library reopens it itself.

const STREAM = 'api/v1/notifications/stream';
const LIST = 'api/v1/notifications';
const DEFAULT_RETRY_MS = 3000;          // until the server's own "retry:" arrives
const MAX_LOST_DELAY_MS = 30000;        // a lost stream retries at most this far apart
const REFUSED_INITIAL_MS = 1000;        // first wait after a 429/503 without Retry-After
const MAX_REFUSED_DELAY_MS = 60000;

/** A failed REST call: the HTTP status and the server's {"error": ...} text. */
export class SseNotifyError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'SseNotifyError';
    this.status = status;
  }
}

/** The base URL the library resolves API paths against: absolute, ending with "/". */
function resolveBase(base) {
  const url = new URL(base == null ? '.' : String(base), base == null ? import.meta.url : location.href);
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

function storage() {
  try {
    return window.localStorage;
  } catch (e) {
    return null;                        // storage disabled: the cursor lives as long as the tab
  }
}

/** Retry-After in milliseconds (seconds or an HTTP date), or 0 when absent or unreadable. */
function retryAfterMs(header) {
  if (!header) return 0;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - Date.now());
}

/**
 * Opens (or joins) the notification stream of the signed-in user at options.base.
 * Returns the feed handle; see sse-notify.d.ts for every option and method.
 */
export function connect(options = {}) {
  const o = options;
  const base = resolveBase(o.base);
  const crossOrigin = new URL(base).origin !== location.origin;
  // Same origin: BASIC credentials and cookies go along by default. Cross-origin: the JWT
  // cookie only goes with credentials "include" (and the server must allow it by CORS).
  const credentials = crossOrigin ? 'include' : 'same-origin';
  const scope = 'sse-notify:' + base;
  const storeKey = scope + ':lastEventId';
  const store = storage();
  const canShare = o.share !== false && typeof BroadcastChannel === 'function'
      && typeof navigator !== 'undefined' && !!navigator.locks && typeof navigator.locks.request === 'function';

  let closed = false;
  let role = 'starting';
  let state = 'connecting';
  let detail = {};
  let cursor = null;                    // highest row id delivered to this tab (null: none yet)
  let cursorSeen = false;               // true once this tab delivered or was told a cursor live
  let retryMs = DEFAULT_RETRY_MS;
  let lostCount = 0;                    // consecutive lost attempts since the last good stream
  let refusedCount = 0;                 // consecutive refusals (429, 503, 4xx)
  let stream = null;                    // AbortController of the open or opening stream
  let timer = null;
  let channel = null;
  let lockWait = null;                  // AbortController of a pending lock request
  let releaseLock = null;

  function call(name, ...args) {
    const fn = o[name];
    if (typeof fn !== 'function') return;
    try {
      fn(...args);
    } catch (e) {
      // A throwing handler must not break the stream or the other tabs.
      setTimeout(() => { throw e; });
    }
  }

  function post(message) {
    if (channel) channel.postMessage(message);
  }

  function setState(next, info) {
    state = next;
    detail = Object.assign({ role }, info || {});
    call('onStateChange', state, detail);
    if (role === 'holder') post({ t: 'state', state, detail });
  }

  function setRole(next) {
    role = next;
    call('onRoleChange', role);
  }

  function storedCursor() {
    const v = store ? store.getItem(storeKey) : null;
    return v && /^\d{1,18}$/.test(v) ? Number(v) : null;
  }

  function persist(id) {
    if (!store) return;
    try {
      store.setItem(storeKey, String(id));
    } catch (e) {
      // quota or private mode: the cursor is only kept in memory
    }
  }

  // ---- what arrives, from this tab's stream or the holder's ------------------------------
  function deliverRow(row) {
    if (!row || typeof row.id !== 'number') return false;
    // Rows reach a stream in id order, so anything at or below the cursor was delivered
    // already (a handover replays from the new holder's cursor, the old holder's last posts
    // may still be in flight).
    if (cursor !== null && row.id <= cursor) return false;
    cursor = row.id;
    cursorSeen = true;
    if (role === 'holder') persist(cursor);
    call('onNotification', row);
    return true;
  }

  function onShared(e) {
    const m = e.data;
    if (closed || !m || typeof m !== 'object') return;
    switch (m.t) {
      case 'row': deliverRow(m.row); break;
      case 'read': call('onRead', m.d); break;
      case 'progress': call('onProgress', m.d); break;
      case 'resync':
        cursor = Math.max(cursor || 0, m.d.lastId);
        cursorSeen = true;
        call('onResync', m.d);
        break;
      case 'state':
        if (role !== 'holder') {
          state = m.state;
          detail = Object.assign({}, m.detail, { role });
          call('onStateChange', state, detail);
        }
        break;
      case 'hello':
        if (role === 'holder') post({ t: 'state', state, detail, cursor });
        break;
      default:
        break;
    }
    if (m.t === 'state' && cursor === null && typeof m.cursor === 'number') {
      cursor = m.cursor;
      cursorSeen = true;
    }
  }

  async function resync(lastId) {
    cursor = Math.max(cursor || 0, lastId);
    cursorSeen = true;
    persist(cursor);
    const d = { lastId, items: null, nextBefore: null, unread: null };
    try {
      const [page, unread] = await Promise.all([list({ limit: o.pageSize || 50 }), unreadCount()]);
      Object.assign(d, { items: page.items, nextBefore: page.nextBefore, unread });
    } catch (e) {
      // items stays null: the page reloads by itself (documented)
    }
    if (closed) return;
    post({ t: 'resync', d });
    call('onResync', d);
  }

  function dispatch(name, data) {
    let d;
    try {
      d = data === '--ping--' ? null : JSON.parse(data);
    } catch (e) {
      return;                           // not ours to break on: skip the frame
    }
    if (name === 'message') {
      if (d !== null && deliverRow(d)) post({ t: 'row', row: d });
    } else if (name === 'read' || name === 'progress') {
      post({ t: name, d });
      call(name === 'read' ? 'onRead' : 'onProgress', d);
    } else if (name === 'resync' && d && typeof d.lastId === 'number') {
      resync(d.lastId);
    }
  }

  /** Reads text/event-stream frames (the WHATWG rules) until the server ends the stream. */
  async function read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    let data = [];
    let event = '';
    const line = (l) => {
      if (l === '') {
        if (data.length) dispatch(event || 'message', data.join('\n'));
        data = [];
        event = '';
        return;
      }
      if (l.charCodeAt(0) === 58) return;   // ": keepalive" and other comments
      const colon = l.indexOf(':');
      const field = colon < 0 ? l : l.slice(0, colon);
      let value = colon < 0 ? '' : l.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
      // "id:" needs no handling: the row JSON carries its id, and the resync data its lastId.
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let start = 0;
      for (let k = 0; k < buf.length; k++) {
        const c = buf.charCodeAt(k);
        if (c !== 10 && c !== 13) continue;
        if (c === 13 && k + 1 === buf.length) break;   // a "\r" whose "\n" may be in the next chunk
        line(buf.slice(start, k));
        if (c === 13 && buf.charCodeAt(k + 1) === 10) k++;
        start = k + 1;
      }
      buf = buf.slice(start);
    }
  }

  // ---- the stream (holder only) ------------------------------------------------------------
  /** The user's newest row id, 0 when there is none. */
  async function newestId() {
    const page = await list({ limit: 1 });
    return page.items.length ? page.items[0].id : 0;
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(open, delay);
  }

  function lost() {
    // The server's retry, growing by half per failed attempt, with +-20% jitter so that the
    // clients of a restarted server do not all come back in the same millisecond.
    const delay = Math.round(Math.min(MAX_LOST_DELAY_MS, retryMs * Math.pow(1.5, lostCount)) * (0.8 + 0.4 * Math.random()));
    lostCount++;
    setState(navigator.onLine === false ? 'offline' : 'reconnecting', { retryInMs: delay });
    schedule(delay);
  }

  function refused(status, waitAtLeast) {
    // Doubling from 1 s up to 60 s, "equal jitter" (half fixed, half random), never sooner
    // than the server's Retry-After.
    const ceiling = Math.min(MAX_REFUSED_DELAY_MS, REFUSED_INITIAL_MS * Math.pow(2, refusedCount));
    const delay = Math.round(Math.max(waitAtLeast, ceiling / 2 + Math.random() * ceiling / 2));
    refusedCount++;
    setState('refused', { status, retryInMs: delay, attempt: refusedCount });
    schedule(delay);
  }

  async function open() {
    clearTimeout(timer);
    timer = null;
    if (closed) return;
    if (stream) stream.abort();
    const abort = new AbortController();
    stream = abort;
    if (state !== 'connecting' && state !== 'offline' && state !== 'refused') setState('reconnecting');
    try {
      if (!cursorSeen) {
        // A cursor from storage (or none) is checked against the user's newest row: never
        // ahead of it (a reset database, another user signed in), never missing what came
        // between this tab's start and its stream.
        try {
          const newest = await newestId();
          cursor = cursor === null ? newest : Math.min(cursor, newest);
          cursorSeen = true;
        } catch (e) {
          if (e instanceof SseNotifyError && e.status >= 400 && e.status !== 503) {
            refused(e.status, 0);
            return;
          }
          if (cursor === null) throw e;
        }
        if (abort.signal.aborted) return;
      }
      const url = new URL(STREAM, base);
      if (cursor !== null) url.searchParams.set('lastEventId', String(cursor));
      if (o.traceId) url.searchParams.set('traceId', o.traceId);
      const r = await fetch(url, {
        credentials, cache: 'no-store', headers: { Accept: 'text/event-stream' }, signal: abort.signal,
      });
      if (r.status !== 200 || !r.body) {
        const wait = retryAfterMs(r.headers.get('Retry-After'));
        r.body?.cancel().catch(() => {});
        if (!abort.signal.aborted) refused(r.status, wait);
        return;
      }
      lostCount = 0;
      refusedCount = 0;
      setState('connected');
      await read(r.body);
      if (!abort.signal.aborted && !closed) lost();   // ended by the server (maximum age, shutdown)
    } catch (e) {
      if (!abort.signal.aborted && !closed) lost();
    }
  }

  function becomeHolder() {
    if (closed) return;
    setRole('holder');
    setState(navigator.onLine === false ? 'offline' : 'connecting');
    open();
  }

  const onOffline = () => { if (role === 'holder') setState('offline'); };
  const onOnline = () => {
    if (role !== 'holder' || closed) return;
    lostCount = 0;
    refusedCount = 0;
    setState('connecting');
    open();
  };

  // ---- REST ------------------------------------------------------------------------------
  async function rest(method, path, query) {
    const url = new URL(path, base);
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    const r = await fetch(url, { method, credentials, cache: 'no-store', headers: { Accept: 'application/json' } });
    const text = await r.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (e) {
      body = null;
    }
    if (!r.ok) {
      throw new SseNotifyError(r.status, body && typeof body.error === 'string' ? body.error : 'HTTP ' + r.status);
    }
    return body;
  }

  function list(q = {}) {
    return rest('GET', LIST, { before: q.before, status: q.status, limit: q.limit });
  }

  async function unreadCount() {
    return (await rest('GET', LIST + '/unread-count')).unread;
  }

  async function markRead(id) {
    if (!/^\d{1,18}$/.test(String(id))) throw new SseNotifyError(400, 'markRead needs a notification id, got ' + id);
    await rest('POST', LIST + '/' + id + '/read');
  }

  async function readAll() {
    return (await rest('POST', LIST + '/read-all')).updated;
  }

  function close() {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    if (stream) stream.abort();
    if (lockWait) lockWait.abort();
    if (releaseLock) releaseLock();     // the next waiting tab takes the stream over
    if (channel) channel.close();
    window.removeEventListener('offline', onOffline);
    window.removeEventListener('online', onOnline);
    state = 'closed';
    detail = { role };
    call('onStateChange', state, detail);
  }

  // ---- start -------------------------------------------------------------------------------
  window.addEventListener('offline', onOffline);
  window.addEventListener('online', onOnline);
  cursor = storedCursor();
  if (canShare) {
    // Listening before anything else, in this same task: no post can slip past this tab.
    channel = new BroadcastChannel(scope);
    channel.onmessage = onShared;
    setRole('follower');
    post({ t: 'hello' });
    lockWait = new AbortController();
    navigator.locks.request(scope, { signal: lockWait.signal }, () => new Promise((resolve) => {
      lockWait = null;
      releaseLock = resolve;            // held until close() or the tab goes away
      if (closed) resolve(); else becomeHolder();
    })).catch(() => { /* AbortError: closed while waiting */ });
  } else {
    becomeHolder();                     // one stream for this tab alone
  }

  return {
    base,
    unreadCount,
    markRead,
    readAll,
    list,
    close,
    state: () => state,
    role: () => role,
    lastEventId: () => cursor,
  };
}

/** The namespace form: SseNotify.connect(...). */
export const SseNotify = Object.freeze({ connect, SseNotifyError });
export default SseNotify;

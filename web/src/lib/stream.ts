// The app's one connection to GET /api/v1/stream (server-sent events). Every
// live view subscribes here instead of polling: notifications, campaign and
// import progress. The session cookie authenticates it (same origin), so the
// browser's own reconnects work, and with Last-Event-ID the server replays the
// notifications missed meanwhile. When the browser gives up (the API answered
// something other than the stream, e.g. while it restarts behind a proxy), a
// new EventSource is opened with a growing delay.

export type StreamStatus = 'idle' | 'connecting' | 'open' | 'reconnecting';
export type StreamEventName = 'notification' | 'campaign.progress' | 'import.progress';
type Handler = (data: unknown) => void;

const eventNames: StreamEventName[] = ['notification', 'campaign.progress', 'import.progress'];
const firstDelay = 1000;
const maxDelay = 15_000;
// EventSource.CLOSED (not referenced through the global, which Node lacks in tests).
const CLOSED = 2;

export class EventStream {
  private es: EventSource | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private delay = firstDelay;
  private wasOpen = false;
  private status: StreamStatus = 'idle';
  private handlers = new Map<StreamEventName, Set<Handler>>();
  private statusListeners = new Set<() => void>();
  private reopenListeners = new Set<() => void>();
  private lostListeners = new Set<() => void>();

  constructor(private readonly url: string, private readonly make: (url: string) => EventSource = (u) => new EventSource(u)) {}

  /** start opens the stream unless it is open or opening already. */
  start() {
    if (this.es || this.timer) return;
    this.connect();
  }

  /** stop closes it (log out, or the app unmounting). */
  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.es?.close();
    this.es = null;
    this.wasOpen = false;
    this.delay = firstDelay;
    this.setStatus('idle');
  }

  getStatus = () => this.status;

  onStatus(fn: () => void) {
    this.statusListeners.add(fn);
    return () => void this.statusListeners.delete(fn);
  }

  /** onReopen runs fn each time the stream is back after a break: what the
   * views show may have changed meanwhile. */
  onReopen(fn: () => void) {
    this.reopenListeners.add(fn);
    return () => void this.reopenListeners.delete(fn);
  }

  /** onLost runs fn when the browser gave up on the stream (it may be the
   * session that ended: the app then asks who is logged in). */
  onLost(fn: () => void) {
    this.lostListeners.add(fn);
    return () => void this.lostListeners.delete(fn);
  }

  subscribe(name: StreamEventName, fn: Handler) {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(fn);
    return () => void set.delete(fn);
  }

  private setStatus(s: StreamStatus) {
    if (s === this.status) return;
    this.status = s;
    this.statusListeners.forEach((fn) => fn());
  }

  private connect() {
    this.timer = null;
    const es = this.make(this.url);
    this.es = es;
    this.setStatus(this.wasOpen ? 'reconnecting' : 'connecting');
    for (const name of eventNames) {
      es.addEventListener(name, (ev) => {
        let data: unknown;
        try {
          data = JSON.parse((ev as MessageEvent<string>).data);
        } catch {
          return;
        }
        this.handlers.get(name)?.forEach((fn) => fn(data));
      });
    }
    es.onopen = () => {
      const reopened = this.wasOpen;
      this.wasOpen = true;
      this.delay = firstDelay;
      this.setStatus('open');
      if (reopened) this.reopenListeners.forEach((fn) => fn());
    };
    es.onerror = () => {
      if (this.es !== es) return;
      if (es.readyState === CLOSED) {
        // The browser will not try again by itself: open a new one later.
        es.close();
        this.es = null;
        this.wasOpen = true;
        this.setStatus('reconnecting');
        this.lostListeners.forEach((fn) => fn());
        this.timer = setTimeout(() => this.connect(), this.delay);
        this.delay = Math.min(this.delay * 2, maxDelay);
        return;
      }
      // CONNECTING: the browser reconnects by itself (with Last-Event-ID).
      if (this.status === 'open') this.wasOpen = true;
      this.setStatus('reconnecting');
    };
  }
}

export const stream = new EventStream('/api/v1/stream');

import { describe, expect, it, vi } from 'vitest';
import { EventStream } from './stream';

// A stand-in for the browser's EventSource: the test opens, fails and feeds it.
class FakeSource {
  static made: FakeSource[] = [];
  readyState = 0;
  closed = false;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  listeners = new Map<string, (ev: { data: string }) => void>();
  constructor(readonly url: string) {
    FakeSource.made.push(this);
  }
  addEventListener(name: string, fn: (ev: { data: string }) => void) {
    this.listeners.set(name, fn);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  emit(name: string, data: unknown) {
    this.listeners.get(name)?.({ data: JSON.stringify(data) });
  }
}

function setup() {
  FakeSource.made = [];
  const s = new EventStream('/api/v1/stream', (u) => new FakeSource(u) as unknown as EventSource);
  return s;
}

describe('EventStream', () => {
  it('opens one connection and hands each event to its subscribers', () => {
    const s = setup();
    s.start();
    s.start();
    expect(FakeSource.made).toHaveLength(1);
    const got: unknown[] = [];
    s.subscribe('campaign.progress', (d) => got.push(d));
    FakeSource.made[0].open();
    expect(s.getStatus()).toBe('open');
    FakeSource.made[0].emit('campaign.progress', { campaign_id: 1 });
    FakeSource.made[0].emit('notification', { id: 2 });
    expect(got).toEqual([{ campaign_id: 1 }]);
  });

  it('lets the browser reconnect by itself, and says when it is back', () => {
    const s = setup();
    const reopened = vi.fn();
    s.onReopen(reopened);
    s.start();
    const es = FakeSource.made[0];
    es.open();
    es.readyState = 0; // the browser is reconnecting
    es.onerror?.();
    expect(s.getStatus()).toBe('reconnecting');
    expect(FakeSource.made).toHaveLength(1);
    es.open();
    expect(s.getStatus()).toBe('open');
    expect(reopened).toHaveBeenCalledTimes(1);
  });

  it('opens a new connection, later and later, when the browser gives up', () => {
    vi.useFakeTimers();
    const s = setup();
    const lost = vi.fn();
    const reopened = vi.fn();
    s.onLost(lost);
    s.onReopen(reopened);
    s.start();
    FakeSource.made[0].open();
    for (const [i, wait] of [1000, 2000, 4000].entries()) {
      const es = FakeSource.made[i];
      es.readyState = 2;
      es.onerror?.();
      expect(es.closed).toBe(true);
      vi.advanceTimersByTime(wait - 1);
      expect(FakeSource.made).toHaveLength(i + 1);
      vi.advanceTimersByTime(1);
      expect(FakeSource.made).toHaveLength(i + 2);
    }
    expect(lost).toHaveBeenCalledTimes(3);
    FakeSource.made[3].open();
    expect(reopened).toHaveBeenCalledTimes(1);
    s.stop();
    expect(s.getStatus()).toBe('idle');
    expect(FakeSource.made[3].closed).toBe(true);
    vi.useRealTimers();
  });
});

import { useEffect, useRef, useSyncExternalStore } from 'react';
import { stream, type StreamEventName, type StreamStatus } from '@/lib/stream';

/** useStreamStatus is the state of the app's event stream. */
export function useStreamStatus(): StreamStatus {
  return useSyncExternalStore((fn) => stream.onStatus(fn), stream.getStatus);
}

/** useStreamEvent calls handler with every event of that name while mounted. */
export function useStreamEvent<T>(name: StreamEventName, handler: (data: T) => void) {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => stream.subscribe(name, (d) => ref.current(d as T)), [name]);
}

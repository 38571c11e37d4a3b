import { describe, expect, it } from 'vitest';
import { zonedLocal, zonedToISO, zoneOffsetMinutes } from './format';

describe('times in the account zone', () => {
  it('reads a wall-clock time in the zone', () => {
    expect(zonedToISO('2026-12-01T09:00', 'Asia/Seoul')).toBe('2026-12-01T00:00:00Z');
    expect(zonedToISO('2026-07-01T09:00', 'America/New_York')).toBe('2026-07-01T13:00:00Z');
    expect(zonedToISO('2026-01-01T09:00', 'America/New_York')).toBe('2026-01-01T14:00:00Z');
    expect(zonedToISO('2026-12-01 09:00', 'Asia/Seoul')).toBeNull();
  });
  it('writes an instant as the zone wall clock', () => {
    expect(zonedLocal(Date.parse('2026-12-01T00:00:00Z'), 'Asia/Seoul')).toBe('2026-12-01T09:00');
    expect(zoneOffsetMinutes('Asia/Kolkata', Date.parse('2026-12-01T00:00:00Z'))).toBe(330);
  });
});

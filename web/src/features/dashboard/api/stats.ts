import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api';
import { roots } from '@/lib/query-roots';

export type Interval = 'hour' | 'day';

export const statsKeys = {
  current: [...roots.stats, 'current'] as const,
  series: (interval: Interval, span: number) => [...roots.stats, 'series', interval, span] as const,
};

// The figures change when a campaign's messages do: a campaign notification on
// the stream makes them stale (app/live-updates), so nothing polls here.
export function useCurrentStats() {
  return useQuery({ queryKey: statsKeys.current, queryFn: async () => unwrap(await api.GET('/api/v1/stats/current')) });
}

/** useSeries is the last span hours (or days, ending today) in the account's time zone. */
export function useSeries(interval: Interval, span: number) {
  return useQuery({
    queryKey: statsKeys.series(interval, span),
    queryFn: async () => {
      const back = interval === 'hour' ? span * 3600_000 : (span - 1) * 86_400_000;
      const from = new Date(Date.now() - back).toISOString();
      return unwrap(await api.GET('/api/v1/stats/series', { params: { query: { interval, from } } }));
    },
    placeholderData: keepPreviousData,
  });
}

import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { stream } from '@/lib/stream';
import { roots } from '@/lib/query-roots';
import { meQuery } from '@/hooks/use-session';
import { useStreamStatus } from '@/hooks/use-stream';

// What each kind of notification makes stale, by query root: the views showing
// it refetch once, instead of polling.
const staleBy: Record<string, readonly (readonly string[])[]> = {
  campaign: [roots.campaigns, roots.stats],
  reminder: [roots.campaigns, roots.stats],
  import: [roots.imports, roots.customers, roots.groups],
  stock: [roots.events],
  relay: [roots.relays],
};

/** LiveUpdates keeps the app's one event stream open while someone is logged
 * in, and turns its notifications into fresh data. */
export function LiveUpdates() {
  const qc = useQueryClient();
  useEffect(() => {
    stream.start();
    const offs = [
      stream.subscribe('notification', (d) => {
        const kind = (d as { kind?: string }).kind ?? '';
        void qc.invalidateQueries({ queryKey: roots.notifications });
        for (const key of staleBy[kind.split('.')[0]] ?? []) void qc.invalidateQueries({ queryKey: key });
      }),
      // Back after a break: anything may have changed meanwhile.
      stream.onReopen(() => {
        for (const key of [roots.notifications, roots.campaigns, roots.imports, roots.events, roots.stats]) {
          void qc.invalidateQueries({ queryKey: key });
        }
      }),
      // The browser gave up: if the session ended, asking who is logged in
      // leads to the login page.
      stream.onLost(() => void qc.invalidateQueries({ queryKey: meQuery.queryKey })),
    ];
    return () => {
      offs.forEach((off) => off());
      stream.stop();
    };
  }, [qc]);
  return null;
}

/** StreamBadge says whether live updates are flowing. */
export function StreamBadge() {
  const { t } = useTranslation();
  const status = useStreamStatus();
  const live = status === 'open';
  return (
    <Badge variant="light" color={live ? 'green' : 'orange'} role="status" aria-live="polite">
      {t(live ? 'stream.live' : status === 'reconnecting' ? 'stream.reconnecting' : 'stream.connecting')}
    </Badge>
  );
}

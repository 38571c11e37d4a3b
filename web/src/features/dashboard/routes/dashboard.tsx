import { Paper, Text } from '@mantine/core';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatNumber, formatPercent } from '@/lib/format';
import { useCurrentStats } from '../api/stats';

// The charts (recharts, ~100 KB gzipped) are asked for once the cards have
// their figures: the page is usable with the shell's JavaScript and its own,
// and the charts follow.
const SeriesChart = lazy(() => import('../components/series-chart').then((m) => ({ default: m.SeriesChart })));

function Card({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Paper withBorder p="md" role="group" aria-label={label}>
      <Text size="sm" c="dimmed">{label}</Text>
      <Text fw={700} size="xl">{value}</Text>
      {hint && <Text size="xs" c="dimmed">{hint}</Text>}
    </Paper>
  );
}

export function DashboardRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const current = useCurrentStats();
  const [hours, setHours] = useState(24);
  const [days, setDays] = useState(30);
  const s = current.data;
  return (
    <Page title={t('dashboard.title')} description={t('dashboard.description')}>
      {current.error && <ErrorNotice error={current.error} />}
      {!s ? (
        <Loading />
      ) : (
        <div className="stat-grid">
          <Card label={t('dashboard.customers')} value={formatNumber(fmt, s.customers)} />
          <Card label={t('dashboard.groups')} value={formatNumber(fmt, s.groups)} />
          <Card label={t('dashboard.successRate')} value={formatPercent(fmt, s.success_rate)}
            hint={t('dashboard.successHint', { delivered: formatNumber(fmt, s.delivered), failed: formatNumber(fmt, s.failed) })} />
          <Card label={t('dashboard.clickRate')} value={formatPercent(fmt, s.click_rate)}
            hint={t('dashboard.clickHint', { clicked: formatNumber(fmt, s.clicked_messages), clicks: formatNumber(fmt, s.clicks) })} />
        </div>
      )}
      {s && (
        <Suspense fallback={<Loading />}>
          <SeriesChart interval="hour" span={hours} onSpan={setHours} />
          <SeriesChart interval="day" span={days} onSpan={setDays} />
        </Suspense>
      )}
    </Page>
  );
}

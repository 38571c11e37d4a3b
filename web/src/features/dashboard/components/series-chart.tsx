import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import { Group, Paper, SegmentedControl, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { useSeries, type Interval } from '../api/stats';

const spans: Record<Interval, number[]> = { hour: [24, 48, 168], day: [7, 30, 90] };

/** SeriesChart draws sends, deliveries, failures and clicks per hour or day,
 * bucketed in the account's time zone, with a range picker. */
export function SeriesChart({ interval, span, onSpan }: { interval: Interval; span: number; onSpan: (n: number) => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const series = useSeries(interval, span);
  const label = new Intl.DateTimeFormat(fmt.locale, interval === 'hour'
    ? { timeZone: fmt.timeZone, month: 'numeric', day: 'numeric', hour: '2-digit' }
    : { timeZone: fmt.timeZone, month: 'numeric', day: 'numeric' });
  const data = (series.data?.buckets ?? []).map((b) => ({
    label: label.format(new Date(b.start)),
    sends: b.sends,
    delivered: b.delivered,
    failed: b.failed,
    clicks: b.clicks,
  }));
  const title = t(`dashboard.${interval}Title`);
  return (
    <Paper withBorder p="md" component="section" aria-label={title}>
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={2} size="h4">{title}</Title>
          <Text size="xs" c="dimmed">{t('dashboard.zone', { zone: series.data?.timezone ?? fmt.timeZone })}</Text>
        </div>
        <SegmentedControl
          aria-label={t('dashboard.range', { what: title })}
          value={String(span)}
          onChange={(v) => onSpan(Number(v))}
          data={spans[interval].map((n) => ({ value: String(n), label: t(`dashboard.spans.${interval}`, { count: n }) }))}
        />
      </Group>
      {series.error && <ErrorNotice error={series.error} />}
      {!series.data ? (
        <Loading />
      ) : (
        <>
          <figure className="chart" aria-label={title}>
            <LineChart
              h={240}
              data={data}
              dataKey="label"
              withDots={false}
              withLegend
              curveType="monotone"
              series={[
                { name: 'sends', label: t('dashboard.series.sends'), color: 'blue.8' },
                { name: 'delivered', label: t('dashboard.series.delivered'), color: 'green.8' },
                { name: 'failed', label: t('dashboard.series.failed'), color: 'red.8' },
                { name: 'clicks', label: t('dashboard.series.clicks'), color: 'grape.8' },
              ]}
            />
          </figure>
          <VisuallyHidden>
            <Table aria-label={t('dashboard.tableOf', { what: title })}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('dashboard.when')}</Table.Th>
                  <Table.Th>{t('dashboard.series.sends')}</Table.Th>
                  <Table.Th>{t('dashboard.series.delivered')}</Table.Th>
                  <Table.Th>{t('dashboard.series.failed')}</Table.Th>
                  <Table.Th>{t('dashboard.series.clicks')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.filter((d) => d.sends + d.delivered + d.failed + d.clicks > 0).map((d) => (
                  <Table.Tr key={d.label}>
                    <Table.Td>{d.label}</Table.Td>
                    <Table.Td>{d.sends}</Table.Td>
                    <Table.Td>{d.delivered}</Table.Td>
                    <Table.Td>{d.failed}</Table.Td>
                    <Table.Td>{d.clicks}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </VisuallyHidden>
        </>
      )}
    </Paper>
  );
}

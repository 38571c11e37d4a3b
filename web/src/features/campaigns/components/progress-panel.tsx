import { Alert, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime, formatDuration, formatNumber, formatPercent } from '@/lib/format';
import { CountsBar, handedOver } from './status';

type Progress = Schemas['CampaignProgress'];

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={700} size="lg">{value}</Text>
    </Paper>
  );
}

/** ProgressPanel shows a campaign's progress as the stream reports it: the
 * stage, counts by status and per relay, the rate and the time left, and the
 * audience members the send left out. (The per-relay split is the workflow's
 * while it runs; once finished, the results have it from the messages.) */
export function ProgressPanel({ progress, relayName }: { progress: Progress; relayName: (id: number) => string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const c = progress.counts;
  const n = (v: number) => formatNumber(fmt, v);
  const active = ['scheduled', 'running', 'paused'].includes(progress.status);
  const pct = handedOver(c);
  const relays = progress.relays ?? [];
  const leftOut = progress.left_out ?? 0;
  // A relay's sent counts what it was handed; relays that answer delivered at once count there.
  const handledBy = (r: (typeof relays)[number]) => Math.max(r.sent, r.delivered + r.failed);
  const relayTotal = relays.reduce((a, r) => a + handledBy(r), 0);
  return (
    <Paper withBorder p="md" component="section" aria-label={t('campaigns.progress.title')}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Text fw={600} aria-live="polite">{t(`campaigns.stages.${progress.stage}`, { defaultValue: progress.stage })}</Text>
          <Text size="sm">{t('campaigns.progress.percent', { percent: pct })}</Text>
        </Group>
        <CountsBar counts={c} label={t('campaigns.progress.bar')} size="xl" />
        {progress.stage === 'quiet_hours' && (
          <Alert color="orange" title={t('campaigns.progress.quietTitle')}>
            {t('campaigns.progress.quiet', { at: formatDateTime(fmt, progress.resume_at) })}
          </Alert>
        )}
        {progress.stage === 'scheduled' && progress.resume_at && (
          <Alert color="grape" title={t('campaigns.progress.scheduledTitle')}>
            {t('campaigns.progress.scheduled', { at: formatDateTime(fmt, progress.resume_at), zone: fmt.timeZone })}
          </Alert>
        )}
        <div className="stat-grid" role="group" aria-label={t('campaigns.progress.counts')}>
          <Stat label={t('campaigns.counts.total')} value={n(c.total)} />
          {leftOut > 0 && <Stat label={t('campaigns.counts.leftOut')} value={n(leftOut)} />}
          <Stat label={t('campaigns.counts.pending')} value={n(c.pending)} />
          <Stat label={t('campaigns.counts.sent')} value={n(c.sent)} />
          <Stat label={t('campaigns.counts.delivered')} value={n(c.delivered)} />
          <Stat label={t('campaigns.counts.failed')} value={n(c.failed)} />
          <Stat label={t('campaigns.counts.unknown')} value={n(c.unknown)} />
          <Stat label={t('campaigns.counts.fallback')} value={n(c.fallback)} />
          {active && <Stat label={t('campaigns.progress.rate')} value={t('campaigns.progress.rateValue', { n: formatNumber(fmt, progress.rate, { maximumFractionDigits: 1 }) })} />}
          {active && progress.stage === 'sending' && progress.eta_seconds > 0 && (
            <Stat label={t('campaigns.progress.eta')} value={formatDuration(fmt, progress.eta_seconds)} />
          )}
        </div>
        {leftOut > 0 && <Text size="xs" c="dimmed">{t('campaigns.progress.leftOutHint', { n: n(leftOut) })}</Text>}
        {relays.length > 0 && (
          <Table.ScrollContainer minWidth={560}>
            <Table striped aria-label={t('campaigns.progress.byRelay')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('campaigns.progress.relay')}</Table.Th>
                  <Table.Th ta="right">{t('campaigns.progress.handed')}</Table.Th>
                  <Table.Th ta="right">{t('campaigns.counts.delivered')}</Table.Th>
                  <Table.Th ta="right">{t('campaigns.counts.failed')}</Table.Th>
                  <Table.Th ta="right">{t('campaigns.counts.fallback')}</Table.Th>
                  <Table.Th ta="right">{t('campaigns.progress.share')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {relays.map((r) => {
                  const handled = handledBy(r);
                  return (
                    <Table.Tr key={r.relay_id}>
                      <Table.Td>{relayName(r.relay_id)}</Table.Td>
                      <Table.Td ta="right">{n(handled)}</Table.Td>
                      <Table.Td ta="right">{n(r.delivered)}</Table.Td>
                      <Table.Td ta="right">{n(r.failed)}</Table.Td>
                      <Table.Td ta="right">{n(r.fallback)}</Table.Td>
                      <Table.Td ta="right">{relayTotal > 0 ? formatPercent(fmt, handled / relayTotal) : '—'}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Paper>
  );
}

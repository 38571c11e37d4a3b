import { Badge, Progress, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';

const statusColor: Record<string, string> = {
  draft: 'gray',
  scheduled: 'grape',
  running: 'blue',
  paused: 'yellow',
  completed: 'green',
  cancelled: 'gray',
  failed: 'red',
};

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Badge color={statusColor[status] ?? 'gray'} variant="light">{t(`campaigns.status.${status}`)}</Badge>;
}

type Counts = Schemas['CampaignProgress']['counts'];

/** handedOver is the share of messages no longer pending (0–100). */
export function handedOver(c: Counts): number {
  if (c.total === 0) return 0;
  return Math.floor(((c.total - c.pending) / c.total) * 100);
}

/** CountsBar draws the messages by outcome: delivered, awaiting a report, failed, no report. */
export function CountsBar({ counts, label, size = 'md' }: { counts: Counts; label: string; size?: 'sm' | 'md' | 'xl' }) {
  const { t } = useTranslation();
  const total = Math.max(counts.total, 1);
  const parts = [
    { key: 'delivered', value: counts.delivered, color: 'green.8' },
    { key: 'sent', value: counts.sent, color: 'blue.7' },
    { key: 'failed', value: counts.failed, color: 'red.8' },
    { key: 'unknown', value: counts.unknown, color: 'gray.6' },
  ].filter((p) => p.value > 0);
  const pct = handedOver(counts);
  return (
    <Progress.Root size={size} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}
      aria-valuetext={t('campaigns.progress.valueText', { percent: pct })}>
      {parts.map((p) => (
        <Tooltip key={p.key} label={`${t(`campaigns.counts.${p.key}`)} ${p.value}`}>
          <Progress.Section value={(p.value / total) * 100} color={p.color} aria-hidden />
        </Tooltip>
      ))}
    </Progress.Root>
  );
}

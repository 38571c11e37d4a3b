import { Anchor, Button, Group, Pagination, Stack, Table, Text } from '@mantine/core';
import { useQueries } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { useRole } from '@/features/members/api/members';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { useStreamStatus } from '@/hooks/use-stream';
import { api, unwrap } from '@/lib/api';
import { formatDateTime, formatNumber, formatPercent } from '@/lib/format';
import { activeStatuses, campaignKeys, pageSize, useCampaigns, useLiveProgress, type Campaign, type Progress } from '../api/campaigns';
import { CountsBar, handedOver, StatusBadge } from '../components/status';

function countsOf(c: Campaign): Progress['counts'] {
  return { total: c.total, pending: c.pending + c.sending, sent: c.sent, delivered: c.delivered, failed: c.failed, unknown: c.unknown, fallback: c.fallback };
}

/** CampaignsRoute lists campaigns with their status, progress and rates; the
 * running ones move live with the event stream. */
export function CampaignsRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const maySend = useRole().can('sender');
  const [params, setParams] = useSearchParams();
  const page = Number(params.get('page') ?? '1') || 1;
  useLiveProgress();
  const list = useCampaigns(page);
  const items = list.data?.items ?? [];
  const live = useStreamStatus() === 'open';
  // The running campaigns' progress: asked for once, then kept by the stream.
  const progress = useQueries({
    queries: items
      .filter((c) => activeStatuses.has(c.status))
      .map((c) => ({
        queryKey: campaignKeys.progress(c.id),
        queryFn: async () => unwrap(await api.GET('/api/v1/campaigns/{id}/progress', { params: { path: { id: c.id } } })),
        staleTime: Infinity,
        refetchInterval: live ? (false as const) : 5000,
      })),
  });
  const progressOf = new Map(progress.flatMap((q) => (q.data ? [[q.data.campaign_id, q.data] as const] : [])));

  return (
    <Page title={t('campaigns.title')} description={t('campaigns.description')}
      actions={
        <Group gap="xs">
          <Button variant="default" component={Link} to="/campaigns/schedules">{t('schedules.title')}</Button>
          {maySend && <Button component={Link} to="/campaigns/new">{t('campaigns.new')}</Button>}
        </Group>
      }>
      {list.error && <ErrorNotice error={list.error} />}
      {list.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title={t('campaigns.empty')}>{t('campaigns.emptyHint')}</Empty>
      ) : (
        <Table.ScrollContainer minWidth={880}>
          <Table striped aria-label={t('campaigns.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('campaigns.name')}</Table.Th>
                <Table.Th>{t('campaigns.statusLabel')}</Table.Th>
                <Table.Th w={220}>{t('campaigns.progress.title')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.counts.total')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.counts.delivered')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.counts.failed')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.successRate')}</Table.Th>
                <Table.Th>{t('campaigns.created')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((c) => {
                const p = progressOf.get(c.id);
                const counts = p && activeStatuses.has(c.status) ? p.counts : countsOf(c);
                const done = counts.delivered + counts.failed;
                return (
                  <Table.Tr key={c.id}>
                    <Table.Td><Anchor component={Link} to={`/campaigns/${c.id}`} size="sm">{c.name}</Anchor></Table.Td>
                    <Table.Td><StatusBadge status={p?.status ?? c.status} /></Table.Td>
                    <Table.Td>
                      {c.status === 'draft' ? (
                        <Text size="sm" c="dimmed">—</Text>
                      ) : (
                        <Stack gap={2}>
                          <CountsBar counts={counts} label={t('campaigns.progressOf', { name: c.name })} />
                          <Text size="xs">{t('campaigns.progress.percent', { percent: handedOver(counts) })}</Text>
                        </Stack>
                      )}
                    </Table.Td>
                    <Table.Td ta="right">{formatNumber(fmt, counts.total)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(fmt, counts.delivered)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(fmt, counts.failed)}</Table.Td>
                    <Table.Td ta="right">{done > 0 ? formatPercent(fmt, counts.delivered / done) : '—'}</Table.Td>
                    <Table.Td>{formatDateTime(fmt, c.created_at)}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {list.data && list.data.total > pageSize && (
        <Group>
          <Pagination total={Math.ceil(list.data.total / pageSize)} value={page}
            onChange={(p) => setParams({ page: String(p) }, { replace: true })}
            getControlProps={(c) => ({ 'aria-label': t(`common.page.${c}`) })}
            getItemProps={(p) => ({ 'aria-label': t('common.page.number', { page: p }) })} />
        </Group>
      )}
    </Page>
  );
}

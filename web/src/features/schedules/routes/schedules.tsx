import { Anchor, Badge, Button, Group, Pagination, Table, Text } from '@mantine/core';
import { useQueries } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { api, unwrap } from '@/lib/api';
import { formatDateTime } from '@/lib/format';
import { pageSize, scheduleKeys, useSchedules, type CampaignSchedule } from '../api/schedules';
import { useCronText } from '../cron-hint';

export function ScheduleState({ s }: { s: CampaignSchedule }) {
  const { t } = useTranslation();
  return (
    <Group gap={4}>
      <Badge color={s.paused ? 'gray' : 'green'} variant="light">{t(s.paused ? 'schedules.paused' : 'schedules.active')}</Badge>
      {s.sync.state === 'pending' && <Badge color="yellow" variant="light">{t('schedules.syncPending')}</Badge>}
    </Group>
  );
}

/** SchedulesRoute lists the account's recurring campaigns with their rule and next run. */
export function SchedulesRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const cronText = useCronText();
  const [params, setParams] = useSearchParams();
  const page = Number(params.get('page') ?? '1') || 1;
  const list = useSchedules(page);
  const items = list.data?.items ?? [];
  // The list answer has no run times (Temporal is asked one schedule at a time):
  // each shown active schedule is asked for its own.
  const details = useQueries({
    queries: items
      .filter((s) => !s.paused)
      .map((s) => ({
        queryKey: scheduleKeys.one(s.id),
        queryFn: async () => unwrap(await api.GET('/api/v1/campaign-schedules/{id}', { params: { path: { id: s.id } } })),
      })),
  });
  const nextOf = new Map(details.flatMap((q) => (q.data ? [[q.data.id, q.data.next_run_times?.[0]] as const] : [])));
  return (
    <Page title={t('schedules.title')} description={t('schedules.description')}
      actions={<Button component={Link} to="/campaigns/new">{t('campaigns.new')}</Button>}>
      {list.error && <ErrorNotice error={list.error} />}
      {list.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title={t('schedules.empty')}>{t('schedules.emptyHint')}</Empty>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped aria-label={t('schedules.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('schedules.name')}</Table.Th>
                <Table.Th>{t('schedules.rule')}</Table.Th>
                <Table.Th>{t('schedules.state')}</Table.Th>
                <Table.Th>{t('schedules.nextRun')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td><Anchor component={Link} to={`/campaigns/schedules/${s.id}`} size="sm">{s.name}</Anchor></Table.Td>
                  <Table.Td><Text size="sm">{cronText(s.cron, s.timezone)}</Text></Table.Td>
                  <Table.Td><ScheduleState s={s} /></Table.Td>
                  <Table.Td>{!s.paused && (s.next_run_times?.[0] ?? nextOf.get(s.id)) ? formatDateTime(fmt, s.next_run_times?.[0] ?? nextOf.get(s.id)) : '—'}</Table.Td>
                </Table.Tr>
              ))}
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

import { Anchor, Button, Group, List, Modal, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime } from '@/lib/format';
import { useSchedule, useScheduleAction } from '../api/schedules';
import { useCronText } from '../cron-hint';
import { ScheduleState } from './schedules';

/** ScheduleRoute is one recurring campaign: its next five runs, its recent runs, and pause, run now and delete. */
export function ScheduleRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const cronText = useCronText();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const one = useSchedule(id);
  const action = useScheduleAction(id);
  const [confirmDelete, setConfirmDelete] = useState(false);

  if (one.isPending) return <Loading />;
  if (one.error) return <ErrorNotice error={one.error} />;
  const s = one.data;
  const runs = s.recent_runs ?? [];

  return (
    <Page title={s.name} description={cronText(s.cron, s.timezone)}
      actions={
        <Group gap="xs">
          <Button variant="default" component={Link} to="/campaigns/schedules">{t('schedules.title')}</Button>
          {s.paused ? (
            <Button onClick={() => action.mutate('unpause')} loading={action.isPending && action.variables === 'unpause'}>{t('schedules.unpause')}</Button>
          ) : (
            <Button variant="default" onClick={() => action.mutate('pause')} loading={action.isPending && action.variables === 'pause'}>{t('schedules.pause')}</Button>
          )}
          <Button variant="default" onClick={() => action.mutate('trigger')} loading={action.isPending && action.variables === 'trigger'}>{t('schedules.runNow')}</Button>
          <Button color="red" variant="light" onClick={() => setConfirmDelete(true)}>{t('schedules.delete')}</Button>
        </Group>
      }>
      {action.error && <ErrorNotice error={action.error} />}
      {action.isSuccess && action.variables === 'trigger' && <Text size="sm" role="status">{t('schedules.triggered')}</Text>}
      <Group><ScheduleState s={s} />{s.sync.error && <Text size="sm" c="red">{s.sync.error}</Text>}</Group>
      <Paper withBorder p="md" component="section" aria-labelledby="next-runs">
        <Title order={2} size="h4" id="next-runs" mb="xs">{t('schedules.nextRuns')}</Title>
        {s.paused ? (
          <Text size="sm" c="dimmed">{t('schedules.pausedHint')}</Text>
        ) : (s.next_run_times ?? []).length === 0 ? (
          <Text size="sm" c="dimmed">{t('schedules.noNextRuns')}</Text>
        ) : (
          <List size="sm" aria-label={t('schedules.nextRuns')}>
            {(s.next_run_times ?? []).map((x) => <List.Item key={x}>{formatDateTime(fmt, x)}</List.Item>)}
          </List>
        )}
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="recent-runs">
        <Title order={2} size="h4" id="recent-runs" mb="xs">{t('schedules.recentRuns')}</Title>
        {runs.length === 0 ? (
          <Empty title={t('schedules.noRuns')} />
        ) : (
          <Table striped aria-label={t('schedules.recentRuns')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('schedules.scheduledFor')}</Table.Th>
                <Table.Th>{t('schedules.outcome')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {runs.map((r) => (
                <Table.Tr key={`${r.scheduled_for}-${r.created_at}`}>
                  <Table.Td>{formatDateTime(fmt, r.scheduled_for)}</Table.Td>
                  <Table.Td>
                    {r.campaign_id ? (
                      <Anchor component={Link} to={`/campaigns/${r.campaign_id}`} size="sm">{t('schedules.campaignLink', { id: r.campaign_id })}</Anchor>
                    ) : (
                      <Text size="sm">{t('schedules.skipped', { why: r.skipped ?? '' })}</Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Paper>
      <Modal opened={confirmDelete} onClose={() => setConfirmDelete(false)} title={t('schedules.deleteTitle')}>
        <Stack>
          <Text size="sm">{t('schedules.deleteBody', { name: s.name })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmDelete(false)}>{t('common.cancel')}</Button>
            <Button color="red" loading={action.isPending && action.variables === 'delete'}
              onClick={() => action.mutate('delete', { onSuccess: () => navigate('/campaigns/schedules') })}>
              {t('schedules.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Page>
  );
}

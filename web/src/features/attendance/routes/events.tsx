import { Anchor, Badge, Button, Pagination, Table } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useEvents } from '../api/attendance';

export const eventStatusColor: Record<string, string> = { upcoming: 'grape', running: 'green', ended: 'gray' };

export function EventsRoute() {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const events = useEvents(page);
  const items = events.data?.items ?? [];
  return (
    <Page title={t('events.title')} description={t('events.description')}
      actions={<Button component={Link} to="/events/new">{t('events.new')}</Button>}>
      {events.error && <ErrorNotice error={events.error} />}
      {events.isPending ? <Loading /> : items.length === 0 ? <Empty title={t('events.empty')}>{t('events.emptyHint')}</Empty> : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped aria-label={t('events.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('events.form.name')}</Table.Th>
                <Table.Th>{t('events.status')}</Table.Th>
                <Table.Th>{t('events.period')}</Table.Th>
                <Table.Th>{t('events.form.counting')}</Table.Th>
                <Table.Th>{t('events.form.reminder')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td><Anchor component={Link} to={`/events/${e.id}`} size="sm">{e.name}</Anchor></Table.Td>
                  <Table.Td><Badge variant="light" color={eventStatusColor[e.status]}>{t(`events.statuses.${e.status}`)}</Badge></Table.Td>
                  <Table.Td>{t('events.periodValue', { from: e.starts_on, to: e.ends_on, zone: e.timezone })}</Table.Td>
                  <Table.Td>{t(`events.counting.${e.counting}`)}</Table.Td>
                  <Table.Td>{e.reminder ? t('events.reminderAt', { time: e.reminder.time }) : t('events.noReminder')}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {events.data && events.data.total > 20 && (
        <Pagination total={Math.ceil(events.data.total / 20)} value={page} onChange={setPage}
          getControlProps={(c) => ({ 'aria-label': t(`common.page.${c}`) })}
          getItemProps={(p) => ({ 'aria-label': t('common.page.number', { page: p }) })} />
      )}
    </Page>
  );
}

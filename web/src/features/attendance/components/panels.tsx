import { Anchor, Badge, Group, Modal, Pagination, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime, formatNumber } from '@/lib/format';
import { useAlerts, useAttendance, useCalendar, useGrants, type GrantStatus } from '../api/attendance';

function Pager({ total, size, page, onPage }: { total: number; size: number; page: number; onPage: (p: number) => void }) {
  const { t } = useTranslation();
  if (total <= size) return null;
  return (
    <Pagination total={Math.ceil(total / size)} value={page} onChange={onPage}
      getControlProps={(c) => ({ 'aria-label': t(`common.page.${c}`) })}
      getItemProps={(p) => ({ 'aria-label': t('common.page.number', { page: p }) })} />
  );
}

/** GrantsPanel: who received which reward, and the wait list in order. */
export function GrantsPanel({ eventId }: { eventId: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [status, setStatus] = useState<GrantStatus | 'all'>('all');
  const [page, setPage] = useState(1);
  const grants = useGrants(eventId, status === 'all' ? null : status, page);
  const items = grants.data?.items ?? [];
  return (
    <Stack>
      <SegmentedControl aria-label={t('events.grants.filter')} w="fit-content" value={status}
        onChange={(v) => { setStatus(v as GrantStatus | 'all'); setPage(1); }}
        data={[
          { value: 'all', label: t('events.grants.all') },
          { value: 'granted', label: t('events.grants.granted') },
          { value: 'waitlisted', label: t('events.grants.waitlisted') },
        ]} />
      {grants.error && <ErrorNotice error={grants.error} />}
      {grants.isPending ? <Loading /> : items.length === 0 ? <Empty title={t('events.grants.empty')} /> : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped aria-label={t('events.grants.table')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('customers.name')}</Table.Th>
                <Table.Th>{t('customers.phone')}</Table.Th>
                <Table.Th>{t('events.grants.tier')}</Table.Th>
                <Table.Th>{t('events.grants.status')}</Table.Th>
                <Table.Th>{t('events.grants.reachedAt')}</Table.Th>
                <Table.Th>{t('events.grants.grantedAt')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((g) => (
                <Table.Tr key={g.id}>
                  <Table.Td>{g.customer_name}</Table.Td>
                  <Table.Td>{g.customer_phone}</Table.Td>
                  <Table.Td>{t('events.grants.tierName', { name: g.tier_name, days: g.tier_days })}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={g.status === 'granted' ? 'green' : 'orange'}>
                      {g.status === 'granted' ? t('events.grants.granted') : t('events.grants.position', { n: g.waitlist_position ?? 0 })}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{formatDateTime(fmt, g.reached_at)}</Table.Td>
                  <Table.Td>{formatDateTime(fmt, g.granted_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {grants.data && <Pager total={grants.data.total} size={50} page={page} onPage={setPage} />}
    </Stack>
  );
}

const deliveryColor: Record<string, string> = { sent: 'green', failed: 'red', pending: 'yellow' };

/** AlertsPanel: the low-stock alerts raised, and how each channel fared. */
export function AlertsPanel({ eventId }: { eventId: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const alerts = useAlerts(eventId);
  const items = alerts.data?.items ?? [];
  const delivery = (status: string, error?: string) =>
    status === '' ? <Text size="sm" c="dimmed">{t('events.alerts.none')}</Text> : (
      <Stack gap={2}>
        <Badge variant="light" color={deliveryColor[status] ?? 'gray'} w="fit-content">{t(`events.alerts.status.${status}`)}</Badge>
        {error && <Text size="xs" c="red.9">{error}</Text>}
      </Stack>
    );
  return (
    <Stack>
      {alerts.error && <ErrorNotice error={alerts.error} />}
      {alerts.isPending ? <Loading /> : items.length === 0 ? <Empty title={t('events.alerts.empty')}>{t('events.alerts.emptyHint')}</Empty> : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped aria-label={t('events.alerts.table')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('events.alerts.when')}</Table.Th>
                <Table.Th>{t('events.grants.tier')}</Table.Th>
                <Table.Th ta="right">{t('events.alerts.stock')}</Table.Th>
                <Table.Th>{t('events.alerts.email')}</Table.Th>
                <Table.Th>{t('events.alerts.webhook')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>{formatDateTime(fmt, a.created_at)}</Table.Td>
                  <Table.Td>{a.tier_name}</Table.Td>
                  <Table.Td ta="right">{t('events.alerts.stockValue', { stock: a.stock, threshold: a.threshold })}</Table.Td>
                  <Table.Td>{delivery(a.email_status, a.email_error)}</Table.Td>
                  <Table.Td>{delivery(a.webhook_status, a.webhook_error)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function Calendar({ eventId, customer, name }: { eventId: number; customer: number; name: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [days, setDays] = useState(30);
  const cal = useCalendar(eventId, customer, days);
  if (cal.error) return <ErrorNotice error={cal.error} />;
  if (!cal.data) return <Loading />;
  const a = cal.data;
  const dayFmt = new Intl.DateTimeFormat(fmt.locale, { month: 'numeric', day: 'numeric', weekday: 'short', timeZone: 'UTC' });
  const first = a.calendar[0] ? new Date(`${a.calendar[0].day}T00:00:00Z`).getUTCDay() : 0;
  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm">
          {t('events.attendance.standing', { count: a.day_count, total: a.total_days, streak: a.streak_days })}
        </Text>
        <SegmentedControl aria-label={t('events.attendance.range')} value={String(days)} onChange={(v) => setDays(Number(v))}
          data={[7, 30, 90].map((n) => ({ value: String(n), label: t('events.attendance.lastDays', { count: n }) }))} />
      </Group>
      <Text size="sm">
        {a.current_reward ? t('events.attendance.current', { name: a.current_reward.name }) : t('events.attendance.noReward')}
        {a.next_reward ? ` · ${t('events.attendance.next', { name: a.next_reward.name, n: a.next_reward.days_until })}` : ''}
      </Text>
      <ol className="calendar" aria-label={t('events.attendance.calendarOf', { name, count: days })}>
        {Array.from({ length: first }, (_, i) => <li key={`pad${i}`} aria-hidden="true" />)}
        {a.calendar.map((d) => {
          const label = dayFmt.format(new Date(`${d.day}T00:00:00Z`));
          return (
            <li key={d.day} className={d.checked_in ? 'calendar-day calendar-day-in' : 'calendar-day'}
              aria-label={`${label} ${d.checked_in ? t('events.attendance.in') : t('events.attendance.out')}`}>
              <Text size="xs">{label}</Text>
              {d.checked_in && <Text size="xs" fw={700} aria-hidden="true">✓ {t('events.attendance.in')}</Text>}
            </li>
          );
        })}
      </ol>
    </Stack>
  );
}

/** AttendancePanel: attendance per customer, each opening its calendar. */
export function AttendancePanel({ eventId }: { eventId: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<{ id: number; name: string } | null>(null);
  const rows = useAttendance(eventId, page);
  const items = rows.data?.items ?? [];
  return (
    <Stack>
      {rows.error && <ErrorNotice error={rows.error} />}
      {rows.isPending ? <Loading /> : items.length === 0 ? <Empty title={t('events.attendance.empty')}>{t('events.attendance.emptyHint')}</Empty> : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped aria-label={t('events.attendance.table')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('customers.name')}</Table.Th>
                <Table.Th>{t('customers.phone')}</Table.Th>
                <Table.Th ta="right">{t('events.attendance.dayCount')}</Table.Th>
                <Table.Th ta="right">{t('events.attendance.total')}</Table.Th>
                <Table.Th ta="right">{t('events.attendance.streak')}</Table.Th>
                <Table.Th>{t('events.attendance.last')}</Table.Th>
                <Table.Th ta="right">{t('events.grants.granted')}</Table.Th>
                <Table.Th ta="right">{t('events.grants.waitlisted')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((r) => (
                <Table.Tr key={r.customer_id}>
                  <Table.Td>
                    <Anchor component="button" type="button" size="sm" onClick={() => setOpen({ id: r.customer_id, name: r.customer_name })}
                      aria-label={t('events.attendance.openCalendar', { name: r.customer_name })}>
                      {r.customer_name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{r.customer_phone}</Table.Td>
                  <Table.Td ta="right">{formatNumber(fmt, r.day_count)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(fmt, r.total_days)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(fmt, r.streak_days)}</Table.Td>
                  <Table.Td>{r.last_day}</Table.Td>
                  <Table.Td ta="right">{formatNumber(fmt, r.granted)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(fmt, r.waitlisted)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {rows.data && <Pager total={rows.data.total} size={50} page={page} onPage={setPage} />}
      <Modal opened={open !== null} onClose={() => setOpen(null)} size="lg" title={open ? t('events.attendance.calendarTitle', { name: open.name }) : ''}>
        {open && <Calendar eventId={eventId} customer={open.id} name={open.name} />}
      </Modal>
    </Stack>
  );
}

import { Badge, Button, Group, List, Modal, Stack, Tabs, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { ErrorNotice, Loading } from '@/components/states';
import { useDeleteEvent, useEvent } from '../api/attendance';
import { EventForm } from '../components/event-form';
import { AlertsPanel, AttendancePanel, GrantsPanel } from '../components/panels';
import { TiersPanel } from '../components/tiers';
import { eventStatusColor } from './events';

const tabs = ['tiers', 'grants', 'alerts', 'attendance', 'settings'] as const;

export function EventRoute() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const tab = (tabs as readonly string[]).includes(params.get('tab') ?? '') ? params.get('tab')! : 'tiers';
  const event = useEvent(id);
  const del = useDeleteEvent();
  const [deleting, setDeleting] = useState(false);

  if (event.isPending) return <Loading />;
  if (event.error) return <ErrorNotice error={event.error} />;
  const e = event.data;
  return (
    <Page title={e.name} description={t('events.periodValue', { from: e.starts_on, to: e.ends_on, zone: e.timezone })}
      actions={
        <>
          <Badge variant="light" color={eventStatusColor[e.status]}>{t(`events.statuses.${e.status}`)}</Badge>
          <Button component={Link} to="/events" variant="subtle">{t('events.back')}</Button>
        </>
      }>
      <List size="sm" spacing={2}>
        <List.Item>{t('events.summary.counting', { counting: t(`events.counting.${e.counting}`) })}</List.Item>
        <List.Item>{e.reminder ? t('events.reminderAt', { time: e.reminder.time }) : t('events.noReminder')}</List.Item>
        <List.Item>{e.alert.emails.length || e.alert.webhook_url ? t('events.summary.alerts', { to: [...e.alert.emails, e.alert.webhook_url].filter(Boolean).join(', ') }) : t('events.summary.noAlerts')}</List.Item>
      </List>
      <Tabs value={tab} onChange={(v) => setParams(v && v !== 'tiers' ? { tab: v } : {}, { replace: true })} keepMounted={false}>
        <Tabs.List aria-label={t('events.tabs.label')}>
          {tabs.map((x) => <Tabs.Tab key={x} value={x}>{t(`events.tabs.${x}`)}</Tabs.Tab>)}
        </Tabs.List>
        <Tabs.Panel value="tiers" pt="md"><TiersPanel eventId={id} /></Tabs.Panel>
        <Tabs.Panel value="grants" pt="md"><GrantsPanel eventId={id} /></Tabs.Panel>
        <Tabs.Panel value="alerts" pt="md"><AlertsPanel eventId={id} /></Tabs.Panel>
        <Tabs.Panel value="attendance" pt="md"><AttendancePanel eventId={id} /></Tabs.Panel>
        <Tabs.Panel value="settings" pt="md">
          <Stack>
            <EventForm event={e} today={e.today} onSaved={() => setParams({}, { replace: true })} />
            <Group><Button color="red" variant="light" onClick={() => setDeleting(true)}>{t('events.delete')}</Button></Group>
          </Stack>
        </Tabs.Panel>
      </Tabs>
      <Modal opened={deleting} onClose={() => setDeleting(false)} title={t('events.deleteTitle')}>
        <Stack>
          <Text size="sm">{t('events.deleteConfirm', { name: e.name })}</Text>
          {del.error && <ErrorNotice error={del.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(false)}>{t('common.cancel')}</Button>
            <Button color="red" loading={del.isPending} onClick={() => del.mutate(id, { onSuccess: () => navigate('/events') })}>{t('common.delete')}</Button>
          </Group>
        </Stack>
      </Modal>
    </Page>
  );
}

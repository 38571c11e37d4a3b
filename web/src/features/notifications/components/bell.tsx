import { ActionIcon, Anchor, Badge, Button, Drawer, Group, Indicator, Stack, Text, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime } from '@/lib/format';
import { useMarkRead, useNotifications, useUnreadCount } from '../api/notifications';
import './bell.css';

const severityColor = { info: 'blue', warning: 'orange', error: 'red' } as const;

function BellIcon() {
  return (
    <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
      <path d="M13.73 21a2 2 0 0 1-3.46 0" />
    </svg>
  );
}

/** NotificationBell is the header's bell: the unread count, live from the
 * event stream, and a drawer with the notifications, each linking to its subject. */
export function NotificationBell() {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const unread = useUnreadCount();
  const count = unread.data ?? 0;
  return (
    <>
      <Indicator label={count > 99 ? '99+' : count} size={18} disabled={count === 0} color="red" offset={4}>
        <ActionIcon variant="default" size="lg" onClick={() => setOpened(true)}
          aria-label={count > 0 ? t('notifications.bellUnread', { count }) : t('notifications.bell')}>
          <BellIcon />
        </ActionIcon>
      </Indicator>
      <Drawer opened={opened} onClose={() => setOpened(false)} position="right" title={t('notifications.title')} size="md">
        {opened && <NotificationList onFollow={() => setOpened(false)} />}
      </Drawer>
    </>
  );
}

function NotificationList({ onFollow }: { onFollow: () => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const list = useNotifications(true);
  const read = useMarkRead();
  const unread = useUnreadCount();
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  function follow(n: Schemas['Notification']) {
    if (!n.read) read.mutate({ ids: [n.id] });
    onFollow();
    if (n.link) navigate(n.link);
  }

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">{t('notifications.unreadCount', { count: unread.data ?? 0 })}</Text>
        <Button size="xs" variant="default" disabled={(unread.data ?? 0) === 0} loading={read.isPending}
          onClick={() => read.mutate({ all: true })}>
          {t('notifications.readAll')}
        </Button>
      </Group>
      {list.error && <ErrorNotice error={list.error} />}
      {list.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title={t('notifications.empty')}>{t('notifications.emptyHint')}</Empty>
      ) : (
        <ul className="notification-list" aria-label={t('notifications.title')}>
          {items.map((n) => (
            <li key={n.id} className={n.read ? 'notification' : 'notification notification-unread'}>
              <UnstyledButton onClick={() => follow(n)} className="notification-button">
                <Group gap={6} wrap="nowrap" align="flex-start">
                  <Badge size="xs" variant="light" color={severityColor[n.severity]}>{t(`notifications.severity.${n.severity}`)}</Badge>
                  {!n.read && <Badge size="xs" color="red">{t('notifications.new')}</Badge>}
                </Group>
                <Text size="sm" fw={n.read ? 500 : 700} mt={4}>{n.title}</Text>
                <Text size="xs">{n.body}</Text>
                <Text size="xs" c="dimmed">{formatDateTime(fmt, n.created_at)}</Text>
              </UnstyledButton>
            </li>
          ))}
        </ul>
      )}
      {list.hasNextPage && (
        <Anchor component="button" type="button" size="sm" onClick={() => void list.fetchNextPage()}>
          {t('notifications.more')}
        </Anchor>
      )}
    </Stack>
  );
}

import { Anchor, Badge, Button, Group, Modal, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime, formatNumber, formatPercent, formatPhone } from '@/lib/format';
import { exportURL, useMessages, useResults, type MessageFilter, type MessageStatus } from '../api/campaigns';

type Message = Schemas['Message'];
const statuses: MessageStatus[] = ['pending', 'sending', 'sent', 'delivered', 'failed', 'unknown'];
const statusColor: Record<string, string> = { delivered: 'green', failed: 'red', sent: 'blue', unknown: 'gray', pending: 'gray', sending: 'blue' };

/** GroupResults is the outcome overall and per group. */
export function GroupResults({ id }: { id: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const results = useResults(id, true);
  if (results.error) return <ErrorNotice error={results.error} />;
  if (!results.data) return <Loading />;
  const n = (v: number) => formatNumber(fmt, v);
  const rows = [...results.data.groups, { ...results.data.total, group_name: t('campaigns.results.total'), group_id: 0 }];
  return (
    <Paper withBorder p="md" component="section" aria-label={t('campaigns.results.title')}>
      <Title order={2} size="h4" mb="sm">{t('campaigns.results.title')}</Title>
      <Table.ScrollContainer minWidth={640}>
        <Table striped aria-label={t('campaigns.results.byGroup')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('campaigns.results.group')}</Table.Th>
              <Table.Th ta="right">{t('campaigns.counts.total')}</Table.Th>
              <Table.Th ta="right">{t('campaigns.counts.delivered')}</Table.Th>
              <Table.Th ta="right">{t('campaigns.counts.failed')}</Table.Th>
              <Table.Th ta="right">{t('campaigns.counts.unknown')}</Table.Th>
              <Table.Th ta="right">{t('campaigns.results.clicked')}</Table.Th>
              <Table.Th ta="right">{t('campaigns.results.clickRate')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((g) => (
              <Table.Tr key={g.group_id ?? 0} fw={g.group_id === 0 ? 700 : undefined}>
                <Table.Th scope="row" fw={g.group_id === 0 ? 700 : 400}>{g.group_name}</Table.Th>
                <Table.Td ta="right">{n(g.total)}</Table.Td>
                <Table.Td ta="right">{n(g.delivered)}</Table.Td>
                <Table.Td ta="right">{n(g.failed)}</Table.Td>
                <Table.Td ta="right">{n(g.unknown)}</Table.Td>
                <Table.Td ta="right">{n(g.clicked)}</Table.Td>
                <Table.Td ta="right">{formatPercent(fmt, g.click_rate)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {results.data.relays.length > 0 && (
        <Table.ScrollContainer minWidth={560} mt="md">
          <Table striped aria-label={t('campaigns.results.byRelay')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('campaigns.progress.relay')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.progress.handed')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.counts.delivered')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.counts.failed')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.counts.unknown')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.counts.fallback')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.progress.share')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {results.data.relays.map((r) => (
                <Table.Tr key={r.relay_id}>
                  <Table.Th scope="row" fw={400}>{r.relay_name || `#${r.relay_id}`}</Table.Th>
                  <Table.Td ta="right">{n(r.total)}</Table.Td>
                  <Table.Td ta="right">{n(r.delivered)}</Table.Td>
                  <Table.Td ta="right">{n(r.failed)}</Table.Td>
                  <Table.Td ta="right">{n(r.unknown)}</Table.Td>
                  <Table.Td ta="right">{n(r.fallback)}</Table.Td>
                  <Table.Td ta="right">{formatPercent(fmt, r.total / Math.max(1, results.data.relays.reduce((a, x) => a + x.total, 0)))}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

/** MessageTable pages the messages by key (next_cursor), filtered by status,
 * group and phone; a row opens the exact content, fallback and links. */
export function MessageTable({ id, groups }: { id: number; groups: { id: number; name: string }[] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [status, setStatus] = useState<MessageStatus | null>(null);
  const [groupId, setGroupId] = useState<number | null>(null);
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q, 300);
  // The cursors of the pages walked so far: the last is this page's.
  const [cursors, setCursors] = useState<string[]>(['']);
  const [open, setOpen] = useState<Message | null>(null);
  const filter: MessageFilter = { status, groupId, q: debounced };
  const cursor = cursors[cursors.length - 1];
  const list = useMessages(id, filter, cursor, true);
  const reset = () => setCursors(['']);
  const items = list.data?.items ?? [];
  const groupName = (g: number) => groups.find((x) => x.id === g)?.name ?? '';

  return (
    <Paper withBorder p="md" component="section" aria-label={t('campaigns.messages.title')}>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">{t('campaigns.messages.title')}</Title>
        <Group gap="xs">
          <Button component="a" href={exportURL(id, 'xlsx', filter)} variant="default" size="xs" download>{t('campaigns.messages.exportXlsx')}</Button>
          <Button component="a" href={exportURL(id, 'csv', filter)} variant="default" size="xs" download>{t('campaigns.messages.exportCsv')}</Button>
        </Group>
      </Group>
      <Group align="flex-end" mb="sm">
        <Select label={t('campaigns.messages.status')} placeholder={t('campaigns.messages.allStatuses')} clearable w={180}
          data={statuses.map((s) => ({ value: s, label: t(`campaigns.messageStatus.${s}`) }))}
          value={status} onChange={(v) => { setStatus(v as MessageStatus | null); reset(); }} />
        <Select label={t('campaigns.messages.group')} placeholder={t('campaigns.messages.allGroups')} clearable w={200}
          data={groups.map((g) => ({ value: String(g.id), label: g.name }))}
          value={groupId ? String(groupId) : null} onChange={(v) => { setGroupId(v ? Number(v) : null); reset(); }} />
        <TextInput label={t('campaigns.messages.phone')} type="search" value={q} w={220}
          onChange={(e) => { setQ(e.currentTarget.value); reset(); }} />
      </Group>
      {list.error && <ErrorNotice error={list.error} />}
      {list.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title={t('campaigns.messages.empty')} />
      ) : (
        <Table.ScrollContainer minWidth={820}>
          <Table striped highlightOnHover aria-label={t('campaigns.messages.table')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('customers.name')}</Table.Th>
                <Table.Th>{t('customers.phone')}</Table.Th>
                <Table.Th>{t('campaigns.messages.group')}</Table.Th>
                <Table.Th>{t('campaigns.messages.relay')}</Table.Th>
                <Table.Th>{t('campaigns.messages.status')}</Table.Th>
                <Table.Th>{t('campaigns.messages.sentAt')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.messages.clicks')}</Table.Th>
                <Table.Th>{t('campaigns.messages.content')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((m) => (
                <Table.Tr key={m.id}>
                  <Table.Td>{m.name}</Table.Td>
                  <Table.Td>{formatPhone(m.phone)}</Table.Td>
                  <Table.Td>{groupName(m.group_id)}</Table.Td>
                  <Table.Td>{m.relay?.name ?? '—'}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <Badge variant="light" color={statusColor[m.status]}>{t(`campaigns.messageStatus.${m.status}`)}</Badge>
                      {m.fallback && <Badge variant="outline" size="xs">{t('campaigns.messages.fallback')}</Badge>}
                    </Group>
                  </Table.Td>
                  <Table.Td>{formatDateTime(fmt, m.sent_at ?? undefined)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(fmt, m.clicks)}</Table.Td>
                  <Table.Td>
                    <Anchor component="button" type="button" size="sm" onClick={() => setOpen(m)}
                      aria-label={t('campaigns.messages.openNamed', { name: m.name })}>
                      {t('campaigns.messages.open')}
                    </Anchor>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group justify="space-between" mt="sm">
        <Text size="sm">{list.data ? t('campaigns.messages.count', { n: formatNumber(fmt, list.data.total) }) : ''}</Text>
        <Group gap="xs">
          <Button size="xs" variant="default" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            {t('campaigns.messages.prev')}
          </Button>
          <Button size="xs" variant="default" disabled={!list.data?.next_cursor}
            onClick={() => list.data?.next_cursor && setCursors([...cursors, list.data.next_cursor])}>
            {t('campaigns.messages.next')}
          </Button>
        </Group>
      </Group>
      <Modal opened={open !== null} onClose={() => setOpen(null)} title={open ? t('campaigns.messages.detail', { name: open.name }) : ''} size="lg">
        {open && <MessageDetail m={open} />}
      </Modal>
    </Paper>
  );
}

function MessageDetail({ m }: { m: Message }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <Stack gap="sm">
      <Text size="sm">{formatPhone(m.phone)} · {t(`templates.channels.${m.sent_channel || m.channel}`, { defaultValue: m.sent_channel || m.channel })} · {m.relay?.name ?? '—'}</Text>
      <Badge variant="light" color={statusColor[m.status]} w="fit-content">{t(`campaigns.messageStatus.${m.status}`)}</Badge>
      {m.reason && <Text size="sm" c="red.9">{m.code}: {m.reason}</Text>}
      <Paper withBorder p="sm" component="section" aria-label={t('campaigns.messages.sentContent')}>
        <Text size="xs" c="dimmed">{t('campaigns.messages.sentContent')}</Text>
        {m.subject && <Text size="sm" fw={600}>{m.subject}</Text>}
        <Text size="sm" className="pre-wrap">{m.content}</Text>
      </Paper>
      {m.fallback_content && (
        <Paper withBorder p="sm" component="section" aria-label={t('campaigns.messages.fallbackContent')}>
          <Text size="xs" c="dimmed">{t('campaigns.messages.fallbackContent')}</Text>
          <Text size="sm" className="pre-wrap">{m.fallback_content}</Text>
        </Paper>
      )}
      <Text size="sm">{t('campaigns.messages.times', { sent: formatDateTime(fmt, m.sent_at ?? undefined) || '—', result: formatDateTime(fmt, m.result_at ?? undefined) || '—' })}</Text>
      {m.links.length > 0 && (
        <Table aria-label={t('campaigns.messages.links')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('campaigns.messages.link')}</Table.Th>
              <Table.Th>{t('campaigns.messages.trackingLink')}</Table.Th>
              <Table.Th ta="right">{t('campaigns.messages.clicks')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {m.links.map((l) => (
              <Table.Tr key={l.tracking_url}>
                <Table.Td className="pre-wrap">{l.url}</Table.Td>
                <Table.Td><Text size="sm" className="pre-wrap">{l.tracking_url}</Text></Table.Td>
                <Table.Td ta="right">{formatNumber(fmt, l.clicks)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

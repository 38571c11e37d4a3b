import { Button, Code, Group, NativeSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime } from '@/lib/format';
import { auditActions, useAudit, type AuditFilter } from '../api/audit';
import { useRole } from '../api/members';

const none: AuditFilter = { actor: '', subject: '', action: '' };

export function AuditRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { role, can } = useRole();
  const [draft, setDraft] = useState<AuditFilter>(none);
  const [filter, setFilter] = useState<AuditFilter>(none);
  // The cursors of the pages walked so far: the last is this page's, so "newer" pops it.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const audit = useAudit(filter, cursor);

  if (role && !can('admin')) return <Page title={t('audit.title')}><ErrorNotice error={t('audit.adminOnly')} /></Page>;

  const apply = (e: React.FormEvent) => {
    e.preventDefault();
    setFilter({ actor: draft.actor.trim(), subject: draft.subject.trim(), action: draft.action });
    setCursors([null]);
  };

  return (
    <Page title={t('audit.title')} description={t('audit.description')}>
      <Stack>
        <form onSubmit={apply} aria-label={t('audit.filters')}>
          <Group align="flex-end">
            <TextInput label={t('audit.actor')} placeholder="user:1" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.currentTarget.value })} />
            <TextInput label={t('audit.subject')} placeholder="relay:5" value={draft.subject} onChange={(e) => setDraft({ ...draft, subject: e.currentTarget.value })} />
            <NativeSelect label={t('audit.action')} value={draft.action}
              data={[{ value: '', label: t('audit.anyAction') }, ...auditActions.map((a) => ({ value: a, label: a }))]}
              onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value })} />
            <Button type="submit">{t('audit.apply')}</Button>
          </Group>
        </form>
        {audit.isPending ? (
          <Loading />
        ) : audit.error ? (
          <ErrorNotice error={audit.error} />
        ) : audit.data.items.length === 0 ? (
          <Empty title={t('audit.empty')} />
        ) : (
          <Table aria-label={t('audit.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('audit.at')}</Table.Th>
                <Table.Th>{t('audit.actor')}</Table.Th>
                <Table.Th>{t('audit.action')}</Table.Th>
                <Table.Th>{t('audit.subject')}</Table.Th>
                <Table.Th>{t('audit.change')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {audit.data.items.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>{formatDateTime(fmt, e.at)}</Table.Td>
                  <Table.Td>{e.actor.kind === 'system' ? t('audit.system') : `${e.actor.name} (${e.actor.kind}:${e.actor.id})`}</Table.Td>
                  <Table.Td><Code>{e.action}</Code></Table.Td>
                  <Table.Td>{e.subject.type}:{e.subject.id}</Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
                      {e.before ? JSON.stringify(e.before) : ''}{e.before && e.after ? ' → ' : ''}{e.after ? JSON.stringify(e.after) : ''}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Group justify="flex-end">
          <Button variant="default" size="xs" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>{t('audit.newer')}</Button>
          <Button variant="default" size="xs" disabled={!audit.data?.next_cursor}
            onClick={() => audit.data?.next_cursor && setCursors([...cursors, audit.data.next_cursor])}>{t('audit.older')}</Button>
        </Group>
      </Stack>
    </Page>
  );
}

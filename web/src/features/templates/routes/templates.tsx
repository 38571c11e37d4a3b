import { Anchor, Badge, Button, Group, Modal, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime } from '@/lib/format';
import { useDeleteTemplate, useTemplates } from '../api/templates';
import { ProviderStatusBadge } from '@/components/provider-status';

export function TemplatesRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const list = useTemplates();
  const del = useDeleteTemplate();
  const [deleting, setDeleting] = useState<Schemas['Template'] | null>(null);
  const items = list.data?.items ?? [];
  return (
    <Page title={t('templates.title')} description={t('templates.description')}
      actions={<Button component={Link} to="/templates/new">{t('templates.new')}</Button>}>
      {list.error && <ErrorNotice error={list.error} />}
      {list.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title={t('templates.empty')}>{t('templates.emptyHint')}</Empty>
      ) : (
        <Table striped highlightOnHover aria-label={t('templates.title')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('templates.name')}</Table.Th>
              <Table.Th>{t('templates.channel')}</Table.Th>
              <Table.Th>{t('templates.variablesCol')}</Table.Th>
              <Table.Th>{t('templates.updated')}</Table.Th>
              <Table.Th><VisuallyHidden>{t('common.actions')}</VisuallyHidden></Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((tpl) => (
              <Table.Tr key={tpl.id}>
                <Table.Td>
                  <Group gap={6}>
                    <Anchor component={Link} to={`/templates/${tpl.id}`} size="sm">{tpl.name}</Anchor>
                    {tpl.advertisement && <Badge size="xs" color="orange">{t('templates.ad')}</Badge>}
                    <ProviderStatusBadge status={tpl.provider_status} />
                  </Group>
                </Table.Td>
                <Table.Td><Badge variant="light">{t(`templates.channels.${tpl.channel}`)}</Badge></Table.Td>
                <Table.Td><Text size="xs">{(tpl.variables ?? []).map((x) => `#{${x}}`).join(' ')}</Text></Table.Td>
                <Table.Td>{formatDateTime(fmt, tpl.updated_at)}</Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" color="red" onClick={() => { del.reset(); setDeleting(tpl); }}
                    aria-label={t('templates.deleteNamed', { name: tpl.name })}>
                    {t('common.delete')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('templates.deleteTitle')}>
        <Stack>
          <Text size="sm">{t('templates.deleteConfirm', { name: deleting?.name })}</Text>
          {del.error && <ErrorNotice error={del.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>{t('common.cancel')}</Button>
            <Button color="red" loading={del.isPending} onClick={() => deleting && del.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}>
              {t('common.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Page>
  );
}

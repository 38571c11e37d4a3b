import { Anchor, Badge, Button, Checkbox, Group, Modal, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { applyFieldErrors } from '@/lib/forms';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatNumber } from '@/lib/format';
import { useCreateGroup, useDeleteGroup, useGroups, useRenameGroup } from '../api/groups';
import { GroupNameForm } from '../components/group-name-form';

type G = Schemas['Group'];

export function GroupsRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const groups = useGroups();
  const create = useCreateGroup();
  const rename = useRenameGroup();
  const del = useDeleteGroup();
  const [selected, setSelected] = useState<number[]>([]);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<G | null>(null);
  const [deleting, setDeleting] = useState<G | null>(null);

  const items = groups.data?.items ?? [];
  return (
    <Page
      title={t('groups.title')}
      description={t('groups.description')}
      actions={
        <>
          <Button
            variant="light"
            disabled={selected.length === 0}
            onClick={() => navigate(`/campaigns/new?groups=${selected.join(',')}`)}
          >
            {t('groups.sendCampaign', { count: selected.length })}
          </Button>
          <Button onClick={() => { create.reset(); setCreating(true); }}>{t('groups.new')}</Button>
        </>
      }
    >
      {groups.error && <ErrorNotice error={groups.error} />}
      {groups.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title={t('groups.empty')} />
      ) : (
        <Table striped highlightOnHover aria-label={t('groups.title')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={40}><VisuallyHidden>{t('common.select')}</VisuallyHidden></Table.Th>
              <Table.Th>{t('groups.name')}</Table.Th>
              <Table.Th ta="right">{t('groups.members')}</Table.Th>
              <Table.Th><VisuallyHidden>{t('common.actions')}</VisuallyHidden></Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((g) => (
              <Table.Tr key={g.id}>
                <Table.Td>
                  <Checkbox
                    aria-label={t('groups.select', { name: g.name })}
                    checked={selected.includes(g.id)}
                    onChange={() => setSelected((s) => (s.includes(g.id) ? s.filter((x) => x !== g.id) : [...s, g.id]))}
                  />
                </Table.Td>
                <Table.Td>
                  <Group gap={6}>
                    <Anchor component={Link} to={`/customers?group=${g.id}`} size="sm">{g.name}</Anchor>
                    {g.is_default && <Badge size="xs" color="gray" title={t('groups.defaultHint')}>{t('groups.default')}</Badge>}
                  </Group>
                </Table.Td>
                <Table.Td ta="right" aria-label={t('groups.memberCount', { name: g.name })}>{formatNumber(fmt, g.customer_count)}</Table.Td>
                <Table.Td>
                  {g.is_default ? (
                    <Text size="xs" c="dimmed">{t('groups.protected')}</Text>
                  ) : (
                    <Group gap={4} wrap="nowrap">
                      <Button size="compact-xs" variant="subtle" onClick={() => { rename.reset(); setRenaming(g); }} aria-label={t('groups.renameNamed', { name: g.name })}>
                        {t('groups.rename')}
                      </Button>
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => { del.reset(); setDeleting(g); }} aria-label={t('groups.deleteNamed', { name: g.name })}>
                        {t('common.delete')}
                      </Button>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {creating && (
        <GroupNameForm
          title={t('groups.new')}
          initial=""
          pending={create.isPending}
          error={create.error}
          onClose={() => setCreating(false)}
          onSubmit={(name, setErrors) =>
            create.mutate(name, {
              onSuccess: (g) => {
                setCreating(false);
                notifications.show({
                  message: g.name === name.trim() ? t('groups.created', { name: g.name }) : t('groups.createdRenamed', { name: g.name, asked: name.trim() }),
                });
              },
              onError: (err) => applyFieldErrors(err, setErrors, ['name']),
            })
          }
        />
      )}
      {renaming && (
        <GroupNameForm
          title={t('groups.renameTitle', { name: renaming.name })}
          initial={renaming.name}
          pending={rename.isPending}
          error={rename.error}
          onClose={() => setRenaming(null)}
          onSubmit={(name, setErrors) =>
            rename.mutate({ id: renaming.id, name }, { onSuccess: () => setRenaming(null), onError: (err) => applyFieldErrors(err, setErrors, ['name']) })
          }
        />
      )}
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('groups.deleteTitle', { name: deleting?.name })}>
        <Stack>
          <Text size="sm">{t('groups.deleteConsequence', { count: deleting?.customer_count ?? 0, n: formatNumber(fmt, deleting?.customer_count ?? 0) })}</Text>
          {del.error && <ErrorNotice error={del.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>{t('common.cancel')}</Button>
            <Button
              color="red"
              loading={del.isPending}
              onClick={() =>
                deleting &&
                del.mutate(deleting.id, {
                  onSuccess: (r) => {
                    setDeleting(null);
                    notifications.show({ message: t('groups.deleted', { moved: r.moved_to_default }) });
                  },
                })
              }
            >
              {t('common.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Page>
  );
}

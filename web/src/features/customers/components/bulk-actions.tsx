import { Button, Group, Modal, Select, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useGroupOptions } from '@/hooks/use-group-options';
import { ErrorNotice } from '@/components/states';
import { useMembers, type MemberAction } from '../api/customers';

/** BulkActions adds the selected customers to a group, or copies, moves or
 * removes them from the group the list is filtered by. */
export function BulkActions({ ids, fromGroup, onDone }: { ids: number[]; fromGroup: number | null; onDone: () => void }) {
  const { t } = useTranslation();
  const groups = useGroupOptions();
  const members = useMembers();
  const [action, setAction] = useState<MemberAction | null>(null);
  const [to, setTo] = useState<string | null>(null);

  const targets = (groups.data ?? []).filter((g) => g.id !== fromGroup).map((g) => ({ value: String(g.id), label: g.name }));
  const run = (a: MemberAction, target: number | null) =>
    members.mutate(
      { action: a, from: fromGroup, to: target, ids },
      {
        onSuccess: (r) => {
          notifications.show({ message: t('customers.bulkDone', { count: r.changed }) });
          setAction(null);
          setTo(null);
          onDone();
        },
      },
    );

  const none = ids.length === 0;
  const needsSource = fromGroup === null;
  return (
    <>
      <Group gap="xs" role="group" aria-label={t('customers.bulkLabel')}>
        <Text size="sm">{t('customers.selected', { count: ids.length })}</Text>
        <Button size="xs" variant="light" disabled={none} onClick={() => setAction('add')}>{t('customers.addTo')}</Button>
        <Button size="xs" variant="light" disabled={none || needsSource} onClick={() => setAction('copy')}>{t('customers.copyTo')}</Button>
        <Button size="xs" variant="light" disabled={none || needsSource} onClick={() => setAction('move')}>{t('customers.moveTo')}</Button>
        <Button size="xs" variant="light" color="red" disabled={none || needsSource} onClick={() => setAction('remove')}>
          {t('customers.removeFrom')}
        </Button>
      </Group>
      {needsSource && !none && <Text size="xs" c="dimmed">{t('customers.pickGroupHint')}</Text>}
      <Modal opened={action !== null} onClose={() => setAction(null)} title={action ? t(`customers.action.${action}`) : ''}>
        <Stack>
          {action === 'remove' ? (
            <Text size="sm">{t('customers.removeConfirm', { count: ids.length })}</Text>
          ) : (
            <Select label={t('customers.targetGroup')} data={targets} value={to} onChange={setTo} searchable required />
          )}
          {members.error && <ErrorNotice error={members.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setAction(null)}>{t('common.cancel')}</Button>
            <Button
              loading={members.isPending}
              disabled={action !== 'remove' && !to}
              color={action === 'remove' ? 'red' : undefined}
              onClick={() => action && run(action, to ? Number(to) : null)}
            >
              {action ? t(`customers.action.${action}`) : ''}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

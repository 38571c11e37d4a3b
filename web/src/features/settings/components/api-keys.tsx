import { Alert, Button, Code, CopyButton, Group, Modal, Paper, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { applyFieldErrors } from '@/lib/forms';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime } from '@/lib/format';
import { useAPIKeys, useCreateAPIKey, useRevokeAPIKey } from '../api/settings';

export function APIKeys() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const keys = useAPIKeys();
  const create = useCreateAPIKey();
  const revoke = useRevokeAPIKey();
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();
  const [revoking, setRevoking] = useState<Schemas['APIKey'] | null>(null);
  const created = create.data;

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    create.mutate(name, {
      onSuccess: () => { setName(''); setNameError(undefined); },
      onError: (err) => applyFieldErrors(err, (f) => setNameError(f.name), ['name']),
    });
  };

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="keys-heading">
      <Stack>
        <Text fw={600} id="keys-heading">{t('settings.apiKeys')}</Text>
        <Text size="sm" c="dimmed">{t('settings.apiKeysHint')}</Text>
        <form onSubmit={submit} noValidate>
          <Group align="flex-end">
            <TextInput label={t('settings.keyName')} value={name} onChange={(e) => setName(e.currentTarget.value)} error={nameError} required />
            <Button type="submit" loading={create.isPending}>{t('settings.createKey')}</Button>
          </Group>
        </form>
        {create.error && !nameError && <ErrorNotice error={create.error} />}
        {created && (
          <Alert color="green" title={t('settings.keyCreated', { name: created.name })} role="status">
            <Stack gap="xs">
              <Text size="sm">{t('settings.keyOnce')}</Text>
              <Code block aria-label={t('settings.newKey')}>{created.key}</Code>
              <Group>
                <CopyButton value={created.key}>
                  {({ copied, copy }) => (
                    <Button size="xs" variant="light" onClick={copy}>{copied ? t('settings.copied') : t('settings.copy')}</Button>
                  )}
                </CopyButton>
                <Button size="xs" variant="subtle" onClick={() => create.reset()}>{t('settings.keyDone')}</Button>
              </Group>
            </Stack>
          </Alert>
        )}
        {keys.isPending ? (
          <Loading />
        ) : (keys.data?.items.length ?? 0) === 0 ? (
          <Empty title={t('settings.noKeys')} />
        ) : (
          <Table aria-label={t('settings.apiKeys')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('settings.keyName')}</Table.Th>
                <Table.Th>{t('settings.keyPrefix')}</Table.Th>
                <Table.Th>{t('settings.keyCreatedAt')}</Table.Th>
                <Table.Th><VisuallyHidden>{t('common.actions')}</VisuallyHidden></Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.data!.items.map((k) => (
                <Table.Tr key={k.id}>
                  <Table.Td>{k.name}</Table.Td>
                  <Table.Td><Code>{k.prefix}…</Code></Table.Td>
                  <Table.Td>{formatDateTime(fmt, k.created_at)}</Table.Td>
                  <Table.Td>
                    <Button size="compact-xs" variant="subtle" color="red" onClick={() => { revoke.reset(); setRevoking(k); }}
                      aria-label={t('settings.revokeNamed', { name: k.name })}>
                      {t('settings.revoke')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      <Modal opened={revoking !== null} onClose={() => setRevoking(null)} title={t('settings.revokeTitle')}>
        <Stack>
          <Text size="sm">{t('settings.revokeConfirm', { name: revoking?.name })}</Text>
          {revoke.error && <ErrorNotice error={revoke.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(null)}>{t('common.cancel')}</Button>
            <Button color="red" loading={revoke.isPending} onClick={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}>
              {t('settings.revoke')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

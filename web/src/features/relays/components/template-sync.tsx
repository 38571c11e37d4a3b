import { Alert, Anchor, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { ErrorNotice } from '@/components/states';
import { ProviderStatusBadge } from '@/components/provider-status';
import { useSyncTemplates } from '../api/relays';

/** TemplateSync imports the AlimTalk templates an aligo-alimtalk relay's
 * provider lists, and shows what each became: created or updated, with its
 * inspection status (only approved ones can be sent). */
export function TemplateSync({ relay }: { relay: Schemas['Relay'] }) {
  const { t } = useTranslation();
  const sync = useSyncTemplates();
  const result = sync.data;
  const run = () =>
    sync.mutate(relay.id, {
      onSuccess: (r) => notifications.show({ message: t('relays.sync.done', { created: r.created, updated: r.updated }) }),
    });
  return (
    <Paper withBorder p="md" maw={900} component="section" aria-labelledby="template-sync-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="template-sync-title">{t('relays.sync.title')}</Title>
        <Text size="sm" c="dimmed">{t('relays.sync.hint')}</Text>
        <Group>
          <Button variant="light" loading={sync.isPending} onClick={run}>{t('relays.sync.run')}</Button>
        </Group>
        {sync.error && <ErrorNotice error={sync.error} />}
        {result && result.templates.length === 0 && <Text size="sm">{t('relays.sync.none')}</Text>}
        {result && result.templates.length > 0 && (
          <Table.ScrollContainer minWidth={560}>
            <Table striped aria-label={t('relays.sync.result')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('templates.name')}</Table.Th>
                  <Table.Th>{t('templates.providerCode')}</Table.Th>
                  <Table.Th>{t('relays.sync.status')}</Table.Th>
                  <Table.Th>{t('relays.sync.outcome')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.templates.map((tpl) => (
                  <Table.Tr key={tpl.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/templates/${tpl.id}`} size="sm">{tpl.name}</Anchor>
                      {(tpl.other_buttons ?? 0) > 0 && (
                        <Text size="xs" c="orange">{t('relays.sync.otherButtons', { count: tpl.other_buttons })}</Text>
                      )}
                    </Table.Td>
                    <Table.Td><Text size="sm" ff="monospace">{tpl.provider_template_code}</Text></Table.Td>
                    <Table.Td><ProviderStatusBadge status={tpl.provider_status} /></Table.Td>
                    <Table.Td><Text size="sm">{t(tpl.created ? 'relays.sync.created' : 'relays.sync.updated')}</Text></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {result && result.templates.some((tpl) => tpl.provider_status !== 'approved') && (
          <Alert color="yellow">{t('relays.sync.unapproved')}</Alert>
        )}
      </Stack>
    </Paper>
  );
}

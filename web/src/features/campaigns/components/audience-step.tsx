import { Alert, Checkbox, Group, Paper, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Loading } from '@/components/states';
import { useQuery } from '@tanstack/react-query';
import { groupOptionsQuery } from '@/hooks/use-group-options';
import { useFormat } from '@/hooks/use-session';
import { formatNumber } from '@/lib/format';
import { useAudience } from '../api/campaigns';
import { MissingTable } from './refusal';

/** AudienceSummary is who the groups come to after de-duplication and opt-outs. */
export function AudienceSummary({ groups, templateId }: { groups: number[]; templateId: number | null }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const audience = useAudience(groups, templateId);
  if (groups.length === 0) return <Text size="sm" c="dimmed">{t('campaigns.wizard.pickGroups')}</Text>;
  if (audience.error) return <ErrorNotice error={audience.error} />;
  if (!audience.data) return <Loading />;
  const a = audience.data;
  const n = (v: number) => formatNumber(fmt, v);
  return (
    <Paper withBorder p="md" component="section" aria-label={t('campaigns.wizard.audience')}>
      <Stack gap={4}>
        <Text fw={700} size="lg" role="status">{t('campaigns.wizard.recipients', { n: n(a.recipients) })}</Text>
        <Text size="sm">{t('campaigns.wizard.members', { n: n(a.group_members) })}</Text>
        <Text size="sm">{t('campaigns.wizard.duplicates', { n: n(a.duplicates) })}</Text>
        <Text size="sm">{t('campaigns.wizard.optedOut', { n: n(a.opted_out) })}</Text>
        {a.without_email > 0 && <Text size="sm">{t('campaigns.wizard.withoutEmail', { n: n(a.without_email) })}</Text>}
      </Stack>
      {a.missing_variables && (
        <Alert color="orange" mt="sm" title={t('campaigns.refusal.missingCount', { count: a.missing_variables.count })}>
          <Text size="sm" mb="xs">{t('campaigns.wizard.missingHint')}</Text>
          <MissingTable customers={a.missing_variables.customers} total={a.missing_variables.count} />
        </Alert>
      )}
    </Paper>
  );
}

export function AudienceStep({ groups, templateId, onChange }: { groups: number[]; templateId: number | null; onChange: (g: number[]) => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  // Fresh: groups may have changed in another tab since the list was cached.
  const options = useQuery({ ...groupOptionsQuery, refetchOnMount: 'always' });
  return (
    <Stack>
      {options.isPending ? (
        <Loading />
      ) : (
        <Checkbox.Group label={t('campaigns.wizard.groups')} value={groups.map(String)} onChange={(v) => onChange(v.map(Number))}>
          <Group mt="xs" gap="md">
            {(options.data ?? []).map((g) => (
              <Checkbox key={g.id} value={String(g.id)} label={`${g.name} (${formatNumber(fmt, g.customer_count)})`} />
            ))}
          </Group>
        </Checkbox.Group>
      )}
      <AudienceSummary groups={groups} templateId={templateId} />
    </Stack>
  );
}

import { Anchor, Button, Group, Paper, Progress, Radio, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/states';
import { useGroupOptions } from '@/hooks/use-group-options';
import { useFormat } from '@/hooks/use-session';
import { api, ApiError, unwrap } from '@/lib/api';
import { formatNumber } from '@/lib/format';
import { roots } from '@/lib/query-roots';

const outcomes = ['delivered', 'clicked', 'not_clicked', 'failed', 'unknown'] as const;
type Outcome = (typeof outcomes)[number];

/**
 * RetargetPanel makes a group from a finished campaign's recipients with one
 * outcome. The server runs it as a workflow; the panel asks for the job every
 * second until it is done and then shows how many were added.
 */
export function RetargetPanel({ campaignId }: { campaignId: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const qc = useQueryClient();
  const groups = useGroupOptions();
  const [outcome, setOutcome] = useState<Outcome>('delivered');
  const [target, setTarget] = useState<'new' | 'existing'>('new');
  const [name, setName] = useState('');
  const [groupId, setGroupId] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [jobId, setJobId] = useState<number | null>(null);

  const start = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/campaigns/{id}/audience', {
          params: { path: { id: campaignId } },
          body: target === 'new' ? { outcome, new_group_name: name.trim() } : { outcome, group_id: Number(groupId) },
        }),
      ),
    onSuccess: (job) => {
      setErrors({});
      setJobId(job.id);
    },
    onError: (err) => setErrors(err instanceof ApiError ? err.fieldErrors() : {}),
  });
  const job = useQuery({
    queryKey: [...roots.campaigns, 'audience-job', campaignId, jobId] as const,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/campaigns/{id}/audience/{audience_id}', { params: { path: { id: campaignId, audience_id: jobId! } } })),
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data?.status === 'running' || !q.state.data ? 1000 : false),
  });
  const j = job.data;
  const finished = j !== undefined && j.status !== 'running';
  useEffect(() => {
    // The group's member count changed: the groups pages ask again.
    if (finished) void qc.invalidateQueries({ queryKey: roots.groups });
  }, [finished, qc]);
  const groupName = (id: number) => groups.data?.find((g) => g.id === id)?.name ?? `#${id}`;
  const canStart = target === 'new' ? name.trim() !== '' : groupId !== null;

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="retarget-title">
      <Title order={2} size="h4" id="retarget-title" mb="xs">{t('retarget.title')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('retarget.description')}</Text>
      <Stack gap="sm">
        <Select label={t('retarget.outcome')} w={280} allowDeselect={false}
          data={outcomes.map((o) => ({ value: o, label: t(`retarget.outcomes.${o}`) }))}
          value={outcome} onChange={(v) => v && setOutcome(v as Outcome)} error={errors.outcome} />
        <Radio.Group label={t('retarget.target')} value={target} onChange={(v) => setTarget(v as 'new' | 'existing')}>
          <Group mt="xs"><Radio value="new" label={t('retarget.newGroup')} /><Radio value="existing" label={t('retarget.existingGroup')} /></Group>
        </Radio.Group>
        {target === 'new' ? (
          <TextInput label={t('retarget.groupName')} w={280} value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.new_group_name} />
        ) : (
          <Select label={t('retarget.group')} w={280} searchable data={(groups.data ?? []).map((g) => ({ value: String(g.id), label: g.name }))}
            value={groupId} onChange={setGroupId} error={errors.group_id} />
        )}
        <Group>
          <Button onClick={() => start.mutate()} loading={start.isPending || j?.status === 'running'} disabled={!canStart || start.isPending || j?.status === 'running'}>
            {t('retarget.start')}
          </Button>
        </Group>
        {start.error && Object.keys(errors).length === 0 && <ErrorNotice error={start.error} />}
        {job.error && <ErrorNotice error={job.error} />}
        {j && (
          <Stack gap={4} role="status" aria-live="polite">
            {j.status === 'running' ? (
              <>
                <Progress value={j.total > 0 ? (100 * j.processed) / j.total : 0} aria-label={t('retarget.progress')} />
                <Text size="sm">{t('retarget.running', { processed: formatNumber(fmt, j.processed), total: formatNumber(fmt, j.total) })}</Text>
              </>
            ) : j.status === 'completed' ? (
              <Text size="sm">
                {t('retarget.done', { added: formatNumber(fmt, j.added), matched: formatNumber(fmt, j.matched) })}{' '}
                <Anchor component={Link} to="/groups" size="sm">{groupName(j.group_id)}</Anchor>
              </Text>
            ) : (
              <Text size="sm" c="red">{t('retarget.failed', { error: j.error ?? '' })}</Text>
            )}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

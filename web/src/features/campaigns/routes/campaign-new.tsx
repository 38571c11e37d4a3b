import { Alert, Button, Group, List, Paper, Select, Stack, Stepper, Text, TextInput } from '@mantine/core';
import { useMemo, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { providerStatusLabel } from '@/components/provider-status';
import { Page } from '@/components/page';
import { ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { useGroupOptions } from '@/hooks/use-group-options';
import { formatDateTime, zonedLocal, zonedToISO } from '@/lib/format';
import { useRelayOptions, useSaveAndSend, useTemplateOptions, type CampaignInput } from '../api/campaigns';
import { AudienceStep, AudienceSummary } from '../components/audience-step';
import { relayChannels, RoutingStep, type RoutingValue } from '../components/routing-step';
import { ScheduleStep, type ScheduleValue } from '../components/schedule-step';
import { SendRefusal } from '../components/refusal';
import { normalise } from '../lib/shares';
import { useCreateSchedule } from '@/features/schedules/api/schedules';
import { useCronText } from '@/features/schedules/cron-hint';
import { ApiError } from '@/lib/api';

const steps = ['template', 'groups', 'routing', 'schedule', 'review'] as const;

/** NewCampaignRoute is the create wizard: template → groups → routing → schedule → review. */
export function NewCampaignRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const templates = useTemplateOptions();
  const relays = useRelayOptions();
  const groupOptions = useGroupOptions();
  const save = useSaveAndSend();
  const createSchedule = useCreateSchedule();
  const cronText = useCronText();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  const [step, setStep] = useState(0);
  const [templateId, setTemplateId] = useState<number | null>(null);
  const [groups, setGroups] = useState<number[]>(() => (params.get('groups') ?? '').split(',').filter(Boolean).map(Number));
  const [routing, setRouting] = useState<RoutingValue>({ mode: 'weighted', relayIds: [], shares: [] });
  const [routingFor, setRoutingFor] = useState<string | null>(null);
  const [schedule, setSchedule] = useState<ScheduleValue>(() => ({ when: 'now', at: zonedLocal(Date.now() + 3600_000, fmt.timeZone), cron: '0 9 * * *' }));
  const [name, setName] = useState('');
  const [draftId, setDraftId] = useState<number | null>(null);
  // A second click before the first one's answer does nothing (the button is
  // disabled too, once React has re-rendered).
  const busy = useRef(false);

  const template = templates.data?.find((x) => x.id === templateId);
  const channel = template?.channel;

  // Choosing a template (its channel) starts routing over every relay of that channel.
  const channelRelays = useMemo(
    () => (relays.data ?? []).filter((r) => r.enabled && relayChannels(channel).includes(r.channel)),
    [relays.data, channel],
  );
  if (channel && routingFor !== channel && relays.data) {
    setRoutingFor(channel);
    setRouting({ mode: routing.mode, relayIds: channelRelays.map((r) => r.id), shares: normalise(channelRelays.map((r) => r.weight)) });
  }

  const scheduledAt = schedule.when === 'later' ? zonedToISO(schedule.at, fmt.timeZone) : null;
  const scheduleError =
    schedule.when === 'later' && (!scheduledAt || Date.parse(scheduledAt) <= Date.now()) ? t('campaigns.wizard.atFuture') : undefined;
  const defaultName = template ? `${template.name} ${formatDateTime(fmt, new Date().toISOString()).slice(0, 12)}` : '';
  const repeat = schedule.when === 'repeat';
  const canNext = [templateId !== null, groups.length > 0, routing.relayIds.length > 0, !scheduleError && (!repeat || schedule.cron.trim() !== ''), true][step];

  function body(): CampaignInput {
    return {
      name: (name || defaultName).trim(),
      template_id: templateId!,
      group_ids: groups,
      routing: {
        mode: routing.mode,
        relays: routing.relayIds.map((id, i) => ({ relay_id: id, weight: routing.mode === 'weighted' ? routing.shares[i] : 1 })),
      },
      scheduled_at: scheduledAt ?? '',
    };
  }

  // A repeating campaign is a campaign schedule: its runs make the campaigns.
  function submitSchedule() {
    if (busy.current) return;
    busy.current = true;
    const { scheduled_at: _ignored, ...rest } = body();
    createSchedule.mutate(
      { ...rest, cron: schedule.cron.trim(), timezone: fmt.timeZone },
      {
        onSuccess: (s) => navigate(`/campaigns/schedules/${s.id}`),
        onSettled: () => {
          busy.current = false;
        },
        onError: (err) => {
          const fe = err instanceof ApiError ? err.fieldErrors() : {};
          setFieldErrors(fe);
          if (fe.cron || fe.timezone) setStep(3);
        },
      },
    );
  }

  function submit(send: boolean) {
    if (repeat) return submitSchedule();
    if (busy.current) return;
    busy.current = true;
    save.mutate(
      { draftId, body: body(), send },
      {
        onSuccess: ({ draft }) => navigate(`/campaigns/${draft.id}`),
        onSettled: () => {
          busy.current = false;
        },
        onError: (err) => {
          const id = (err as Error & { draftId?: number }).draftId;
          if (id) setDraftId(id);
        },
      },
    );
  }

  if (templates.isPending || relays.isPending) return <Loading />;
  const groupNames = groups.map((g) => groupOptions.data?.find((o) => o.id === g)?.name ?? `#${g}`);
  const relayName = (id: number) => relays.data?.find((r) => r.id === id)?.name ?? `#${id}`;

  return (
    <Page title={t('campaigns.new')} description={t('campaigns.wizard.description')}>
      <Stepper active={step} onStepClick={(s) => s < step && setStep(s)} size="sm" allowNextStepsSelect={false}>
        {steps.map((s) => (
          <Stepper.Step key={s} label={t(`campaigns.steps.${s}`)} />
        ))}
      </Stepper>
      <Paper withBorder p="md" component="section" aria-label={t(`campaigns.steps.${steps[step]}`)}>
        {step === 0 && (
          <Stack>
            <Select
              label={t('campaigns.wizard.template')}
              placeholder={t('campaigns.wizard.templatePick')}
              searchable
              data={(templates.data ?? []).map((x) => ({ value: String(x.id), label: `${x.name} · ${t(`templates.channels.${x.channel}`)}` }))}
              value={templateId ? String(templateId) : null}
              onChange={(v) => setTemplateId(v ? Number(v) : null)}
              nothingFoundMessage={t('campaigns.wizard.noTemplates')}
              w={420}
            />
            {template && (
              <Paper withBorder p="sm" bg="gray.0">
                <Text size="xs" c="dimmed">{t('campaigns.wizard.templateBody')}</Text>
                <Text size="sm" className="pre-wrap">{template.body}</Text>
              </Paper>
            )}
            {template?.channel === 'alimtalk' && template.provider_status && template.provider_status !== 'approved' && (
              <Alert color="yellow" title={t('campaigns.wizard.notApprovedTitle')}>
                {t('campaigns.wizard.notApproved', { status: providerStatusLabel(t, template.provider_status) })}
              </Alert>
            )}
          </Stack>
        )}
        {step === 1 && <AudienceStep groups={groups} templateId={templateId} onChange={setGroups} />}
        {step === 2 && <RoutingStep relays={relays.data ?? []} channel={channel} value={routing} onChange={setRouting} />}
        {step === 3 && <ScheduleStep value={schedule} onChange={setSchedule} error={scheduleError} cronError={fieldErrors.cron ?? fieldErrors.timezone} />}
        {step === 4 && (
          <Stack>
            <TextInput label={t('campaigns.wizard.name')} value={name} placeholder={defaultName} onChange={(e) => setName(e.currentTarget.value)} w={420} />
            <List size="sm" spacing={4} aria-label={t('campaigns.wizard.summary')}>
              <List.Item>{t('campaigns.wizard.sumTemplate', { name: template?.name, channel: channel ? t(`templates.channels.${channel}`) : '' })}</List.Item>
              <List.Item>{t('campaigns.wizard.sumGroups', { names: groupNames.join(', ') })}</List.Item>
              <List.Item>
                {t('campaigns.wizard.sumRouting', {
                  mode: t(`campaigns.modes.${routing.mode}`),
                  relays: routing.relayIds
                    .map((id, i) => (routing.mode === 'weighted' ? `${relayName(id)} ${routing.shares[i]}%` : relayName(id)))
                    .join(', '),
                })}
              </List.Item>
              <List.Item>
                {repeat ? t('schedules.wizard.sumRepeat', { rule: cronText(schedule.cron, fmt.timeZone) }) : scheduledAt ? t('campaigns.wizard.sumLater', { at: formatDateTime(fmt, scheduledAt), zone: fmt.timeZone }) : t('campaigns.wizard.sumNow')}
              </List.Item>
            </List>
            <AudienceSummary groups={groups} templateId={templateId} />
            {save.error && <SendRefusal error={save.error} />}
            {createSchedule.error && <ErrorNotice error={createSchedule.error} />}
          </Stack>
        )}
      </Paper>
      <Group justify="space-between">
        <Button variant="default" disabled={step === 0} onClick={() => setStep(step - 1)}>{t('campaigns.wizard.back')}</Button>
        {step < steps.length - 1 ? (
          <Button disabled={!canNext} onClick={() => setStep(step + 1)}>{t('campaigns.wizard.next')}</Button>
        ) : (
          <Group gap="xs">
            {!repeat && <Button variant="default" onClick={() => submit(false)} disabled={save.isPending}>{t('campaigns.wizard.saveDraft')}</Button>}
            <Button onClick={() => submit(true)} loading={save.isPending || createSchedule.isPending} disabled={save.isPending || createSchedule.isPending}>
              {repeat ? t('schedules.wizard.create') : scheduledAt ? t('campaigns.wizard.schedule') : t('campaigns.wizard.send')}
            </Button>
          </Group>
        )}
      </Group>
    </Page>
  );
}

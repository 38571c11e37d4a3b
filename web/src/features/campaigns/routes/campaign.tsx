import { useRole } from '@/features/members/api/members';
import { Alert, Button, Group, List, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { ErrorNotice, Loading } from '@/components/states';
import { useGroupOptions } from '@/hooks/use-group-options';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime } from '@/lib/format';
import {
  activeStatuses,
  useCampaign,
  useCampaignAction,
  useDeleteCampaign,
  useLiveProgress,
  useProgress,
  useRelayOptions,
  useSendDraft,
  useTemplateOptions,
  type Action,
} from '../api/campaigns';
import { ProgressPanel } from '../components/progress-panel';
import { GroupResults, MessageTable } from '../components/results';
import { RetargetPanel } from '../components/retarget';
import { SendRefusal } from '../components/refusal';
import { StatusBadge } from '../components/status';

/** The actions each status allows (the API refuses the others with 409). */
const actionsFor: Record<string, Action[]> = {
  scheduled: ['cancel'],
  running: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
  completed: ['retry-failed'],
  failed: ['retry-failed'],
};

export function CampaignRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const id = Number(useParams().id);
  const navigate = useNavigate();
  useLiveProgress();
  const camp = useCampaign(id);
  const status = camp.data?.status ?? 'draft';
  const active = activeStatuses.has(status);
  const progress = useProgress(id, active);
  const relays = useRelayOptions();
  const groups = useGroupOptions();
  const templates = useTemplateOptions();
  const action = useCampaignAction(id);
  const send = useSendDraft(id);
  const mayAct = useRole().can('sender');
  const del = useDeleteCampaign();
  const [confirm, setConfirm] = useState<Action | 'delete' | null>(null);

  if (camp.isPending) return <Loading />;
  if (camp.error) return <ErrorNotice error={camp.error} />;
  const c = camp.data;
  const relayName = (rid: number) => relays.data?.find((r) => r.id === rid)?.name ?? `#${rid}`;
  const campaignGroups = c.group_ids.map((g) => ({ id: g, name: groups.data?.find((x) => x.id === g)?.name ?? `#${g}` }));
  const template = templates.data?.find((x) => x.id === c.template_id);
  const allowed = (actionsFor[c.status] ?? []).filter((a) => a !== 'retry-failed' || c.failed > 0);

  function run(a: Action | 'delete') {
    if (a === 'delete') {
      del.mutate(id, { onSuccess: () => navigate('/campaigns') });
      return;
    }
    action.mutate(a, { onSuccess: () => setConfirm(null) });
  }

  return (
    <Page
      title={c.name}
      description={t('campaigns.detailDescription', { created: formatDateTime(fmt, c.created_at) })}
      actions={
        <>
          <StatusBadge status={c.status} />
          {allowed.map((a) => (
            <Button key={a} variant={a === 'cancel' ? 'light' : 'default'} color={a === 'cancel' ? 'red' : undefined}
              onClick={() => { action.reset(); setConfirm(a); }}>
              {t(`campaigns.actions.${a}`)}
            </Button>
          ))}
          <Button component={Link} to="/campaigns" variant="subtle">{t('campaigns.backToList')}</Button>
        </>
      }
    >
      <List size="sm" spacing={2}>
        <List.Item>{t('campaigns.wizard.sumTemplate', { name: template?.name ?? `#${c.template_id}`, channel: template ? t(`templates.channels.${template.channel}`) : '' })}</List.Item>
        <List.Item>{t('campaigns.wizard.sumGroups', { names: campaignGroups.map((g) => g.name).join(', ') })}</List.Item>
        <List.Item>
          {t('campaigns.wizard.sumRouting', {
            mode: t(`campaigns.modes.${c.routing.mode}`, { defaultValue: c.routing.mode }),
            relays: (c.routing.relays ?? []).map((r) => (c.routing.mode === 'weighted' ? `${relayName(r.relay_id ?? 0)} (${r.weight})` : relayName(r.relay_id ?? 0))).join(', ') || t('campaigns.allRelays'),
          })}
        </List.Item>
        {c.scheduled_at && <List.Item>{t('campaigns.wizard.sumLater', { at: formatDateTime(fmt, c.scheduled_at), zone: fmt.timeZone })}</List.Item>}
        {c.run > 1 && <List.Item>{t('campaigns.runs', { run: c.run })}</List.Item>}
      </List>
      {c.error && <Alert color="red" title={t('campaigns.failedTitle')}>{c.error}</Alert>}

      {c.status === 'draft' ? (
        <Stack>
          <Alert color="gray" title={t('campaigns.draftTitle')}>{t('campaigns.draftHint')}</Alert>
          {send.error && <SendRefusal error={send.error} />}
          <Group>
            {mayAct && <Button onClick={() => send.mutate()} loading={send.isPending} disabled={send.isPending}>{t('campaigns.wizard.send')}</Button>}
            <Button variant="light" color="red" onClick={() => setConfirm('delete')}>{t('common.delete')}</Button>
          </Group>
        </Stack>
      ) : (
        <>
          {progress.data ? <ProgressPanel progress={progress.data} relayName={relayName} /> : progress.error ? <ErrorNotice error={progress.error} /> : <Loading />}
          {action.error && !confirm && <ErrorNotice error={action.error} />}
          <GroupResults id={id} />
          {!active && <RetargetPanel campaignId={id} />}
          <MessageTable id={id} groups={campaignGroups} />
        </>
      )}

      <Modal opened={confirm !== null} onClose={() => setConfirm(null)} title={confirm ? t(`campaigns.confirm.${confirm}.title`) : ''}>
        <Stack>
          <Text size="sm">{confirm ? t(`campaigns.confirm.${confirm}.body`, { name: c.name, failed: c.failed }) : ''}</Text>
          {action.error && <ErrorNotice error={action.error} />}
          {del.error && <ErrorNotice error={del.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(null)}>{t('common.cancel')}</Button>
            <Button color={confirm === 'cancel' || confirm === 'delete' ? 'red' : undefined} loading={action.isPending || del.isPending}
              onClick={() => confirm && run(confirm)}>
              {confirm ? t(`campaigns.confirm.${confirm}.ok`) : ''}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Page>
  );
}

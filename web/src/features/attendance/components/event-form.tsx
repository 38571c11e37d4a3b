import { Button, Group, MultiSelect, Paper, SegmentedControl, Select, Stack, Switch, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/states';
import { applyFieldErrors } from '@/lib/forms';
import { useRelayPicker, useSaveEvent, useTemplatePicker, type Event, type EventInput } from '../api/attendance';

const zones = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['Asia/Seoul', 'UTC'];
  }
})();

type Mode = 'weighted' | 'cheapest' | 'fastest';

interface Values {
  name: string;
  timezone: string;
  starts_on: string;
  ends_on: string;
  counting: 'total' | 'consecutive';
  reminderOn: boolean;
  reminderTime: string;
  reminderTemplate: string | null;
  reminderMode: Mode;
  reminderRelays: string[];
  noticeTemplate: string | null;
  emails: string[];
  webhook: string;
}

function valuesOf(e: Event | undefined, today: string): Values {
  return {
    name: e?.name ?? '',
    timezone: e?.timezone ?? 'Asia/Seoul',
    starts_on: e?.starts_on ?? today,
    ends_on: e?.ends_on ?? today,
    counting: e?.counting ?? 'total',
    reminderOn: !!e?.reminder,
    reminderTime: e?.reminder?.time ?? '20:00',
    reminderTemplate: e?.reminder ? String(e.reminder.template_id) : null,
    reminderMode: (e?.reminder?.routing.mode as Mode) ?? 'weighted',
    reminderRelays: (e?.reminder?.routing.relays ?? []).map((r) => String(r.relay_id)),
    noticeTemplate: e?.notice ? String(e.notice.template_id) : null,
    emails: e?.alert.emails ?? [],
    webhook: e?.alert.webhook_url ?? '',
  };
}

const fields = ['name', 'timezone', 'starts_on', 'ends_on', 'counting', 'reminder', 'notice', 'alert.emails', 'alert.webhook_url'] as const;

/** EventForm creates or edits an attendance event: time zone, dates, counting,
 * the daily reminder (time, template, routing), the wait-list notice, and who
 * hears of low stock (e-mails, a webhook). */
export function EventForm({ event, today, onSaved }: { event?: Event; today: string; onSaved: (e: Event) => void }) {
  const { t } = useTranslation();
  const save = useSaveEvent();
  const templates = useTemplatePicker();
  const relays = useRelayPicker();
  const form = useForm<Values>({
    initialValues: valuesOf(event, today),
    validate: {
      name: (v) => (v.trim() ? null : t('events.form.nameRequired')),
      ends_on: (v, all) => (v && all.starts_on && v < all.starts_on ? t('events.form.endsAfter') : null),
      reminderTemplate: (v, all) => (all.reminderOn && !v ? t('events.form.templateRequired') : null),
    },
  });
  const templateOptions = (templates.data ?? []).map((x) => ({ value: String(x.id), label: `${x.name} · ${t(`templates.channels.${x.channel}`)}` }));
  const relayOptions = (relays.data ?? []).filter((r) => r.enabled).map((r) => ({ value: String(r.id), label: r.name }));
  const v = form.values;

  function submit(values: Values) {
    const routing = {
      mode: values.reminderMode,
      relays: values.reminderRelays.map((id) => ({ relay_id: Number(id), weight: 1 })),
    };
    const body: EventInput = {
      name: values.name.trim(),
      timezone: values.timezone,
      starts_on: values.starts_on,
      ends_on: values.ends_on,
      counting: values.counting,
      reminder: values.reminderOn ? { time: values.reminderTime, template_id: Number(values.reminderTemplate), routing } : null,
      notice: values.noticeTemplate ? { template_id: Number(values.noticeTemplate), routing } : null,
      alert: { emails: values.emails, webhook_url: values.webhook.trim() },
    };
    save.mutate(
      { id: event?.id, body },
      {
        onSuccess: onSaved,
        onError: (err) =>
          applyFieldErrors(err, (errs) => {
            const mapped: Record<string, string> = {};
            for (const [k, m] of Object.entries(errs)) {
              const key = k === 'alert.emails' ? 'emails' : k === 'alert.webhook_url' ? 'webhook' : k === 'reminder' ? 'reminderTime' : k === 'notice' ? 'noticeTemplate' : k;
              mapped[key] = m;
            }
            form.setErrors(mapped);
          }, fields),
      },
    );
  }

  return (
    <form onSubmit={form.onSubmit(submit)} noValidate>
      <Stack>
        <Paper withBorder p="md" component="section" aria-label={t('events.form.basics')}>
          <Stack>
            <Title order={2} size="h4">{t('events.form.basics')}</Title>
            <TextInput label={t('events.form.name')} required w={420} {...form.getInputProps('name')} />
            <Select label={t('events.form.timezone')} description={t('events.form.timezoneHint')} searchable data={zones} w={320}
              allowDeselect={false} {...form.getInputProps('timezone')} />
            <Group>
              <TextInput type="date" label={t('events.form.startsOn')} required {...form.getInputProps('starts_on')} />
              <TextInput type="date" label={t('events.form.endsOn')} required {...form.getInputProps('ends_on')} />
            </Group>
            <div>
              <Text size="sm" fw={500} id="counting-label">{t('events.form.counting')}</Text>
              <SegmentedControl aria-labelledby="counting-label" data={[
                { value: 'total', label: t('events.counting.total') },
                { value: 'consecutive', label: t('events.counting.consecutive') },
              ]} {...form.getInputProps('counting')} />
              <Text size="xs" c="dimmed" mt={4}>{t(`events.countingHelp.${v.counting}`)}</Text>
            </div>
          </Stack>
        </Paper>
        <Paper withBorder p="md" component="section" aria-label={t('events.form.reminder')}>
          <Stack>
            <Title order={2} size="h4">{t('events.form.reminder')}</Title>
            <Switch label={t('events.form.reminderOn')} description={t('events.form.reminderHint')} {...form.getInputProps('reminderOn', { type: 'checkbox' })} />
            {v.reminderOn && (
              <>
                <TextInput type="time" label={t('events.form.reminderTime', { zone: v.timezone })} w={200} {...form.getInputProps('reminderTime')} />
                <Select label={t('events.form.reminderTemplate')} data={templateOptions} w={420} {...form.getInputProps('reminderTemplate')} />
              </>
            )}
            <Select label={t('events.form.noticeTemplate')} description={t('events.form.noticeHint')} data={templateOptions} clearable w={420}
              {...form.getInputProps('noticeTemplate')} />
            {(v.reminderOn || v.noticeTemplate) && (
              <>
                <Select label={t('events.form.mode')} w={200} allowDeselect={false}
                  data={(['weighted', 'cheapest', 'fastest'] as const).map((m) => ({ value: m, label: t(`campaigns.modes.${m}`) }))}
                  {...form.getInputProps('reminderMode')} />
                <MultiSelect label={t('events.form.relays')} description={t('events.form.relaysHint')} data={relayOptions} w={420}
                  {...form.getInputProps('reminderRelays')} />
              </>
            )}
          </Stack>
        </Paper>
        <Paper withBorder p="md" component="section" aria-label={t('events.form.alerts')}>
          <Stack>
            <Title order={2} size="h4">{t('events.form.alerts')}</Title>
            <TagsInput label={t('events.form.emails')} description={t('events.form.emailsHint')} w={520} {...form.getInputProps('emails')} />
            <TextInput label={t('events.form.webhook')} description={t('events.form.webhookHint')} w={520} placeholder="https://" {...form.getInputProps('webhook')} />
          </Stack>
        </Paper>
        {save.error && <ErrorNotice error={save.error} />}
        <Group>
          <Button type="submit" loading={save.isPending}>{t('common.save')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

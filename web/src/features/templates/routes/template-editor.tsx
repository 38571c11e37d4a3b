import { Alert, Anchor, Button, Group, Paper, SegmentedControl, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useLayoutEffect, useRef } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { applyFieldErrors } from '@/lib/forms';
import { Page } from '@/components/page';
import { ErrorNotice, Loading } from '@/components/states';
import { useSession } from '@/hooks/use-session';
import { useSaveTemplate, useTemplate } from '../api/templates';
import { ByteCounter } from '../components/byte-counter';
import { ButtonsEditor } from '../components/buttons-editor';
import { PreviewPanel } from '../components/preview-panel';
import { VariableChips } from '../components/variable-chips';
import { adFooter, adHead } from '../lib/text';
import { templateFields, type Channel, type TemplateFormValues } from '../components/template-form-values';
import { ProviderStatusBadge } from '@/components/provider-status';

export function NewTemplateRoute() {
  return <TemplateEditor template={undefined} />;
}

export function EditTemplateRoute() {
  const id = Number(useParams().id);
  const tpl = useTemplate(id);
  if (tpl.isPending) return <Loading />;
  if (tpl.error) return <ErrorNotice error={tpl.error} />;
  return <TemplateEditor key={tpl.data.id} template={tpl.data} />;
}

function valuesOf(t: Schemas['Template'] | undefined): TemplateFormValues {
  return {
    name: t?.name ?? '',
    channel: (t?.channel as Channel) ?? 'alimtalk',
    subject: t?.subject ?? '',
    body: t?.body ?? '',
    buttons: (t?.buttons ?? []).map((b) => ({ name: b.name, mobile_url: b.mobile_url, pc_url: b.pc_url ?? '' })),
    provider_template_code: t?.provider_template_code ?? '',
    sender_key: t?.sender_key ?? '',
    fallback_text: t?.fallback_text ?? '',
    fallback_subject: t?.fallback_subject ?? '',
    advertisement: t?.advertisement ?? false,
  };
}

type TextField = 'body' | 'subject' | 'fallback_text';

function TemplateEditor({ template }: { template: Schemas['Template'] | undefined }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const session = useSession();
  const save = useSaveTemplate();
  const form = useForm<TemplateFormValues>({ initialValues: valuesOf(template) });
  const refs = {
    body: useRef<HTMLTextAreaElement>(null),
    subject: useRef<HTMLInputElement>(null),
    fallback_text: useRef<HTMLTextAreaElement>(null),
  };
  const lastField = useRef<TextField>('body');
  const v = form.values;
  const account = session.data?.account;

  // The cursor goes after the inserted chip as soon as React has committed the
  // new text, before the browser handles the next key: a caret set later (in an
  // animation frame) let a fast typist's first key land at the end of the text.
  const caret = useRef<{ field: TextField; at: number } | null>(null);
  useLayoutEffect(() => {
    const c = caret.current;
    if (!c) return;
    caret.current = null;
    const el = refs[c.field].current;
    el?.focus();
    el?.setSelectionRange(c.at, c.at);
  });

  // A chip inserts #{name} at the cursor of the text field last focused.
  const insert = (name: string) => {
    const field = lastField.current;
    const el = refs[field].current;
    const text = v[field];
    const at = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? at;
    const token = `#{${name}}`;
    caret.current = { field, at: at + token.length };
    form.setFieldValue(field, text.slice(0, at) + token + text.slice(end));
  };
  const focus = (f: TextField) => ({ onFocus: () => { lastField.current = f; } });

  const submit = form.onSubmit((values) => {
    const alimtalk = values.channel === 'alimtalk';
    const body = {
      name: values.name,
      channel: values.channel,
      subject: values.channel === 'lms' || values.channel === 'email' ? values.subject : '',
      body: values.body,
      buttons: alimtalk ? values.buttons.map((b) => ({ name: b.name, mobile_url: b.mobile_url, pc_url: b.pc_url || undefined })) : [],
      provider_template_code: alimtalk ? values.provider_template_code : '',
      sender_key: alimtalk ? values.sender_key : '',
      fallback_text: alimtalk ? values.fallback_text : '',
      fallback_subject: alimtalk ? values.fallback_subject : '',
      advertisement: values.advertisement,
    };
    save.mutate(
      { id: template?.id ?? null, body },
      {
        onSuccess: (saved) => {
          notifications.show({ message: t('templates.saved', { name: saved.name }) });
          form.resetDirty(valuesOf(saved));
          if (!template) navigate(`/templates/${saved.id}`, { replace: true });
        },
        onError: (err) => {
          if (applyFieldErrors(err, form.setErrors, templateFields)) save.reset();
        },
      },
    );
  });

  const channel = v.channel;
  const alimtalk = channel === 'alimtalk';
  return (
    <Page title={template ? t('templates.editTitle', { name: template.name }) : t('templates.new')}
      actions={<Button component={Link} to="/templates" variant="default">{t('templates.back')}</Button>}>
      <div className="editor-columns">
        <div>
          <form onSubmit={submit} noValidate>
            <Stack>
              <TextInput label={t('templates.name')} required {...form.getInputProps('name')} />
              <Stack gap={4}>
                <Text size="sm" fw={500} id="channel-label">{t('templates.channel')}</Text>
                <SegmentedControl
                  aria-labelledby="channel-label"
                  value={channel}
                  onChange={(c) => form.setFieldValue('channel', c as Channel)}
                  data={(['alimtalk', 'sms', 'lms', 'email'] as const).map((c) => ({ value: c, label: t(`templates.channels.${c}`) }))}
                />
                {form.errors.channel && <Text c="red" size="sm">{form.errors.channel}</Text>}
              </Stack>
              {alimtalk && (
                <Group grow align="flex-start">
                  <TextInput label={t('templates.providerCode')} description={t('templates.providerCodeHint')} {...form.getInputProps('provider_template_code')} />
                  <TextInput label={t('templates.senderKey')} {...form.getInputProps('sender_key')} />
                </Group>
              )}
              {alimtalk && template?.provider_status && (
                <Group gap="xs" role="group" aria-label={t('templates.providerStatus.label')}>
                  <Text size="sm">{t('templates.providerStatus.label')}</Text>
                  <ProviderStatusBadge status={template.provider_status} />
                  {template.provider_status !== 'approved' && <Text size="xs" c="dimmed">{t('templates.providerStatus.notApproved')}</Text>}
                </Group>
              )}
              <VariableChips onInsert={insert} />
              {(channel === 'lms' || channel === 'email') && (
                <TextInput label={channel === 'email' ? t('templates.emailSubject') : t('templates.lmsTitle')} {...form.getInputProps('subject')} {...focus('subject')} ref={refs.subject} />
              )}
              <div>
                <Textarea label={t('templates.body')} autosize minRows={6} required {...form.getInputProps('body')} {...focus('body')} ref={refs.body} />
                <ByteCounter text={v.body} channel={channel} label={t('templates.counter.label')} />
              </div>
              {alimtalk && <ButtonsEditor form={form} />}
              {alimtalk && (
                <div>
                  <Textarea
                    label={t('templates.fallback')}
                    description={t('templates.fallbackHint')}
                    autosize
                    minRows={3}
                    {...form.getInputProps('fallback_text')}
                    {...focus('fallback_text')} ref={refs.fallback_text}
                  />
                  <ByteCounter text={v.fallback_text} channel="sms" label={t('templates.counter.fallbackLabel')} />
                </div>
              )}
              <Switch label={t('templates.advertisement')} description={t('templates.advertisementHint')} {...form.getInputProps('advertisement', { type: 'checkbox' })} />
              {v.advertisement && (
                <Paper withBorder p="sm" bg="gray.0" aria-label={t('templates.adPreview')} component="section">
                  {account && !account.optout_number ? (
                    <Alert color="orange">
                      {t('templates.adNeedsOptout')} <Anchor component={Link} to="/settings">{t('nav.settings')}</Anchor>
                    </Alert>
                  ) : (
                    <Stack gap={4}>
                      <Text size="xs" c="dimmed">{alimtalk ? t('templates.adOnFallback') : t('templates.adAdded')}</Text>
                      <Text size="sm" ff="monospace">{adHead(account?.name ?? '').replace('\n', ' ⏎ ')}</Text>
                      <Text size="sm" c="dimmed">…</Text>
                      <Text size="sm" ff="monospace">{adFooter(account?.optout_number ?? '').trim()}</Text>
                    </Stack>
                  )}
                </Paper>
              )}
              {save.error && <ErrorNotice error={save.error} />}
              <Group>
                <Button type="submit" loading={save.isPending}>{t('common.save')}</Button>
              </Group>
            </Stack>
          </form>
        </div>
        <div>
          <PreviewPanel template={template} sender={account?.name ?? ''} dirty={form.isDirty()} />
        </div>
      </div>
    </Page>
  );
}

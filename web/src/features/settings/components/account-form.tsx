import { Button, Group, Paper, Select, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { applyFieldErrors } from '@/lib/forms';
import { ErrorNotice } from '@/components/states';
import { useUpdateAccount } from '../api/settings';

const zones: string[] = (() => {
  const all = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return all.includes('Asia/Seoul') ? all : ['Asia/Seoul', ...all];
})();

const fields = ['name', 'timezone', 'optout_number', 'language'] as const;

export function AccountForm({ account }: { account: Schemas['Account'] }) {
  const { t } = useTranslation();
  const update = useUpdateAccount();
  const form = useForm({
    initialValues: {
      name: account.name,
      timezone: account.timezone,
      optout_number: account.optout_number ?? '',
      language: account.language,
    },
  });
  const submit = form.onSubmit((v) =>
    update.mutate(v, {
      onSuccess: (a) => {
        form.resetDirty({ name: a.name, timezone: a.timezone, optout_number: a.optout_number ?? '', language: a.language });
        notifications.show({ message: t('settings.saved') });
      },
      onError: (err) => {
        if (applyFieldErrors(err, form.setErrors, fields)) update.reset();
      },
    }),
  );
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="account-heading">
      <form onSubmit={submit} noValidate>
        <Stack maw={520}>
          <Text fw={600} id="account-heading">{t('settings.account')}</Text>
          <TextInput label={t('settings.accountName')} required {...form.getInputProps('name')} />
          <Select label={t('settings.timezone')} description={t('settings.timezoneHint')} searchable allowDeselect={false}
            data={zones} {...form.getInputProps('timezone')} />
          <TextInput label={t('settings.optout')} description={t('settings.optoutHint')} placeholder="080-123-4567" type="tel" {...form.getInputProps('optout_number')} />
          <Select label={t('settings.language')} allowDeselect={false}
            data={[{ value: 'ko', label: '한국어' }, { value: 'en', label: 'English' }]} {...form.getInputProps('language')} />
          {update.error && <ErrorNotice error={update.error} />}
          <Group>
            <Button type="submit" loading={update.isPending} disabled={!form.isDirty()}>{t('common.save')}</Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

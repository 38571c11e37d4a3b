import { Alert, Button, Group, Paper, PasswordInput, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/states';
import { applyFieldErrors } from '@/lib/forms';
import { stream } from '@/lib/stream';
import { useChangePassword, useLogoutAll } from '../api/account';

/** Security is the settings section for the user's own password and sessions. */
export function Security() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const change = useChangePassword();
  const logoutAll = useLogoutAll();
  const form = useForm({ initialValues: { current_password: '', new_password: '' } });

  const submit = form.onSubmit((values) =>
    change.mutate(values, {
      onSuccess: () => form.reset(),
      onError: (err) => applyFieldErrors(err, form.setErrors, ['current_password', 'new_password']),
    }),
  );

  const signOutEverywhere = () =>
    logoutAll.mutate(undefined, {
      onSuccess: () => {
        stream.stop();
        qc.clear();
        navigate('/login', { replace: true });
      },
    });

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="security-heading">
      <Stack>
        <Text fw={600} id="security-heading">{t('account.security')}</Text>
        <form onSubmit={submit} noValidate>
          <Stack maw={420}>
            <PasswordInput label={t('account.currentPassword')} autoComplete="current-password" required {...form.getInputProps('current_password')} />
            <PasswordInput label={t('account.newPassword')} description={t('auth.passwordRule')} autoComplete="new-password" required {...form.getInputProps('new_password')} />
            {change.error && !form.errors.current_password && !form.errors.new_password && <ErrorNotice error={change.error} />}
            {change.isSuccess && <Alert color="green" role="status">{t('account.passwordChanged')}</Alert>}
            <Group><Button type="submit" loading={change.isPending}>{t('account.changePassword')}</Button></Group>
          </Stack>
        </form>
        <Text size="sm" c="dimmed">{t('account.logoutAllHint')}</Text>
        {logoutAll.error && <ErrorNotice error={logoutAll.error} />}
        <Group><Button variant="default" color="red" loading={logoutAll.isPending} onClick={signOutEverywhere}>{t('account.logoutAll')}</Button></Group>
      </Stack>
    </Paper>
  );
}

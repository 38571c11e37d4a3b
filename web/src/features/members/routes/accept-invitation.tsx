import { Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link, useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/states';
import { applyFieldErrors } from '@/lib/forms';
import { AuthFrame } from '@/features/auth/components/auth-frame';
import { tokenFromHash, useAcceptInvitation } from '../api/account';

export function AcceptInvitationRoute() {
  const { t } = useTranslation();
  const { hash } = useLocation();
  const navigate = useNavigate();
  const token = tokenFromHash(hash);
  const accept = useAcceptInvitation();
  const form = useForm({ initialValues: { name: '', password: '' } });

  const submit = form.onSubmit((values) =>
    accept.mutate({ token, ...values }, {
      onSuccess: () => navigate('/customers', { replace: true }),
      onError: (err) => applyFieldErrors(err, form.setErrors, ['name', 'password']),
    }),
  );

  return (
    <AuthFrame title={t('account.acceptTitle')} footer={<Anchor component={Link} to="/login">{t('auth.login')}</Anchor>}>
      {!token ? (
        <ErrorNotice error={t('account.noToken')} />
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <TextInput label={t('auth.name')} autoComplete="name" required {...form.getInputProps('name')} />
            <PasswordInput label={t('auth.password')} description={t('auth.passwordRule')} autoComplete="new-password" required {...form.getInputProps('password')} />
            {accept.error && !form.errors.name && !form.errors.password && <ErrorNotice error={accept.error} />}
            <Button type="submit" loading={accept.isPending}>{t('account.accept')}</Button>
          </Stack>
        </form>
      )}
    </AuthFrame>
  );
}

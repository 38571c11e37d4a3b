import { Alert, Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link, useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/states';
import { applyFieldErrors } from '@/lib/forms';
import { AuthFrame } from '@/features/auth/components/auth-frame';
import { tokenFromHash, useConfirmReset, useRequestReset } from '../api/account';

/** ForgotPasswordRoute asks for a reset link; the answer is the same whether the address is known or not. */
export function ForgotPasswordRoute() {
  const { t } = useTranslation();
  const request = useRequestReset();
  const form = useForm({ initialValues: { email: '' } });
  const submit = form.onSubmit(({ email }) =>
    request.mutate(email, { onError: (err) => applyFieldErrors(err, form.setErrors, ['email']) }),
  );
  return (
    <AuthFrame title={t('account.forgotTitle')} footer={<Anchor component={Link} to="/login">{t('auth.login')}</Anchor>}>
      {request.isSuccess ? (
        <Alert color="green" role="status">{t('account.resetSent')}</Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <TextInput label={t('auth.email')} type="email" autoComplete="username" required {...form.getInputProps('email')} />
            {request.error && !form.errors.email && <ErrorNotice error={request.error} />}
            <Button type="submit" loading={request.isPending}>{t('account.sendReset')}</Button>
          </Stack>
        </form>
      )}
    </AuthFrame>
  );
}

export function ResetPasswordRoute() {
  const { t } = useTranslation();
  const { hash } = useLocation();
  const navigate = useNavigate();
  const token = tokenFromHash(hash);
  const confirm = useConfirmReset();
  const form = useForm({ initialValues: { new_password: '' } });
  const submit = form.onSubmit(({ new_password }) =>
    confirm.mutate({ token, new_password }, {
      onSuccess: () => navigate('/customers', { replace: true }),
      onError: (err) => applyFieldErrors(err, form.setErrors, ['new_password']),
    }),
  );
  return (
    <AuthFrame title={t('account.resetTitle')} footer={<Anchor component={Link} to="/forgot-password">{t('account.forgotTitle')}</Anchor>}>
      {!token ? (
        <ErrorNotice error={t('account.noToken')} />
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <PasswordInput label={t('account.newPassword')} description={t('auth.passwordRule')} autoComplete="new-password" required {...form.getInputProps('new_password')} />
            {confirm.error && !form.errors.new_password && <ErrorNotice error={confirm.error} />}
            <Button type="submit" loading={confirm.isPending}>{t('account.setPassword')}</Button>
          </Stack>
        </form>
      )}
    </AuthFrame>
  );
}

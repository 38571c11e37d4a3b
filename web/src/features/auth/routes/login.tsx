import { Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/states';
import { applyFieldErrors } from '@/lib/forms';
import { ApiError } from '@/lib/api';
import { AuthFrame } from '../components/auth-frame';
import { useLogin } from '../api/auth';
import { safeNext } from '../lib/next';

export function LoginRoute() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const login = useLogin();
  const form = useForm({ initialValues: { email: '', password: '' } });
  const next = params.get('next');

  const submit = form.onSubmit((values) =>
    login.mutate(values, {
      onSuccess: () => navigate(safeNext(next), { replace: true }),
      onError: (err) => applyFieldErrors(err, form.setErrors, ['email', 'password']),
    }),
  );

  const unauthorized = login.error instanceof ApiError && login.error.status === 401;
  return (
    <AuthFrame
      title={t('auth.login')}
      footer={<>{t('auth.noAccount')} <Anchor component={Link} to="/signup">{t('auth.signup')}</Anchor></>}
    >
      {next && !login.error && <ErrorNotice error={t('auth.sessionEnded')} title={t('auth.loginAgain')} />}
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label={t('auth.email')} type="email" autoComplete="username" required {...form.getInputProps('email')} />
          <PasswordInput label={t('auth.password')} autoComplete="current-password" required {...form.getInputProps('password')} />
          {login.error && <ErrorNotice error={unauthorized ? t('auth.wrongPassword') : login.error} />}
          <Anchor component={Link} to="/forgot-password" size="sm">{t('account.forgotTitle')}</Anchor>
          <Button type="submit" loading={login.isPending}>{t('auth.login')}</Button>
        </Stack>
      </form>
    </AuthFrame>
  );
}

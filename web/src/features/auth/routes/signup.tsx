import { Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/states';
import { applyFieldErrors } from '@/lib/forms';
import { type Language } from '@/lib/i18n';
import { AuthFrame } from '../components/auth-frame';
import { useSignup } from '../api/auth';

const fields = ['account_name', 'name', 'email', 'password', 'phone'] as const;

export function SignupRoute() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const signup = useSignup();
  const form = useForm({ initialValues: { account_name: '', name: '', email: '', password: '', phone: '' } });

  const submit = form.onSubmit((values) =>
    signup.mutate(
      { ...values, language: i18n.language as Language, timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'Asia/Seoul' },
      {
        onSuccess: () => navigate('/customers', { replace: true }),
        onError: (err) => {
          if (applyFieldErrors(err, form.setErrors, fields)) signup.reset();
        },
      },
    ),
  );

  return (
    <AuthFrame
      title={t('auth.signup')}
      footer={<>{t('auth.haveAccount')} <Anchor component={Link} to="/login">{t('auth.login')}</Anchor></>}
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label={t('auth.accountName')} required {...form.getInputProps('account_name')} />
          <TextInput label={t('auth.name')} autoComplete="name" required {...form.getInputProps('name')} />
          <TextInput label={t('auth.email')} type="email" autoComplete="username" required {...form.getInputProps('email')} />
          <PasswordInput
            label={t('auth.password')}
            description={t('auth.passwordRule')}
            autoComplete="new-password"
            required
            {...form.getInputProps('password')}
          />
          <TextInput label={t('auth.phone')} type="tel" autoComplete="tel" {...form.getInputProps('phone')} />
          {signup.error && <ErrorNotice error={signup.error} />}
          <Button type="submit" loading={signup.isPending}>{t('auth.signup')}</Button>
        </Stack>
      </form>
    </AuthFrame>
  );
}

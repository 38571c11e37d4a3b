import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { Loading } from '@/components/states';
import { useSession } from '@/hooks/use-session';
import { AccountForm } from '../components/account-form';
import { APIKeys } from '../components/api-keys';

export function SettingsRoute() {
  const { t } = useTranslation();
  const session = useSession();
  if (!session.data) return <Loading />;
  return (
    <Page title={t('settings.title')}>
      <AccountForm account={session.data.account} />
      <APIKeys />
    </Page>
  );
}

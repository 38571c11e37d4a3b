import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { Loading } from '@/components/states';
import { useSession } from '@/hooks/use-session';
import { AccountForm } from '../components/account-form';
import { APIKeys } from '../components/api-keys';
import { Security } from '@/features/members/components/security';
import { useRole } from '@/features/members/api/members';

export function SettingsRoute() {
  const { t } = useTranslation();
  const session = useSession();
  const { can } = useRole();
  if (!session.data) return <Loading />;
  return (
    <Page title={t('settings.title')}>
      {can('admin') && <AccountForm account={session.data.account} />}
      <Security />
      {can('admin') && <APIKeys />}
    </Page>
  );
}

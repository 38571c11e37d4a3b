import { Alert, Button, Text } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';

// Campaigns arrive with "Web console II"; until then the groups page's
// "send a campaign" lands here and says so.
export function CampaignsRoute() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const groups = params.get('groups');
  return (
    <Page title={t('campaigns.title')}>
      <Alert color="blue" title={t('campaigns.comingTitle')}>
        <Text size="sm">{t('campaigns.coming')}</Text>
        {groups && <Text size="sm" mt="xs">{t('campaigns.chosenGroups', { count: groups.split(',').length })}</Text>}
      </Alert>
      <Button component={Link} to="/groups" variant="default" w="fit-content">{t('campaigns.backToGroups')}</Button>
    </Page>
  );
}

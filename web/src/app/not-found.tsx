import { Anchor } from '@mantine/core';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Page title={t('notFound.title')}>
      <Anchor component={Link} to="/customers">{t('notFound.back')}</Anchor>
    </Page>
  );
}

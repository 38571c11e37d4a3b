import { Button } from '@mantine/core';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { useFormat } from '@/hooks/use-session';
import { zonedLocal } from '@/lib/format';
import { EventForm } from '../components/event-form';

export function NewEventRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  return (
    <Page title={t('events.new')} description={t('events.newDescription')}
      actions={<Button component={Link} to="/events" variant="default">{t('events.back')}</Button>}>
      <EventForm today={zonedLocal(Date.now(), fmt.timeZone).slice(0, 10)} onSaved={(e) => navigate(`/events/${e.id}`)} />
    </Page>
  );
}

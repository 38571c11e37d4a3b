import { useTranslation } from 'react-i18next';
import { describeCron } from './api/schedules';

/** useCronText says a rule in words (in the account's zone), or the rule itself when it is not a common shape. */
export function useCronText() {
  const { t } = useTranslation();
  return (cron: string, zone: string) => {
    const d = describeCron(cron);
    if (!d) return t('schedules.cron.custom', { cron, zone });
    if (d.kind === 'daily') return t('schedules.cron.daily', { time: d.time, zone });
    if (d.kind === 'monthly') return t('schedules.cron.monthly', { time: d.time, day: d.dom, zone });
    return t('schedules.cron.weekly', { time: d.time, days: d.days!.map((x) => t(`schedules.days.${x}`)).join(', '), zone });
  };
}

import { Radio, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useFormat } from '@/hooks/use-session';

export type When = 'now' | 'later';

export interface ScheduleValue {
  when: When;
  // Wall-clock time in the account's zone, as the datetime-local input gives it.
  at: string;
}

/**
 * ScheduleStep: now, or a time in the account's time zone. Recurring sends come
 * with the recurring-schedules API: they get a third choice here ("repeat", with
 * its rule), and CampaignInput carries it; nothing else in the wizard changes.
 */
export function ScheduleStep({ value, onChange, error }: { value: ScheduleValue; onChange: (v: ScheduleValue) => void; error?: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <Stack>
      <Radio.Group label={t('campaigns.wizard.when')} value={value.when} onChange={(w) => onChange({ ...value, when: w as When })}>
        <Stack mt="xs" gap="xs">
          <Radio value="now" label={t('campaigns.wizard.now')} />
          <Radio value="later" label={t('campaigns.wizard.later')} />
          <Radio value="repeat" disabled label={t('campaigns.wizard.repeat')} description={t('campaigns.wizard.repeatSoon')} />
        </Stack>
      </Radio.Group>
      {value.when === 'later' && (
        <TextInput
          type="datetime-local"
          label={t('campaigns.wizard.at', { zone: fmt.timeZone })}
          description={t('campaigns.wizard.atHint', { zone: fmt.timeZone })}
          value={value.at}
          onChange={(e) => onChange({ ...value, at: e.currentTarget.value })}
          error={error}
          w={280}
        />
      )}
      <Text size="sm" c="dimmed">{t('campaigns.wizard.quietHours')}</Text>
    </Stack>
  );
}

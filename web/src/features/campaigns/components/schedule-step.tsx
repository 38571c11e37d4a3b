import { Button, Group, Radio, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useFormat } from '@/hooks/use-session';
import { cronPresets } from '@/features/schedules/api/schedules';
import { useCronText } from '@/features/schedules/cron-hint';

export type When = 'now' | 'later' | 'repeat';

export interface ScheduleValue {
  when: When;
  // Wall-clock time in the account's zone, as the datetime-local input gives it.
  at: string;
  // The repeat rule: five cron fields, read in the account's zone.
  cron: string;
}

/**
 * ScheduleStep: now, a time in the account's time zone, or repeat on a cron rule
 * (in that zone; the wizard then creates a campaign schedule instead of a campaign).
 */
export function ScheduleStep({ value, onChange, error, cronError }: { value: ScheduleValue; onChange: (v: ScheduleValue) => void; error?: string; cronError?: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const cronText = useCronText();
  return (
    <Stack>
      <Radio.Group label={t('campaigns.wizard.when')} value={value.when} onChange={(w) => onChange({ ...value, when: w as When })}>
        <Stack mt="xs" gap="xs">
          <Radio value="now" label={t('campaigns.wizard.now')} />
          <Radio value="later" label={t('campaigns.wizard.later')} />
          <Radio value="repeat" label={t('campaigns.wizard.repeat')} description={t('schedules.wizard.repeatHint')} />
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
      {value.when === 'repeat' && (
        <Stack gap="xs">
          <Group gap="xs">
            {cronPresets.map((p) => (
              <Button key={p.key} size="xs" variant={value.cron === p.cron ? 'filled' : 'default'} onClick={() => onChange({ ...value, cron: p.cron })}>
                {t(`schedules.presets.${p.key}`)}
              </Button>
            ))}
          </Group>
          <TextInput
            label={t('schedules.wizard.cron', { zone: fmt.timeZone })}
            description={t('schedules.wizard.cronFormat')}
            value={value.cron}
            onChange={(e) => onChange({ ...value, cron: e.currentTarget.value })}
            error={cronError}
            w={280}
          />
          {value.cron.trim() && <Text size="sm" aria-live="polite">{cronText(value.cron, fmt.timeZone)}</Text>}
        </Stack>
      )}
      <Text size="sm" c="dimmed">{t('campaigns.wizard.quietHours')}</Text>
    </Stack>
  );
}

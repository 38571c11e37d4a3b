import { Button, Group, Paper, Stack, Text, TextInput } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { BUTTON_NAME_MAX_CHARS, MAX_BUTTONS, chars } from '../lib/text';
import type { TemplateFormValues } from './template-form-values';

/** ButtonsEditor edits an AlimTalk template's link buttons (at most 5). */
export function ButtonsEditor({ form }: { form: UseFormReturnType<TemplateFormValues> }) {
  const { t } = useTranslation();
  const buttons = form.values.buttons;
  return (
    <Stack gap="xs" role="group" aria-label={t('templates.buttons.title')}>
      <Text fw={500} size="sm">{t('templates.buttons.title')}</Text>
      {buttons.length === 0 && <Text size="sm" c="dimmed">{t('templates.buttons.none')}</Text>}
      {buttons.map((b, i) => (
        <Paper key={i} withBorder p="xs">
          <Stack gap={6}>
            <Group grow align="flex-start">
              <TextInput
                label={t('templates.buttons.name', { n: i + 1 })}
                description={t('templates.buttons.nameCount', { n: chars(b.name), max: BUTTON_NAME_MAX_CHARS })}
                {...form.getInputProps(`buttons.${i}.name`)}
              />
              <TextInput label={t('templates.buttons.mobileUrl', { n: i + 1 })} type="url" {...form.getInputProps(`buttons.${i}.mobile_url`)} />
              <TextInput label={t('templates.buttons.pcUrl', { n: i + 1 })} type="url" {...form.getInputProps(`buttons.${i}.pc_url`)} />
            </Group>
            <Button size="compact-xs" variant="subtle" color="red" w="fit-content" onClick={() => form.removeListItem('buttons', i)}>
              {t('templates.buttons.remove', { n: i + 1 })}
            </Button>
          </Stack>
        </Paper>
      ))}
      {form.errors.buttons && <Text c="red" size="sm">{form.errors.buttons}</Text>}
      <Button
        size="xs"
        variant="light"
        w="fit-content"
        disabled={buttons.length >= MAX_BUTTONS}
        onClick={() => form.insertListItem('buttons', { name: '', mobile_url: '', pc_url: '' })}
      >
        {t('templates.buttons.add', { n: buttons.length, max: MAX_BUTTONS })}
      </Button>
    </Stack>
  );
}

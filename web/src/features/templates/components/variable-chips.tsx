import { Button, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useVariables } from '../api/templates';

/** VariableChips offers the account's customer fields and attribute names;
 * a click inserts #{name} where the cursor was. */
export function VariableChips({ onInsert }: { onInsert: (name: string) => void }) {
  const { t } = useTranslation();
  const vars = useVariables();
  const fields = vars.data ? [...vars.data.fields, ...vars.data.email_fields] : [];
  const attrs = vars.data?.attributes ?? [];
  return (
    <Group gap={6} role="group" aria-label={t('templates.variables.label')}>
      <Text size="xs" c="dimmed">{t('templates.variables.label')}</Text>
      {fields.map((v) => (
        <Button key={v} size="compact-xs" variant="light" radius="xl" onMouseDown={(e) => e.preventDefault()} onClick={() => onInsert(v)}
          aria-label={t('templates.variables.insert', { name: v })}>
          {`#{${v}}`}
        </Button>
      ))}
      {attrs.map((v) => (
        <Button key={v} size="compact-xs" variant="default" radius="xl" onMouseDown={(e) => e.preventDefault()} onClick={() => onInsert(v)}
          aria-label={t('templates.variables.insert', { name: v })}>
          {`#{${v}}`}
        </Button>
      ))}
      {vars.data && attrs.length === 0 && <Text size="xs" c="dimmed">{t('templates.variables.noAttributes')}</Text>}
    </Group>
  );
}

import { Button, Paper, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, type Schemas } from '@/lib/api';
import { ErrorNotice } from '@/components/states';
import { useCustomerSearch, usePreview } from '../api/templates';
import { PhoneFrame } from './phone-frame';

/** PreviewPanel renders the saved template through the server for a customer
 * or for sample values, and draws the answer in a phone frame. */
export function PreviewPanel({ template, sender, dirty }: { template: Schemas['Template'] | undefined; sender: string; dirty: boolean }) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'customer' | 'sample'>('customer');
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const [customer, setCustomer] = useState<string | null>(null);
  const [sample, setSample] = useState<Record<string, string>>({});
  const customers = useCustomerSearch(debounced);
  const preview = usePreview(template?.id ?? null);

  if (!template) {
    return (
      <Paper withBorder p="md">
        <Text size="sm" c="dimmed">{t('templates.preview.saveFirst')}</Text>
      </Paper>
    );
  }
  const fieldErrors = preview.error instanceof ApiError ? preview.error.fieldErrors() : {};
  const run = () =>
    preview.mutate(mode === 'customer' ? { customer_id: Number(customer) } : { variables: sample });

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="preview-heading">
      <Stack>
        <Text fw={600} id="preview-heading">{t('templates.preview.title')}</Text>
        {dirty && <Text size="xs" c="orange">{t('templates.preview.unsaved')}</Text>}
        <SegmentedControl
          aria-label={t('templates.preview.source')}
          value={mode}
          onChange={(v) => setMode(v as 'customer' | 'sample')}
          data={[{ value: 'customer', label: t('templates.preview.customer') }, { value: 'sample', label: t('templates.preview.sample') }]}
        />
        {mode === 'customer' ? (
          <Select
            label={t('templates.preview.pickCustomer')}
            searchable
            searchValue={search}
            onSearchChange={setSearch}
            filter={({ options }) => options}
            data={(customers.data ?? []).map((c) => ({ value: String(c.id), label: `${c.name} ${c.phone_display}` }))}
            value={customer}
            onChange={setCustomer}
            nothingFoundMessage={t('templates.preview.noCustomer')}
          />
        ) : (template.variables ?? []).length === 0 ? (
          <Text size="sm" c="dimmed">{t('templates.preview.noVariables')}</Text>
        ) : (
          (template.variables ?? []).map((v) => (
            <TextInput
              key={v}
              label={`#{${v}}`}
              value={sample[v] ?? ''}
              onChange={(e) => setSample((s) => ({ ...s, [v]: e.currentTarget.value }))}
              error={fieldErrors[`variables.${v}`]}
            />
          ))
        )}
        <Button onClick={run} loading={preview.isPending} disabled={mode === 'customer' && !customer} w="fit-content">
          {t('templates.preview.show')}
        </Button>
        {preview.error && <ErrorNotice error={preview.error} />}
        {preview.data && !preview.isPending && <PhoneFrame preview={preview.data} sender={sender} />}
      </Stack>
    </Paper>
  );
}

import { ActionIcon, Button, Group, Modal, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { applyFieldErrors } from '@/lib/forms';
import { ErrorNotice } from '@/components/states';
import { useSaveCustomer } from '../api/customers';

type Customer = Schemas['Customer'];
const fields = ['name', 'phone', 'email', 'attributes', 'opted_out'] as const;

/** CustomerForm creates (customer undefined) or edits a customer in a dialog. */
export function CustomerForm({ customer, opened, onClose }: { customer?: Customer; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const save = useSaveCustomer();
  const form = useForm({
    initialValues: {
      name: customer?.name ?? '',
      phone: customer?.phone_display ?? '',
      email: customer?.email ?? '',
      opted_out: customer?.opted_out ?? false,
      attributes: Object.entries(customer?.attributes ?? {}).map(([key, value]) => ({ key, value })),
    },
  });

  const submit = form.onSubmit((v) => {
    const attributes: Record<string, string> = {};
    for (const a of v.attributes) if (a.key.trim()) attributes[a.key.trim()] = a.value;
    save.mutate(
      { id: customer?.id, body: { name: v.name, phone: v.phone, email: v.email, opted_out: v.opted_out, attributes } },
      {
        onSuccess: () => {
          save.reset();
          onClose();
        },
        onError: (err) => {
          if (applyFieldErrors(err, form.setErrors, fields)) save.reset();
        },
      },
    );
  });

  return (
    <Modal opened={opened} onClose={onClose} title={customer ? t('customers.edit') : t('customers.new')} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label={t('customers.name')} required data-autofocus {...form.getInputProps('name')} />
          <TextInput label={t('customers.phone')} type="tel" required {...form.getInputProps('phone')} />
          <TextInput label={t('customers.email')} type="email" {...form.getInputProps('email')} />
          <Switch label={t('customers.optedOut')} {...form.getInputProps('opted_out', { type: 'checkbox' })} />
          <Stack gap="xs">
            <Text fw={500} size="sm">{t('customers.attributes')}</Text>
            {form.values.attributes.length === 0 && <Text size="sm" c="dimmed">{t('customers.noAttributes')}</Text>}
            {form.values.attributes.map((_, i) => (
              <Group key={i} gap="xs" align="flex-end" wrap="nowrap">
                <TextInput label={t('customers.attrKey', { n: i + 1 })} {...form.getInputProps(`attributes.${i}.key`)} />
                <TextInput label={t('customers.attrValue', { n: i + 1 })} {...form.getInputProps(`attributes.${i}.value`)} />
                <ActionIcon
                  variant="subtle"
                  color="red"
                  size="lg"
                  aria-label={t('customers.attrRemove', { n: i + 1 })}
                  onClick={() => form.removeListItem('attributes', i)}
                >
                  ×
                </ActionIcon>
              </Group>
            ))}
            {form.errors.attributes && <Text c="red" size="sm">{form.errors.attributes}</Text>}
            <Button variant="light" size="xs" w="fit-content" onClick={() => form.insertListItem('attributes', { key: '', value: '' })}>
              {t('customers.attrAdd')}
            </Button>
          </Stack>
          {save.error && <ErrorNotice error={save.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" loading={save.isPending}>{t('common.save')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

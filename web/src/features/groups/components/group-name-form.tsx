import { Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/states';
import { applyFieldErrors } from '@/lib/forms';

/** GroupNameForm asks for a group's name (create or rename). */
export function GroupNameForm({ title, initial, pending, error, onSubmit, onClose }: {
  title: string;
  initial: string;
  pending: boolean;
  error: unknown;
  onSubmit: (name: string, setErrors: (e: Record<string, string>) => void) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const form = useForm({ initialValues: { name: initial } });
  const fieldError = error && applyFieldErrors(error, () => {}, ['name']);
  return (
    <Modal opened onClose={onClose} title={title}>
      <form onSubmit={form.onSubmit((v) => onSubmit(v.name, form.setErrors))} noValidate>
        <Stack>
          <TextInput label={t('groups.name')} required data-autofocus {...form.getInputProps('name')} />
          {error && !fieldError ? <ErrorNotice error={error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" loading={pending}>{t('common.save')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

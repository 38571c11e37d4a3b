import { Alert, Center, Loader, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError } from '@/lib/api';

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Stack align="center" gap="xs">
        <Loader size="sm" aria-hidden />
        <Text size="sm" c="dimmed">{label ?? t('common.loading')}</Text>
      </Stack>
    </Center>
  );
}

export function Empty({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <Center py="xl">
      <Stack align="center" gap="xs" maw={480}>
        <Text fw={600}>{title}</Text>
        {children && <Text size="sm" c="dimmed" ta="center">{children}</Text>}
      </Stack>
    </Center>
  );
}

/** ErrorNotice shows a refused request's problem: its detail, then any field errors. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  const detail = error instanceof ApiError ? error.problem.detail || error.problem.title : String(error);
  const fields = error instanceof ApiError ? error.problem.errors ?? [] : [];
  return (
    <Alert color="red" title={title ?? t('common.error')} role="alert">
      <Text size="sm">{detail}</Text>
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.field + f.message}>
              <Text size="sm" span fw={600}>{f.field}</Text> <Text size="sm" span>{f.message}</Text>
            </li>
          ))}
        </ul>
      )}
    </Alert>
  );
}

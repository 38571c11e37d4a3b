import { Group, Stack, Title, Text } from '@mantine/core';

/** Page is the frame of every page: a heading, an optional line, actions on the right. */
export function Page({ title, description, actions, children }: {
  title: string;
  description?: string;
  actions?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1} size="h2">{title}</Title>
          {description && <Text c="dimmed" size="sm">{description}</Text>}
        </div>
        {actions && <Group gap="xs">{actions}</Group>}
      </Group>
      {children}
    </Stack>
  );
}

import { Container, Group, Paper, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { setLanguage, type Language } from '@/lib/i18n';

/** AuthFrame is the page around the login and sign-up forms, with a language switch. */
export function AuthFrame({ title, children, footer }: { title: string; children: React.ReactNode; footer: React.ReactNode }) {
  const { t, i18n } = useTranslation();
  return (
    <Container size={440} py={60} component="main">
      <Stack gap="lg">
        <Group justify="space-between">
          <Text fw={700} size="xl">sendingo</Text>
          <SegmentedControl
            size="xs"
            aria-label={t('common.language')}
            value={i18n.language}
            onChange={(v) => setLanguage(v as Language)}
            data={[{ value: 'ko', label: '한국어' }, { value: 'en', label: 'English' }]}
          />
        </Group>
        <Paper withBorder p="lg" radius="md">
          <Stack>
            <Title order={1} size="h3">{title}</Title>
            {children}
          </Stack>
        </Paper>
        <Text size="sm" ta="center">{footer}</Text>
      </Stack>
    </Container>
  );
}


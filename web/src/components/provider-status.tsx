import { Badge } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';

const colors: Record<string, string> = { approved: 'green', requested: 'blue', registered: 'gray', rejected: 'red' };

/** providerStatusLabel names an inspection status ("unknown" for one this
 * console does not know). */
export function providerStatusLabel(t: TFunction, status: string): string {
  return t(`templates.providerStatus.${status}`, { defaultValue: t('templates.providerStatus.unknown') });
}

/** ProviderStatusBadge is an AlimTalk template's inspection (검수) status at
 * the provider, as last synced; nothing for a template never synced. */
export function ProviderStatusBadge({ status }: { status?: string }) {
  const { t } = useTranslation();
  if (!status) return null;
  return (
    <Badge size="xs" variant="light" color={colors[status] ?? 'yellow'}>
      {providerStatusLabel(t, status)}
    </Badge>
  );
}

import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const colors: Record<string, string> = { approved: 'green', requested: 'blue', registered: 'gray', rejected: 'red' };

/** ProviderStatusBadge is an AlimTalk template's inspection (검수) status at
 * the provider, as last synced; nothing for a template never synced. */
export function ProviderStatusBadge({ status }: { status?: string }) {
  const { t } = useTranslation();
  if (!status) return null;
  return (
    <Badge size="xs" variant="light" color={colors[status] ?? 'yellow'}>
      {t(`templates.providerStatus.${status}`, { defaultValue: t('templates.providerStatus.unknown') })}
    </Badge>
  );
}

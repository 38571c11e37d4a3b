import { Alert, Checkbox, NumberInput, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { useFormat } from '@/hooks/use-session';
import { formatNumber } from '@/lib/format';
import { useRecommendation } from '../api/campaigns';
import { normalise, setShare } from '../lib/shares';

export type Mode = 'weighted' | 'cheapest' | 'fastest';

export interface RoutingValue {
  mode: Mode;
  // The relays chosen, in the table's order, and their shares (weighted).
  relayIds: number[];
  shares: number[];
}

/** relayChannels are the relay channels that carry a template's channel. */
export function relayChannels(channel: string | undefined): string[] {
  if (channel === 'sms' || channel === 'lms') return ['sms', 'lms'];
  return channel ? [channel] : [];
}

export function RoutingStep({ relays, channel, value, onChange }: {
  relays: Schemas['Relay'][];
  channel: string | undefined;
  value: RoutingValue;
  onChange: (v: RoutingValue) => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const rec = useRecommendation(channel ?? null);
  const usable = relays.filter((r) => r.enabled && relayChannels(channel).includes(r.channel));

  function toggle(id: number, on: boolean) {
    const ids = on ? [...value.relayIds, id] : value.relayIds.filter((x) => x !== id);
    const ordered = usable.map((r) => r.id).filter((x) => ids.includes(x));
    const weights = ordered.map((x) => usable.find((r) => r.id === x)?.weight ?? 1);
    onChange({ ...value, relayIds: ordered, shares: normalise(weights) });
  }

  const total = value.shares.reduce((a, b) => a + b, 0);
  return (
    <Stack>
      {rec.data && (
        <Alert color={rec.data.relay_id ? 'blue' : 'orange'} title={t('campaigns.wizard.recommendation')}>
          <Text size="sm">
            {rec.data.relay_id ? t('campaigns.wizard.recommended', { name: rec.data.name }) : ''} {rec.data.reason}
          </Text>
        </Alert>
      )}
      <SegmentedControl
        aria-label={t('campaigns.wizard.mode')}
        value={value.mode}
        onChange={(m) => onChange({ ...value, mode: m as Mode })}
        data={(['weighted', 'cheapest', 'fastest'] as const).map((m) => ({ value: m, label: t(`campaigns.modes.${m}`) }))}
      />
      <Text size="sm" c="dimmed">{t(`campaigns.modeHelp.${value.mode}`)}</Text>
      {usable.length === 0 ? (
        <Alert color="orange" title={t('campaigns.wizard.noRelays')}>{t('campaigns.wizard.noRelaysHint')}</Alert>
      ) : (
        <Table aria-label={t('campaigns.wizard.relays')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('campaigns.wizard.useRelay')}</Table.Th>
              <Table.Th>{t('relays.channel')}</Table.Th>
              <Table.Th ta="right">{t('relays.price')}</Table.Th>
              {value.mode === 'weighted' && <Table.Th>{t('campaigns.wizard.share')}</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {usable.map((r) => {
              const i = value.relayIds.indexOf(r.id);
              return (
                <Table.Tr key={r.id}>
                  <Table.Td>
                    <Checkbox label={r.name} checked={i >= 0} onChange={(e) => toggle(r.id, e.currentTarget.checked)} />
                  </Table.Td>
                  <Table.Td>{t(`templates.channels.${r.channel}`)}</Table.Td>
                  <Table.Td ta="right">{t('relays.priceWon', { price: formatNumber(fmt, r.price / 1000, { maximumFractionDigits: 3 }) })}</Table.Td>
                  {value.mode === 'weighted' && (
                    <Table.Td>
                      {i >= 0 && (
                        <NumberInput
                          aria-label={t('campaigns.wizard.shareOf', { name: r.name })}
                          value={value.shares[i]}
                          min={0}
                          max={100}
                          suffix="%"
                          allowDecimal={false}
                          clampBehavior="strict"
                          w={110}
                          disabled={value.relayIds.length === 1}
                          onChange={(v) => onChange({ ...value, shares: setShare(value.shares, i, Number(v)) })}
                        />
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {value.mode === 'weighted' && value.relayIds.length > 0 && (
        <Text size="sm" role="status">{t('campaigns.wizard.shareTotal', { total })}</Text>
      )}
    </Stack>
  );
}

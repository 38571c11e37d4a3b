import { Alert, Anchor, Badge, Button, Group, Modal, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useRole } from '@/features/members/api/members';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatNumber, formatPercent } from '@/lib/format';
import { useDeleteRelay, useRecommendations, useRelayHealth, useRelays } from '../api/relays';

type Channel = 'alimtalk' | 'sms' | 'lms' | 'email';
const breakerColor = { closed: 'green', half_open: 'yellow', open: 'red' } as const;

export function RelaysRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const relays = useRelays();
  const health = useRelayHealth();
  const del = useDeleteRelay();
  const mayEdit = useRole().can('admin');
  const [deleting, setDeleting] = useState<Schemas['Relay'] | null>(null);
  const items = relays.data?.items ?? [];
  const channels = [...new Set(items.map((r) => r.channel as Channel))].sort();
  const recs = useRecommendations(channels);
  const byRelay = new Map((health.data?.items ?? []).map((h) => [h.relay_id, h.health]));

  return (
    <Page title={t('relays.title')} description={t('relays.description')}
      actions={mayEdit && <Button component={Link} to="/relays/new">{t('relays.new')}</Button>}>
      {relays.error && <ErrorNotice error={relays.error} />}
      {recs.map((r, i) =>
        r.data ? (
          <Alert key={channels[i]} color={r.data.relay_id ? 'blue' : 'orange'} title={t('relays.recommendation', { channel: t(`templates.channels.${channels[i]}`) })}>
            <Text size="sm">{r.data.relay_id ? t('relays.recommended', { name: r.data.name }) : ''} {r.data.reason}</Text>
          </Alert>
        ) : null,
      )}
      {relays.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title={t('relays.empty')}>{t('relays.emptyHint')}</Empty>
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table striped aria-label={t('relays.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('relays.name')}</Table.Th>
                <Table.Th>{t('relays.kind')}</Table.Th>
                <Table.Th>{t('relays.channel')}</Table.Th>
                <Table.Th ta="right">{t('relays.weight')}</Table.Th>
                <Table.Th ta="right">{t('relays.price')}</Table.Th>
                <Table.Th ta="right">{t('relays.successRate')}</Table.Th>
                <Table.Th ta="right">{t('relays.latency')}</Table.Th>
                <Table.Th>{t('relays.circuit')}</Table.Th>
                <Table.Th><VisuallyHidden>{t('common.actions')}</VisuallyHidden></Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((r) => {
                const h = byRelay.get(r.id);
                return (
                  <Table.Tr key={r.id}>
                    <Table.Td>
                      <Group gap={6}>
                        <Anchor component={Link} to={`/relays/${r.id}`} size="sm">{r.name}</Anchor>
                        {!r.enabled && <Badge size="xs" color="gray">{t('relays.disabled')}</Badge>}
                      </Group>
                    </Table.Td>
                    <Table.Td>{t(`relays.kinds.${r.kind}`)}</Table.Td>
                    <Table.Td>{t(`templates.channels.${r.channel}`)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(fmt, r.weight)}</Table.Td>
                    <Table.Td ta="right">{t('relays.priceWon', { price: formatNumber(fmt, r.price / 1000, { maximumFractionDigits: 3 }) })}</Table.Td>
                    <Table.Td ta="right">{h && h.calls > 0 ? formatPercent(fmt, h.success_rate) : t('relays.noCalls')}</Table.Td>
                    <Table.Td ta="right">
                      {h && h.calls > 0 ? t('relays.latencyValue', { p50: formatNumber(fmt, Math.round(h.latency_p50_ms)), p95: formatNumber(fmt, Math.round(h.latency_p95_ms)) }) : '—'}
                    </Table.Td>
                    <Table.Td>
                      {h ? <Badge color={breakerColor[h.breaker.state]} variant="light">{t(`relays.breaker.${h.breaker.state}`)}</Badge> : '—'}
                    </Table.Td>
                    <Table.Td>
                      {mayEdit && <Group gap={4} wrap="nowrap">
                        <Button size="compact-xs" variant="subtle" component={Link} to={`/relays/${r.id}`} aria-label={t('relays.editNamed', { name: r.name })}>
                          {t('common.edit')}
                        </Button>
                        <Button size="compact-xs" variant="subtle" color="red" onClick={() => { del.reset(); setDeleting(r); }} aria-label={t('relays.deleteNamed', { name: r.name })}>
                          {t('common.delete')}
                        </Button>
                      </Group>}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('relays.deleteTitle')}>
        <Stack>
          <Text size="sm">{t('relays.deleteConfirm', { name: deleting?.name })}</Text>
          {del.error && <ErrorNotice error={del.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>{t('common.cancel')}</Button>
            <Button color="red" loading={del.isPending} onClick={() => deleting && del.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}>
              {t('common.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Page>
  );
}

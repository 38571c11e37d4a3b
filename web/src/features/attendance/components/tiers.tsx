import { Alert, Badge, Button, Group, Modal, NumberInput, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { applyFieldErrors } from '@/lib/forms';
import { formatDateTime, formatNumber } from '@/lib/format';
import { useAdjustStock, useSaveTier, useStockTrail, useTiers, type Tier } from '../api/attendance';
import './tiers.css';

/** StockBar: what is left of what the tier has held (left + given out), with
 * the low-stock threshold marked on it. */
export function StockBar({ tier }: { tier: Tier }) {
  const { t } = useTranslation();
  const max = Math.max(tier.stock + tier.granted, tier.low_stock_threshold + 1, 1);
  const low = tier.stock <= tier.low_stock_threshold;
  return (
    <div className="stock-bar">
      <div
        className="stock-bar-track"
        role="progressbar"
        aria-label={t('events.tiers.stockOf', { name: tier.name })}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={tier.stock}
        aria-valuetext={t('events.tiers.stockText', { stock: tier.stock, threshold: tier.low_stock_threshold })}
      >
        <div className={low ? 'stock-bar-fill stock-bar-low' : 'stock-bar-fill'} style={{ width: `${(tier.stock / max) * 100}%` }} />
        <div className="stock-bar-threshold" style={{ left: `${(tier.low_stock_threshold / max) * 100}%` }} aria-hidden="true" />
      </div>
      <Group justify="space-between" mt={4}>
        <Text size="sm" fw={600} c={low ? 'red.9' : undefined}>{t('events.tiers.stock', { n: tier.stock })}</Text>
        <Text size="xs" c="dimmed">{t('events.tiers.threshold', { n: tier.low_stock_threshold })}</Text>
      </Group>
    </div>
  );
}

function AdjustStock({ eventId, tier, onClose }: { eventId: number; tier: Tier; onClose: () => void }) {
  const { t } = useTranslation();
  const adjust = useAdjustStock(eventId);
  const form = useForm({
    initialValues: { delta: 1 as number | string, reason: '' },
    validate: {
      delta: (v) => (Number(v) === 0 || !Number.isInteger(Number(v)) ? t('events.stock.deltaRequired') : null),
      reason: (v) => (v.trim() ? null : t('events.stock.reasonRequired')),
    },
  });
  const done = adjust.data;
  return (
    <Stack>
      {done ? (
        <>
          <Alert color="green" title={t('events.stock.done', { before: done.adjustment.stock_before, after: done.tier.stock })}>
            <Text size="sm">
              {done.granted.length > 0 ? t('events.stock.served', { count: done.granted.length, names: done.granted.map((g) => g.customer_name).join(', ') }) : t('events.stock.noneWaiting')}
            </Text>
            {done.notice && <Text size="sm">{t(`events.stock.notice.${done.notice.status}`)}{done.notice.detail ? ` ${done.notice.detail}` : ''}</Text>}
          </Alert>
          <Group justify="flex-end"><Button onClick={onClose}>{t('common.close')}</Button></Group>
        </>
      ) : (
        <form onSubmit={form.onSubmit((v) => adjust.mutate({ tierId: tier.id, delta: Number(v.delta), reason: v.reason.trim() },
          { onError: (err) => applyFieldErrors(err, form.setErrors, ['delta', 'reason']) }))} noValidate>
          <Stack>
            <Text size="sm">{t('events.stock.now', { n: tier.stock, waiting: tier.waitlisted })}</Text>
            <NumberInput label={t('events.stock.delta')} description={t('events.stock.deltaHint')} allowDecimal={false} w={200} {...form.getInputProps('delta')} />
            <TextInput label={t('events.stock.reason')} required {...form.getInputProps('reason')} />
            {adjust.error && <ErrorNotice error={adjust.error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
              <Button type="submit" loading={adjust.isPending}>{t('events.stock.apply')}</Button>
            </Group>
          </Stack>
        </form>
      )}
    </Stack>
  );
}

function StockTrail({ eventId, tier }: { eventId: number; tier: Tier }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const trail = useStockTrail(eventId, tier.id);
  if (trail.error) return <ErrorNotice error={trail.error} />;
  if (!trail.data) return <Loading />;
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped aria-label={t('events.stock.trail')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('events.stock.when')}</Table.Th>
            <Table.Th>{t('events.stock.who')}</Table.Th>
            <Table.Th ta="right">{t('events.stock.change')}</Table.Th>
            <Table.Th ta="right">{t('events.stock.beforeAfter')}</Table.Th>
            <Table.Th>{t('events.stock.reason')}</Table.Th>
            <Table.Th ta="right">{t('events.stock.servedCol')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {trail.data.items.map((a) => (
            <Table.Tr key={a.id}>
              <Table.Td>{formatDateTime(fmt, a.created_at)}</Table.Td>
              <Table.Td>{a.actor_name || t(`events.stock.actor.${a.actor_kind}`)}</Table.Td>
              <Table.Td ta="right">{a.delta > 0 ? `+${a.delta}` : a.delta}</Table.Td>
              <Table.Td ta="right">{a.stock_before} → {a.stock_after}</Table.Td>
              <Table.Td>{a.reason}</Table.Td>
              <Table.Td ta="right">{formatNumber(fmt, a.waitlist_granted)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function TierForm({ eventId, tier, onDone }: { eventId: number; tier?: Tier; onDone: () => void }) {
  const { t } = useTranslation();
  const save = useSaveTier(eventId);
  const form = useForm({
    initialValues: { name: tier?.name ?? '', days: (tier?.days ?? 1) as number | string, stock: 10 as number | string, low_stock_threshold: (tier?.low_stock_threshold ?? 0) as number | string },
    validate: { name: (v) => (v.trim() ? null : t('events.tiers.nameRequired')) },
  });
  return (
    <form noValidate onSubmit={form.onSubmit((v) => save.mutate(
      { tierId: tier?.id, body: { name: v.name.trim(), days: Number(v.days), low_stock_threshold: Number(v.low_stock_threshold), ...(tier ? {} : { stock: Number(v.stock) }) } },
      { onSuccess: () => { form.reset(); onDone(); }, onError: (err) => applyFieldErrors(err, form.setErrors, ['name', 'days', 'stock', 'low_stock_threshold']) },
    ))}>
      <Group align="flex-end" wrap="wrap">
        <NumberInput label={t('events.tiers.days')} min={1} allowDecimal={false} w={120} {...form.getInputProps('days')} />
        <TextInput label={t('events.tiers.name')} required w={220} {...form.getInputProps('name')} />
        {!tier && <NumberInput label={t('events.tiers.initialStock')} min={0} allowDecimal={false} w={120} {...form.getInputProps('stock')} />}
        <NumberInput label={t('events.tiers.lowStock')} min={0} allowDecimal={false} w={140} {...form.getInputProps('low_stock_threshold')} />
        <Button type="submit" loading={save.isPending}>{tier ? t('common.save') : t('events.tiers.add')}</Button>
      </Group>
      {save.error && <ErrorNotice error={save.error} />}
    </form>
  );
}

/** TiersPanel: the event's reward tiers with their stock, and the stock changes. */
export function TiersPanel({ eventId }: { eventId: number }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const tiers = useTiers(eventId);
  const [dialog, setDialog] = useState<{ kind: 'adjust' | 'trail' | 'edit'; tier: Tier } | null>(null);
  return (
    <Stack>
      {tiers.error && <ErrorNotice error={tiers.error} />}
      {tiers.isPending ? (
        <Loading />
      ) : tiers.data?.length === 0 ? (
        <Empty title={t('events.tiers.empty')}>{t('events.tiers.emptyHint')}</Empty>
      ) : (
        <div className="tier-grid">
          {tiers.data?.map((tier) => (
            <Paper key={tier.id} withBorder p="md" component="section" aria-label={tier.name}>
              <Group justify="space-between" mb="xs">
                <div>
                  <Title order={3} size="h5">{tier.name}</Title>
                  <Text size="xs" c="dimmed">{t('events.tiers.reachedAt', { days: tier.days })}</Text>
                </div>
                {tier.stock <= tier.low_stock_threshold && <Badge color="red" variant="light">{t('events.tiers.low')}</Badge>}
              </Group>
              <StockBar tier={tier} />
              <Group gap="lg" mt="xs">
                <Text size="sm">{t('events.tiers.granted', { n: formatNumber(fmt, tier.granted) })}</Text>
                <Text size="sm" fw={tier.waitlisted > 0 ? 700 : undefined}>{t('events.tiers.waitlisted', { n: formatNumber(fmt, tier.waitlisted) })}</Text>
              </Group>
              <Group gap="xs" mt="sm">
                <Button size="xs" onClick={() => setDialog({ kind: 'adjust', tier })} aria-label={t('events.stock.adjustNamed', { name: tier.name })}>{t('events.stock.adjust')}</Button>
                <Button size="xs" variant="default" onClick={() => setDialog({ kind: 'trail', tier })} aria-label={t('events.stock.trailNamed', { name: tier.name })}>{t('events.stock.trail')}</Button>
                <Button size="xs" variant="subtle" onClick={() => setDialog({ kind: 'edit', tier })} aria-label={t('events.tiers.editNamed', { name: tier.name })}>{t('common.edit')}</Button>
              </Group>
            </Paper>
          ))}
        </div>
      )}
      <Paper withBorder p="md" component="section" aria-label={t('events.tiers.new')}>
        <Title order={3} size="h5" mb="xs">{t('events.tiers.new')}</Title>
        <TierForm eventId={eventId} onDone={() => {}} />
      </Paper>
      <Modal opened={dialog !== null} onClose={() => setDialog(null)} size={dialog?.kind === 'trail' ? 'xl' : 'md'}
        title={dialog ? t(`events.dialog.${dialog.kind}`, { name: dialog.tier.name }) : ''}>
        {dialog?.kind === 'adjust' && <AdjustStock eventId={eventId} tier={dialog.tier} onClose={() => setDialog(null)} />}
        {dialog?.kind === 'trail' && <StockTrail eventId={eventId} tier={dialog.tier} />}
        {dialog?.kind === 'edit' && <TierForm eventId={eventId} tier={dialog.tier} onDone={() => setDialog(null)} />}
      </Modal>
    </Stack>
  );
}

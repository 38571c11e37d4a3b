import { Button, Group, NumberInput, Pagination, Paper, Table, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { applyFieldErrors } from '@/lib/forms';
import { formatDateTime, formatNumber } from '@/lib/format';
import { usePurchases, useRecordPurchase } from '../api/attendance';

/** PurchasesRoute: the purchases that make customers eligible for attendance
 * events (usually recorded by the shop's backend with an API key), and a form
 * to record one by hand. */
export function PurchasesRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [page, setPage] = useState(1);
  const list = usePurchases(page);
  const record = useRecordPurchase();
  const form = useForm({
    initialValues: { phone: '', order_id: '', amount: 0 as number | string },
    validate: {
      phone: (v) => (v.trim() ? null : t('purchases.phoneRequired')),
      order_id: (v) => (v.trim() ? null : t('purchases.orderRequired')),
    },
  });
  const items = list.data?.items ?? [];
  return (
    <Page title={t('purchases.title')} description={t('purchases.description')}>
      <Paper withBorder p="md" component="section" aria-label={t('purchases.record')}>
        <Title order={2} size="h4" mb="xs">{t('purchases.record')}</Title>
        <form noValidate onSubmit={form.onSubmit((v) => record.mutate(
          { customer: { phone: v.phone.trim() }, order_id: v.order_id.trim(), amount: Number(v.amount) },
          {
            onSuccess: () => form.reset(),
            onError: (err) => applyFieldErrors(err, (e) => form.setErrors({ phone: e.customer, ...e }), ['customer', 'order_id', 'amount']),
          },
        ))}>
          <Group align="flex-end" wrap="wrap">
            <TextInput label={t('purchases.phone')} required w={200} {...form.getInputProps('phone')} />
            <TextInput label={t('purchases.orderId')} required w={200} {...form.getInputProps('order_id')} />
            <NumberInput label={t('purchases.amount')} min={0} allowDecimal={false} thousandSeparator="," w={160} {...form.getInputProps('amount')} />
            <Button type="submit" loading={record.isPending}>{t('purchases.save')}</Button>
          </Group>
        </form>
        {record.error && <ErrorNotice error={record.error} />}
      </Paper>
      {list.error && <ErrorNotice error={list.error} />}
      {list.isPending ? <Loading /> : items.length === 0 ? <Empty title={t('purchases.empty')}>{t('purchases.emptyHint')}</Empty> : (
        <Table striped aria-label={t('purchases.title')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('purchases.when')}</Table.Th>
              <Table.Th>{t('purchases.orderId')}</Table.Th>
              <Table.Th>{t('purchases.customer')}</Table.Th>
              <Table.Th ta="right">{t('purchases.amount')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td>{formatDateTime(fmt, p.purchased_at)}</Table.Td>
                <Table.Td>{p.order_id}</Table.Td>
                <Table.Td>#{p.customer_id}</Table.Td>
                <Table.Td ta="right">{formatNumber(fmt, p.amount)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {list.data && list.data.total > 50 && (
        <Pagination total={Math.ceil(list.data.total / 50)} value={page} onChange={setPage}
          getControlProps={(c) => ({ 'aria-label': t(`common.page.${c}`) })}
          getItemProps={(p) => ({ 'aria-label': t('common.page.number', { page: p }) })} />
      )}
    </Page>
  );
}

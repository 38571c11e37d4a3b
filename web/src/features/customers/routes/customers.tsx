import { Badge, Button, Checkbox, Group, Modal, Pagination, Select, Stack, Table, Text, TextInput, VisuallyHidden } from "@mantine/core";
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useGroupOptions } from '@/hooks/use-group-options';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime, formatNumber } from '@/lib/format';
import { filterFrom, useCustomers, useDeleteCustomer } from '../api/customers';
import { CustomerForm } from '../components/customer-form';
import { BulkActions } from '../components/bulk-actions';

export function CustomersRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [debounced] = useDebouncedValue(q, 300);
  const filter = filterFrom(params, debounced);
  const { groupId, page, size } = filter;
  const groups = useGroupOptions();
  const list = useCustomers(filter);
  const del = useDeleteCustomer();
  const [selected, setSelected] = useState<number[]>([]);
  const [editing, setEditing] = useState<Schemas['Customer'] | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Schemas['Customer'] | null>(null);

  const set = (k: string, v: string | null) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    if (k !== 'page') p.delete('page');
    setParams(p, { replace: true });
    setSelected([]);
  };

  const items = list.data?.items ?? [];
  const allOnPage = items.length > 0 && items.every((c) => selected.includes(c.id));
  const toggle = (id: number) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));

  return (
    <Page
      title={t('customers.title')}
      description={list.data ? t('customers.count', { count: list.data.total, n: formatNumber(fmt, list.data.total) }) : undefined}
      actions={<Button onClick={() => setEditing('new')}>{t('customers.new')}</Button>}
    >
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label={t('customers.search')}
          description={t('customers.searchHint')}
          type="search"
          value={q}
          onChange={(e) => {
            setQ(e.currentTarget.value);
            if (page !== 1) set('page', null);
          }}
          w={320}
        />
        <Select
          label={t('customers.groupFilter')}
          placeholder={t('customers.allGroups')}
          clearable
          data={(groups.data ?? []).map((g) => ({ value: String(g.id), label: `${g.name} (${formatNumber(fmt, g.customer_count)})` }))}
          value={groupId ? String(groupId) : null}
          onChange={(v) => set('group', v)}
          w={260}
        />
      </Group>
      <BulkActions ids={selected} fromGroup={groupId} onDone={() => setSelected([])} />
      {list.error && <ErrorNotice error={list.error} />}
      {list.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title={debounced ? t('customers.noMatch') : t('customers.empty')}>{!debounced && t('customers.emptyHint')}</Empty>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped highlightOnHover aria-label={t('customers.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={40}>
                  <Checkbox
                    aria-label={t('customers.selectPage')}
                    checked={allOnPage}
                    indeterminate={!allOnPage && items.some((c) => selected.includes(c.id))}
                    onChange={() =>
                      setSelected(allOnPage ? selected.filter((id) => !items.some((c) => c.id === id)) : [...new Set([...selected, ...items.map((c) => c.id)])])
                    }
                  />
                </Table.Th>
                <Table.Th>{t('customers.name')}</Table.Th>
                <Table.Th>{t('customers.phone')}</Table.Th>
                <Table.Th>{t('customers.email')}</Table.Th>
                <Table.Th>{t('customers.groups')}</Table.Th>
                <Table.Th>{t('customers.updated')}</Table.Th>
                <Table.Th><VisuallyHidden>{t("common.actions")}</VisuallyHidden></Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>
                    <Checkbox aria-label={t('customers.select', { name: c.name })} checked={selected.includes(c.id)} onChange={() => toggle(c.id)} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6}>
                      <Text size="sm">{c.name}</Text>
                      {c.opted_out && <Badge color="gray" size="xs">{t('customers.optedOutBadge')}</Badge>}
                    </Group>
                  </Table.Td>
                  <Table.Td>{c.phone_display}</Table.Td>
                  <Table.Td>{c.email}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>{c.groups.map((g) => <Badge key={g.id} variant="light" size="sm">{g.name}</Badge>)}</Group>
                  </Table.Td>
                  <Table.Td>{formatDateTime(fmt, c.updated_at)}</Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Button size="compact-xs" variant="subtle" onClick={() => setEditing(c)} aria-label={t('customers.editNamed', { name: c.name })}>
                        {t('common.edit')}
                      </Button>
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => setDeleting(c)} aria-label={t('customers.deleteNamed', { name: c.name })}>
                        {t('common.delete')}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {list.data && list.data.total > size && (
        <Pagination
          total={Math.ceil(list.data.total / size)}
          value={page}
          onChange={(p) => set('page', String(p))}
          getControlProps={(c) => ({ 'aria-label': t(`common.page.${c}`) })}
          getItemProps={(p) => ({ 'aria-label': t('common.page.number', { page: p }) })}
        />
      )}
      {editing && (
        <CustomerForm customer={editing === 'new' ? undefined : editing} opened onClose={() => setEditing(null)} />
      )}
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('customers.deleteTitle')}>
        <Stack>
          <Text size="sm">{t('customers.deleteConfirm', { name: deleting?.name })}</Text>
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

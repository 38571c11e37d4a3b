import { Alert, List, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError } from '@/lib/api';
import { ErrorNotice } from '@/components/states';
import { formatPhone } from '@/lib/format';

interface MissingCustomer {
  customer_id: number;
  name: string;
  phone: string;
  missing: string[];
}

/** MissingTable lists customers without a value for a template variable. */
export function MissingTable({ customers, total }: { customers: MissingCustomer[]; total: number }) {
  const { t } = useTranslation();
  return (
    <>
      <Table.ScrollContainer minWidth={480}>
        <Table striped aria-label={t('campaigns.refusal.missingTable')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('customers.name')}</Table.Th>
              <Table.Th>{t('customers.phone')}</Table.Th>
              <Table.Th>{t('campaigns.refusal.missingVars')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {customers.map((c) => (
              <Table.Tr key={c.customer_id}>
                <Table.Td>{c.name}</Table.Td>
                <Table.Td>{formatPhone(c.phone)}</Table.Td>
                <Table.Td>{c.missing.map((v) => `#{${v}}`).join(', ')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {total > customers.length && <Text size="sm">{t('campaigns.refusal.andMore', { count: total - customers.length })}</Text>}
    </>
  );
}

/** SendRefusal shows why a send was refused, in full: the problem's detail and,
 * for missing variables, every customer listed with what each lacks. */
export function SendRefusal({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!(error instanceof ApiError) || error.status !== 422) return <ErrorNotice error={error} />;
  const p = error.problem as typeof error.problem & { missing_count?: number; customers?: MissingCustomer[] };
  const slug = p.type?.split('/').pop() ?? '';
  const known = ['no-relay', 'no-recipients', 'missing-variables', 'template-missing', 'invalid-template'];
  return (
    <Alert color="red" title={known.includes(slug) ? t(`campaigns.refusal.${slug}`) : t('campaigns.refusal.title')} role="alert">
      <Text size="sm">{p.detail}</Text>
      {p.errors && p.errors.length > 0 && (
        <List size="sm">
          {p.errors.map((e) => <List.Item key={e.field + e.message}>{e.field}: {e.message}</List.Item>)}
        </List>
      )}
      {p.customers && p.customers.length > 0 && (
        <>
          <Text size="sm" fw={600} mt="xs">{t('campaigns.refusal.missingCount', { count: p.missing_count ?? p.customers.length })}</Text>
          <MissingTable customers={p.customers} total={p.missing_count ?? p.customers.length} />
        </>
      )}
    </Alert>
  );
}

import { Badge, Button, Checkbox, Chip, Group, Pagination, Paper, Progress, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatNumber, type FormatContext } from '@/lib/format';
import { roots } from '@/lib/query-roots';
import { useDeleteRows, useImport, useImportRows, type VerdictFilter } from '../api/imports';
import { CommitPanel } from '../components/commit-panel';

function Stat({ label, value, fmt }: { label: string; value: number; fmt: FormatContext }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed">{label}</Text>
      <Text fw={700} size="lg">{formatNumber(fmt, value)}</Text>
    </Paper>
  );
}

export function ImportRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const id = Number(useParams().id);
  const qc = useQueryClient();
  const imp = useImport(id);
  const [verdict, setVerdict] = useState<VerdictFilter>('all');
  const [page, setPage] = useState(1);
  const rows = useImportRows(id, verdict, page);
  const del = useDeleteRows(id);
  const [selected, setSelected] = useState<number[]>([]);

  const status = imp.data?.status;
  useEffect(() => {
    // The committed customers and the group's count are new data elsewhere.
    if (status === 'completed') {
      void qc.invalidateQueries({ queryKey: roots.customers });
      void qc.invalidateQueries({ queryKey: roots.groups });
    }
  }, [status, qc]);

  if (imp.isPending) return <Loading />;
  if (imp.error) return <ErrorNotice error={imp.error} />;
  const d = imp.data;
  const staged = d.status === 'staged';
  const items = rows.data?.items ?? [];
  const chips: { value: VerdictFilter; count: number }[] = [
    { value: 'all', count: d.total_rows },
    { value: 'ok', count: d.valid_rows },
    { value: 'invalid', count: d.invalid_rows },
    { value: 'duplicate', count: d.duplicate_rows },
  ];

  return (
    <Page title={d.filename} description={t('imports.detailDescription')}
      actions={<Button component={Link} to="/imports" variant="default">{t('imports.back')}</Button>}>
      <div className="stat-grid">
        <Stat label={t('imports.total')} value={d.total_rows} fmt={fmt} />
        <Stat label={t('imports.verdicts.ok')} value={d.valid_rows} fmt={fmt} />
        <Stat label={t('imports.verdicts.invalid')} value={d.invalid_rows} fmt={fmt} />
        <Stat label={t('imports.verdicts.duplicate')} value={d.duplicate_rows} fmt={fmt} />
      </div>

      {d.status !== 'staged' && (
        <Paper withBorder p="md" component="section" aria-label={t('imports.progressTitle')}>
          <Stack gap="xs">
            <Group justify="space-between">
              <Text fw={600}>{t(`imports.statuses.${d.status}`)}</Text>
              <Text size="sm">{formatNumber(fmt, d.progress.processed)} / {formatNumber(fmt, d.progress.total)}</Text>
            </Group>
            <Progress value={d.progress.percent} size="lg" aria-label={t('imports.progressLabel')} animated={d.status === 'committing'} />
            <Text size="sm" aria-live="polite">{t('imports.percent', { percent: d.progress.percent })}</Text>
            {d.status === 'completed' && (
              <Text size="sm" role="status">
                {t('imports.result', { created: formatNumber(fmt, d.created), updated: formatNumber(fmt, d.updated), skipped: formatNumber(fmt, d.skipped) })}
              </Text>
            )}
            {d.error && <ErrorNotice error={d.error} />}
          </Stack>
        </Paper>
      )}

      {staged && <CommitPanel importId={id} validRows={d.valid_rows} defaultName={d.filename.replace(/\.(xlsx|csv)$/i, '')} />}

      <Chip.Group multiple={false} value={verdict} onChange={(v) => { setVerdict(v as VerdictFilter); setPage(1); setSelected([]); }}>
        <Group gap="xs" role="group" aria-label={t('imports.filter')}>
          {chips.map((c) => (
            <Chip key={c.value} value={c.value}>
              {t(`imports.verdicts.${c.value}`)} {formatNumber(fmt, c.count)}
            </Chip>
          ))}
        </Group>
      </Chip.Group>

      {staged && (
        <Group>
          <Text size="sm">{t('imports.selectedRows', { count: selected.length })}</Text>
          <Button size="xs" color="red" variant="light" disabled={selected.length === 0} loading={del.isPending}
            onClick={() => del.mutate(selected, { onSuccess: () => setSelected([]) })}>
            {t('imports.deleteRows')}
          </Button>
        </Group>
      )}
      {del.error && <ErrorNotice error={del.error} />}
      {rows.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title={t('imports.noRows')} />
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped aria-label={t('imports.rowsTable')}>
            <Table.Thead>
              <Table.Tr>
                {staged && <Table.Th w={40}><VisuallyHidden>{t('common.select')}</VisuallyHidden></Table.Th>}
                <Table.Th>{t('imports.line')}</Table.Th>
                <Table.Th>{t('customers.name')}</Table.Th>
                <Table.Th>{t('customers.phone')}</Table.Th>
                <Table.Th>{t('customers.email')}</Table.Th>
                <Table.Th>{t('imports.verdict')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((r) => (
                <Table.Tr key={r.id}>
                  {staged && (
                    <Table.Td>
                      <Checkbox aria-label={t('imports.selectRow', { line: r.line })} checked={selected.includes(r.id)}
                        onChange={() => setSelected((s) => (s.includes(r.id) ? s.filter((x) => x !== r.id) : [...s, r.id]))} />
                    </Table.Td>
                  )}
                  <Table.Td>{r.line}</Table.Td>
                  <Table.Td>{r.name}</Table.Td>
                  <Table.Td>{r.raw_phone}</Table.Td>
                  <Table.Td>{r.email}</Table.Td>
                  <Table.Td>
                    <Badge color={r.verdict === 'ok' ? 'green' : r.verdict === 'duplicate' ? 'yellow' : 'red'} variant="light">
                      {t(`imports.verdicts.${r.verdict}`)}
                    </Badge>
                    {r.reason && <Text size="xs" c="dimmed">{r.reason}</Text>}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {rows.data && rows.data.total > 50 && (
        <Pagination total={Math.ceil(rows.data.total / 50)} value={page} onChange={setPage}
          getControlProps={(c) => ({ 'aria-label': t(`common.page.${c}`) })}
          getItemProps={(p) => ({ 'aria-label': t('common.page.number', { page: p }) })} />
      )}
    </Page>
  );
}

import { Anchor, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime, formatNumber } from '@/lib/format';
import { sampleURL, useImports, useUpload } from '../api/imports';

const accept = {
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['.xlsx'],
  'text/csv': ['.csv'],
};

export function ImportsRoute() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const list = useImports(1);
  const upload = useUpload();

  const onDrop = (files: File[]) => {
    if (files[0]) upload.mutate(files[0], { onSuccess: (imp) => navigate(`/imports/${imp.id}`) });
  };

  return (
    <Page
      title={t('imports.title')}
      description={t('imports.description')}
      actions={<Button component="a" href={sampleURL} download="sendingo-sample.xlsx" variant="default">{t('imports.sample')}</Button>}
    >
      <Dropzone onDrop={onDrop} accept={accept} loading={upload.isPending} multiple={false} useFsAccessApi={false}
        inputProps={{ 'aria-label': t('imports.dropLabel') }}
        onReject={() => upload.reset()}>
        <Stack align="center" gap={4} py="lg">
          <Text fw={600}>{t('imports.drop')}</Text>
          <Text size="sm" c="dimmed">{t('imports.dropHint')}</Text>
        </Stack>
      </Dropzone>
      {upload.error && <ErrorNotice error={upload.error} title={t('imports.refused')} />}
      <Text fw={600} mt="md">{t('imports.history')}</Text>
      {list.error && <ErrorNotice error={list.error} />}
      {list.isPending ? (
        <Loading />
      ) : (list.data?.items.length ?? 0) === 0 ? (
        <Empty title={t('imports.empty')}>{t('imports.emptyHint')}</Empty>
      ) : (
        <Table striped aria-label={t('imports.history')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('imports.file')}</Table.Th>
              <Table.Th>{t('imports.status')}</Table.Th>
              <Table.Th ta="right">{t('imports.rows')}</Table.Th>
              <Table.Th>{t('imports.uploaded')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data!.items.map((imp) => (
              <Table.Tr key={imp.id}>
                <Table.Td><Anchor component={Link} to={`/imports/${imp.id}`} size="sm">{imp.filename}</Anchor></Table.Td>
                <Table.Td><Badge variant="light">{t(`imports.statuses.${imp.status}`)}</Badge></Table.Td>
                <Table.Td ta="right">{formatNumber(fmt, imp.total_rows)}</Table.Td>
                <Table.Td>{formatDateTime(fmt, imp.created_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group />
    </Page>
  );
}

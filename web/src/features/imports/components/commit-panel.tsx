import { Button, Group, Paper, Radio, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useGroupOptions } from '@/hooks/use-group-options';
import { ErrorNotice } from '@/components/states';
import { applyFieldErrors } from '@/lib/forms';
import { useCommit } from '../api/imports';

/** CommitPanel commits the ok rows into an existing group or a new one. */
export function CommitPanel({ importId, validRows, defaultName }: { importId: number; validRows: number; defaultName: string }) {
  const { t } = useTranslation();
  const groups = useGroupOptions();
  const commit = useCommit(importId);
  const [target, setTarget] = useState<'new' | 'existing'>('new');
  const [name, setName] = useState(defaultName);
  const [groupId, setGroupId] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = () =>
    commit.mutate(target === 'new' ? { new_group_name: name } : { group_id: Number(groupId) }, {
      onError: (err) => applyFieldErrors(err, setErrors, ['new_group_name', 'group_id']),
    });

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="commit-heading">
      <Stack>
        <Text fw={600} id="commit-heading">{t('imports.commitTitle')}</Text>
        <Radio.Group value={target} onChange={(v) => setTarget(v as 'new' | 'existing')} label={t('imports.target')}>
          <Group mt="xs">
            <Radio value="new" label={t('imports.newGroup')} />
            <Radio value="existing" label={t('imports.existingGroup')} />
          </Group>
        </Radio.Group>
        {target === 'new' ? (
          <TextInput label={t('imports.newGroupName')} value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.new_group_name} required />
        ) : (
          <Select
            label={t('imports.groupToJoin')}
            data={(groups.data ?? []).map((g) => ({ value: String(g.id), label: g.name }))}
            value={groupId}
            onChange={setGroupId}
            error={errors.group_id}
            searchable
            required
          />
        )}
        {commit.error && !Object.keys(errors).length && <ErrorNotice error={commit.error} />}
        <Button
          onClick={submit}
          loading={commit.isPending}
          disabled={validRows === 0 || (target === 'existing' ? !groupId : !name.trim())}
          w="fit-content"
        >
          {t('imports.commit', { count: validRows })}
        </Button>
      </Stack>
    </Paper>
  );
}

import { Alert, Badge, Button, Code, CopyButton, Group, Modal, NativeSelect, Paper, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { applyFieldErrors } from '@/lib/forms';
import { Page } from '@/components/page';
import { Empty, ErrorNotice, Loading } from '@/components/states';
import { useFormat } from '@/hooks/use-session';
import { formatDateTime } from '@/lib/format';
import { roles, type Role } from '../lib/roles';
import { useChangeRole, useInvitations, useInvite, useMembers, useRemoveMember, useRole, useWithdrawInvitation } from '../api/members';

export function MembersRoute() {
  const { t } = useTranslation();
  const { can } = useRole();
  return (
    <Page title={t('members.title')} description={t('members.description')}>
      <Stack>
        <MemberList />
        {can('admin') && <Invitations />}
      </Stack>
    </Page>
  );
}

function MemberList() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { role: myRole, can } = useRole();
  const members = useMembers();
  const change = useChangeRole();
  const remove = useRemoveMember();
  const [removing, setRemoving] = useState<Schemas['User'] | null>(null);
  // Only an owner grants or takes away ownership; the API says so too (403 owner-only).
  const grantable = roles.filter((r) => r !== 'owner' || myRole === 'owner');

  if (members.isPending) return <Loading />;
  if (members.error) return <ErrorNotice error={members.error} />;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="members-heading">
      <Stack>
        <Text fw={600} id="members-heading">{t('members.members')}</Text>
        {change.error && <ErrorNotice error={change.error} title={t('members.changeFailed')} />}
        <Table aria-label={t('members.members')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('members.name')}</Table.Th>
              <Table.Th>{t('members.email')}</Table.Th>
              <Table.Th>{t('members.role')}</Table.Th>
              <Table.Th>{t('members.since')}</Table.Th>
              <Table.Th><VisuallyHidden>{t('common.actions')}</VisuallyHidden></Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {members.data.items.map((m) => {
              const editable = can('admin') && (m.role !== 'owner' || myRole === 'owner');
              return (
                <Table.Tr key={m.id}>
                  <Table.Td>{m.name}</Table.Td>
                  <Table.Td>{m.email}</Table.Td>
                  <Table.Td>
                    {editable ? (
                      <NativeSelect
                        size="xs"
                        aria-label={t('members.roleOf', { name: m.name })}
                        value={m.role}
                        data={(grantable.includes(m.role) ? grantable : [...grantable, m.role]).map((r) => ({ value: r, label: t(`roles.${r}`) }))}
                        onChange={(e) => change.mutate({ id: m.id, role: e.currentTarget.value as Role })}
                        disabled={change.isPending}
                      />
                    ) : (
                      <Badge variant="light">{t(`roles.${m.role}`)}</Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{formatDateTime(fmt, m.created_at)}</Table.Td>
                  <Table.Td>
                    {editable && (
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => { remove.reset(); setRemoving(m); }}
                        aria-label={t('members.removeNamed', { name: m.name })}>
                        {t('members.remove')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Stack>
      <Modal opened={removing !== null} onClose={() => setRemoving(null)} title={t('members.removeTitle')}>
        <Stack>
          <Text size="sm">{t('members.removeConfirm', { name: removing?.name })}</Text>
          {remove.error && <ErrorNotice error={remove.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRemoving(null)}>{t('common.cancel')}</Button>
            <Button color="red" loading={remove.isPending} onClick={() => removing && remove.mutate(removing.id, { onSuccess: () => setRemoving(null) })}>
              {t('members.remove')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

function Invitations() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { role: myRole } = useRole();
  const list = useInvitations(true);
  const invite = useInvite();
  const withdraw = useWithdrawInvitation();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const created = invite.data;
  const offered = roles.filter((r) => r !== 'owner' || myRole === 'owner');

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    invite.mutate({ email, role }, {
      onSuccess: () => { setEmail(''); setErrors({}); },
      onError: (err) => applyFieldErrors(err, setErrors, ['email', 'role']),
    });
  };

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="invitations-heading">
      <Stack>
        <Text fw={600} id="invitations-heading">{t('members.invitations')}</Text>
        <form onSubmit={submit} noValidate>
          <Group align="flex-end">
            <TextInput type="email" label={t('members.email')} value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errors.email} required />
            <NativeSelect label={t('members.role')} value={role} error={errors.role}
              data={offered.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
              onChange={(e) => setRole(e.currentTarget.value as Role)} />
            <Button type="submit" loading={invite.isPending}>{t('members.invite')}</Button>
          </Group>
        </form>
        {invite.error && !errors.email && !errors.role && <ErrorNotice error={invite.error} />}
        {created && (
          <Alert color="green" title={t('members.invited', { email: created.email })} role="status">
            <Stack gap="xs">
              <Text size="sm">{t('members.linkOnce')}</Text>
              <Code block aria-label={t('members.acceptLink')}>{created.accept_url}</Code>
              <Group>
                <CopyButton value={created.accept_url}>
                  {({ copied, copy }) => (
                    <Button size="xs" variant="light" onClick={copy}>{copied ? t('settings.copied') : t('settings.copy')}</Button>
                  )}
                </CopyButton>
                <Button size="xs" variant="subtle" onClick={() => invite.reset()}>{t('settings.keyDone')}</Button>
              </Group>
            </Stack>
          </Alert>
        )}
        {withdraw.error && <ErrorNotice error={withdraw.error} />}
        {list.isPending ? (
          <Loading />
        ) : list.error ? (
          <ErrorNotice error={list.error} />
        ) : list.data.items.length === 0 ? (
          <Empty title={t('members.noInvitations')} />
        ) : (
          <Table aria-label={t('members.invitations')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('members.email')}</Table.Th>
                <Table.Th>{t('members.role')}</Table.Th>
                <Table.Th>{t('members.invitedBy')}</Table.Th>
                <Table.Th>{t('members.expires')}</Table.Th>
                <Table.Th>{t('members.status')}</Table.Th>
                <Table.Th>{t('members.mailStatus')}</Table.Th>
                <Table.Th><VisuallyHidden>{t('common.actions')}</VisuallyHidden></Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((inv) => (
                <Table.Tr key={inv.id}>
                  <Table.Td>{inv.email}</Table.Td>
                  <Table.Td>{t(`roles.${inv.role}`)}</Table.Td>
                  <Table.Td>{inv.invited_by_name}</Table.Td>
                  <Table.Td>{formatDateTime(fmt, inv.expires_at)}</Table.Td>
                  <Table.Td><Badge variant="light" color={inv.status === 'pending' ? 'blue' : 'gray'}>{t(`members.inviteStatus.${inv.status}`)}</Badge></Table.Td>
                  <Table.Td title={inv.mail_error || undefined}>
                    <Badge variant="light" color={inv.mail_status === 'failed' ? 'red' : inv.mail_status === 'sent' ? 'green' : 'gray'}>{t(`members.mail.${inv.mail_status}`)}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <Button size="compact-xs" variant="subtle" color="red" loading={withdraw.isPending && withdraw.variables === inv.id}
                      onClick={() => withdraw.mutate(inv.id)} aria-label={t('members.withdrawNamed', { email: inv.email })}>
                      {t('members.withdraw')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  );
}

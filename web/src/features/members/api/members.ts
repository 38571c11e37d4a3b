import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api';
import { roots } from '@/lib/query-roots';
import { useSession } from '@/hooks/use-session';
import { allows, type Role } from '../lib/roles';

export const memberKeys = {
  members: () => [...roots.members, 'list'] as const,
  invitations: () => [...roots.invitations, 'list'] as const,
};

/** useRole is the signed-in user's role and what it allows (undefined while /me loads). */
export function useRole() {
  const { data } = useSession();
  const role = data?.user?.role;
  return { role, can: (need: Role) => allows(role, need) };
}

export function useMembers() {
  return useQuery({
    queryKey: memberKeys.members(),
    queryFn: async () => unwrap(await api.GET('/api/v1/members', { params: { query: { size: 100 } } })),
  });
}

export function useInvitations(enabled: boolean) {
  return useQuery({
    queryKey: memberKeys.invitations(),
    queryFn: async () => unwrap(await api.GET('/api/v1/invitations', { params: { query: { size: 100 } } })),
    enabled,
  });
}

export function useChangeRole() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, role }: { id: number; role: Role }) =>
      unwrap(await api.PATCH('/api/v1/members/{id}', { params: { path: { id } }, body: { role } })),
    onSettled: () => qc.invalidateQueries({ queryKey: roots.members }),
  });
}

export function useRemoveMember() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE('/api/v1/members/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.members }),
  });
}

export function useInvite() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: { email: string; role: Role }) => unwrap(await api.POST('/api/v1/invitations', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.invitations }),
  });
}

export function useWithdrawInvitation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE('/api/v1/invitations/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.invitations }),
  });
}

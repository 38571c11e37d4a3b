import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type JSONBody } from '@/lib/api';
import { roots } from '@/lib/query-roots';

export const settingsKeys = {
  apiKeys: () => [...roots.apiKeys, 'list'] as const,
};

export type AccountInput = JSONBody<'/api/v1/account', 'patch'>;

export function useUpdateAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: AccountInput) => unwrap(await api.PATCH('/api/v1/account', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.me }),
  });
}

export function useAPIKeys() {
  return useQuery({ queryKey: settingsKeys.apiKeys(), queryFn: async () => unwrap(await api.GET('/api/v1/api-keys')) });
}

export function useCreateAPIKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) => unwrap(await api.POST('/api/v1/api-keys', { body: { name } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.apiKeys }),
  });
}

export function useRevokeAPIKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.apiKeys }),
  });
}

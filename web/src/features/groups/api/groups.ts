import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api';
import { roots } from '@/lib/query-roots';

export const groupKeys = {
  all: roots.groups,
  list: () => [...roots.groups, 'list'] as const,
};

export function useGroups() {
  return useQuery({
    queryKey: groupKeys.list(),
    queryFn: async () => unwrap(await api.GET('/api/v1/groups', { params: { query: { size: 200 } } })),
  });
}

function useInvalidate() {
  const qc = useQueryClient();
  return () => Promise.all([qc.invalidateQueries({ queryKey: roots.groups }), qc.invalidateQueries({ queryKey: roots.customers })]);
}

export function useCreateGroup() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (name: string) => unwrap(await api.POST('/api/v1/groups', { body: { name } })),
    onSuccess: invalidate,
  });
}

export function useRenameGroup() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async ({ id, name }: { id: number; name: string }) =>
      unwrap(await api.PATCH('/api/v1/groups/{id}', { params: { path: { id } }, body: { name } })),
    onSuccess: invalidate,
  });
}

export function useDeleteGroup() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE('/api/v1/groups/{id}', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type JSONBody } from '@/lib/api';
import { roots } from '@/lib/query-roots';

export interface CustomerFilter {
  q: string;
  groupId: number | null;
  page: number;
  size: number;
}

export const customerKeys = {
  all: roots.customers,
  list: (f: CustomerFilter) => [...roots.customers, 'list', f] as const,
  one: (id: number) => [...roots.customers, 'one', id] as const,
};

export const pageSize = 50;

/** filterFrom reads the list's filter from the page's search parameters. */
export function filterFrom(params: URLSearchParams, q = params.get('q') ?? ''): CustomerFilter {
  return {
    q,
    groupId: params.get('group') ? Number(params.get('group')) : null,
    page: Number(params.get('page') ?? '1') || 1,
    size: pageSize,
  };
}

export function customersQuery(f: CustomerFilter) {
  return {
    queryKey: customerKeys.list(f),
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/customers', {
          params: { query: { q: f.q || undefined, group_id: f.groupId ?? undefined, page: f.page, size: f.size } },
        }),
      ),
  };
}

export function useCustomers(f: CustomerFilter) {
  return useQuery({ ...customersQuery(f), placeholderData: keepPreviousData });
}

export type CustomerInput = JSONBody<'/api/v1/customers', 'post'>;

// Customers changing changes group counts too.
function useInvalidate() {
  const qc = useQueryClient();
  return () => Promise.all([qc.invalidateQueries({ queryKey: roots.customers }), qc.invalidateQueries({ queryKey: roots.groups })]);
}

export function useSaveCustomer() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async ({ id, body }: { id?: number; body: CustomerInput }) =>
      id
        ? unwrap(await api.PATCH('/api/v1/customers/{id}', { params: { path: { id } }, body }))
        : unwrap(await api.POST('/api/v1/customers', { body })),
    onSuccess: invalidate,
  });
}

export function useDeleteCustomer() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE('/api/v1/customers/{id}', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}

export type MemberAction = 'add' | 'copy' | 'move' | 'remove';

/** useMembers runs a bulk group action: add to a group; copy, move or remove from the filtered group. */
export function useMembers() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async ({ action, from, to, ids }: { action: MemberAction; from: number | null; to: number | null; ids: number[] }) => {
      const customer_ids = ids;
      switch (action) {
        case 'add':
          return unwrap(await api.POST('/api/v1/groups/{id}/members', { params: { path: { id: to! } }, body: { customer_ids } }));
        case 'remove':
          return unwrap(await api.DELETE('/api/v1/groups/{id}/members', { params: { path: { id: from! } }, body: { customer_ids } }));
        case 'copy':
          return unwrap(
            await api.POST('/api/v1/groups/{id}/members/copy', { params: { path: { id: from! } }, body: { customer_ids, to_group_id: to! } }),
          );
        case 'move':
          return unwrap(
            await api.POST('/api/v1/groups/{id}/members/move', { params: { path: { id: from! } }, body: { customer_ids, to_group_id: to! } }),
          );
      }
    },
    onSuccess: invalidate,
  });
}

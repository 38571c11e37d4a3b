import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type JSONBody } from '@/lib/api';
import { roots } from '@/lib/query-roots';

export const templateKeys = {
  all: roots.templates,
  list: () => [...roots.templates, 'list'] as const,
  one: (id: number) => [...roots.templates, 'one', id] as const,
  variables: () => [...roots.customers, 'variables'] as const,
  customerSearch: (q: string) => [...roots.customers, 'preview-search', q] as const,
};

export type TemplateInput = JSONBody<'/api/v1/templates', 'post'>;
export type PreviewInput = JSONBody<'/api/v1/templates/{id}/preview', 'post'>;

export function useTemplates() {
  return useQuery({
    queryKey: templateKeys.list(),
    queryFn: async () => unwrap(await api.GET('/api/v1/templates', { params: { query: { size: 200 } } })),
  });
}

export function useTemplate(id: number | null) {
  return useQuery({
    queryKey: templateKeys.one(id ?? 0),
    queryFn: async () => unwrap(await api.GET('/api/v1/templates/{id}', { params: { path: { id: id! } } })),
    enabled: id !== null,
  });
}

export function useSaveTemplate() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body }: { id: number | null; body: TemplateInput }) =>
      id
        ? unwrap(await api.PATCH('/api/v1/templates/{id}', { params: { path: { id } }, body }))
        : unwrap(await api.POST('/api/v1/templates', { body })),
    onSuccess: (tpl) => {
      qc.setQueryData(templateKeys.one(tpl.id), tpl);
      return qc.invalidateQueries({ queryKey: templateKeys.list() });
    },
  });
}

export function useDeleteTemplate() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE('/api/v1/templates/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.templates }),
  });
}

/** usePreview asks the server to render the saved template: the preview is what is sent. */
export function usePreview(id: number | null) {
  return useMutation({
    mutationFn: async (body: PreviewInput) =>
      unwrap(await api.POST('/api/v1/templates/{id}/preview', { params: { path: { id: id! } }, body })),
  });
}

export function useVariables() {
  return useQuery({
    queryKey: templateKeys.variables(),
    queryFn: async () => unwrap(await api.GET('/api/v1/customers/variables')),
  });
}

export function useCustomerSearch(q: string) {
  return useQuery({
    queryKey: templateKeys.customerSearch(q),
    queryFn: async () => unwrap(await api.GET('/api/v1/customers', { params: { query: { q: q || undefined, size: 20 } } })).items,
  });
}

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/lib/api';
import { useStreamEvent, useStreamStatus } from '@/hooks/use-stream';
import { roots } from '@/lib/query-roots';

type Import = Schemas['Import'];
type ImportProgress = Schemas['ImportProgressEvent'];

export type VerdictFilter = 'ok' | 'invalid' | 'duplicate' | 'all';

export const importKeys = {
  all: roots.imports,
  list: (page: number) => [...roots.imports, 'list', page] as const,
  one: (id: number) => [...roots.imports, 'one', id] as const,
  rows: (id: number, verdict: VerdictFilter, page: number) => [...roots.imports, 'rows', id, verdict, page] as const,
};

export function useImports(page: number) {
  return useQuery({
    queryKey: importKeys.list(page),
    queryFn: async () => unwrap(await api.GET('/api/v1/imports', { params: { query: { page, size: 20 } } })),
  });
}

/**
 * useImport is one import. While it commits, its progress comes from the app's
 * event stream (import.progress events, at most one a second): each lands in
 * the cached import, and the final one makes the import fetched once more for
 * its result counts. Only while the stream is down is the import polled.
 */
export function useImport(id: number) {
  const qc = useQueryClient();
  const live = useStreamStatus() === 'open';
  useStreamEvent<ImportProgress>('import.progress', (p) => {
    if (p.import_id !== id) return;
    qc.setQueryData<Import>(importKeys.one(id), (cur) =>
      cur && {
        ...cur,
        status: p.status,
        created: p.created,
        updated: p.updated,
        progress: { processed: p.processed, total: p.total, percent: p.percent },
      },
    );
    if (p.status !== 'committing') void qc.invalidateQueries({ queryKey: importKeys.one(id) });
  });
  return useQuery({
    queryKey: importKeys.one(id),
    queryFn: async () => unwrap(await api.GET('/api/v1/imports/{id}', { params: { path: { id } } })),
    refetchInterval: (q) => (q.state.data?.status === 'committing' && !live ? 1000 : false),
  });
}

export function useImportRows(id: number, verdict: VerdictFilter, page: number) {
  return useQuery({
    queryKey: importKeys.rows(id, verdict, page),
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/imports/{id}/rows', {
          params: { path: { id }, query: { verdict: verdict === 'all' ? undefined : verdict, page, size: 50 } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useUpload() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (file: File) =>
      unwrap(
        await api.POST('/api/v1/imports', {
          // The spec types the file as a string (binary); the body is sent as multipart.
          body: { file: file as unknown as string },
          bodySerializer: (b) => {
            const fd = new FormData();
            fd.append('file', b.file as unknown as Blob);
            return fd;
          },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.imports }),
  });
}

export function useDeleteRows(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (row_ids: number[]) =>
      unwrap(await api.DELETE('/api/v1/imports/{id}/rows', { params: { path: { id } }, body: { row_ids } })),
    onSuccess: (r) => {
      qc.setQueryData(importKeys.one(id), r.import);
      return qc.invalidateQueries({ queryKey: [...roots.imports, 'rows', id] });
    },
  });
}

export function useCommit(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (target: { group_id?: number; new_group_name?: string }) =>
      unwrap(await api.POST('/api/v1/imports/{id}/commit', { params: { path: { id } }, body: target })),
    onSuccess: (imp) => {
      qc.setQueryData(importKeys.one(id), imp);
      return Promise.all([qc.invalidateQueries({ queryKey: roots.groups }), qc.invalidateQueries({ queryKey: roots.customers })]);
    },
  });
}

/** sampleURL is the sample file; the session cookie authenticates the download. */
export const sampleURL = '/api/v1/imports/sample.xlsx';

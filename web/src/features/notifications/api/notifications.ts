import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api';
import { roots } from '@/lib/query-roots';

export const notificationKeys = {
  all: roots.notifications,
  unread: [...roots.notifications, 'unread'] as const,
  list: [...roots.notifications, 'list'] as const,
};

/** useUnreadCount is the bell's number. It is asked for once and again only
 * when the stream brings a notification (or comes back after a break). */
export function useUnreadCount() {
  return useQuery({
    queryKey: notificationKeys.unread,
    queryFn: async () => unwrap(await api.GET('/api/v1/notifications/unread-count')).count,
    staleTime: Infinity,
  });
}

export function useNotifications(enabled: boolean) {
  return useInfiniteQuery({
    queryKey: notificationKeys.list,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET('/api/v1/notifications', { params: { query: { size: 20, cursor: pageParam || undefined } } })),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled,
    staleTime: Infinity,
  });
}

export function useMarkRead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (what: { ids: number[] } | { all: true }) =>
      unwrap(await api.POST('/api/v1/notifications/read', { body: what })).count,
    onSuccess: (count) => {
      qc.setQueryData(notificationKeys.unread, count);
      return qc.invalidateQueries({ queryKey: notificationKeys.list });
    },
  });
}

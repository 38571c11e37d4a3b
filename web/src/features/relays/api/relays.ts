import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type JSONBody } from '@/lib/api';
import { roots } from '@/lib/query-roots';

export const relayKeys = {
  all: roots.relays,
  list: () => [...roots.relays, 'list'] as const,
  one: (id: number) => [...roots.relays, 'one', id] as const,
  health: () => [...roots.relays, 'health'] as const,
  recommendation: (channel: string) => [...roots.relays, 'recommendation', channel] as const,
};

export type RelayInput = JSONBody<'/api/v1/relays', 'post'>;
type Channel = NonNullable<RelayInput['channel']>;

export function useRelays() {
  return useQuery({ queryKey: relayKeys.list(), queryFn: async () => unwrap(await api.GET('/api/v1/relays')) });
}

export function useRelay(id: number | null) {
  return useQuery({
    queryKey: relayKeys.one(id ?? 0),
    queryFn: async () => unwrap(await api.GET('/api/v1/relays/{id}', { params: { path: { id: id! } } })),
    enabled: id !== null,
  });
}

export function useRelayHealth() {
  return useQuery({
    queryKey: relayKeys.health(),
    queryFn: async () => unwrap(await api.GET('/api/v1/relays/health')),
    refetchInterval: 15_000,
  });
}

export function useRecommendations(channels: Channel[]) {
  return useQueries({
    queries: channels.map((channel) => ({
      queryKey: relayKeys.recommendation(channel),
      queryFn: async () => unwrap(await api.GET('/api/v1/relays/recommendation', { params: { query: { channel } } })),
    })),
  });
}

export function useSaveRelay() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body }: { id: number | null; body: RelayInput }) =>
      id
        ? unwrap(await api.PATCH('/api/v1/relays/{id}', { params: { path: { id } }, body }))
        : unwrap(await api.POST('/api/v1/relays', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.relays }),
  });
}

export function useDeleteRelay() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE('/api/v1/relays/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.relays }),
  });
}

/** useSyncTemplates imports the AlimTalk templates an aligo-alimtalk relay's
 * provider lists, with their inspection status. */
export function useSyncTemplates() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST('/api/v1/relays/{id}/templates/sync', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.templates }),
  });
}

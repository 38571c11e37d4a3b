import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type JSONBody, type Schemas } from '@/lib/api';
import { roots } from '@/lib/query-roots';
import { useStreamEvent, useStreamStatus } from '@/hooks/use-stream';

export type Campaign = Schemas['Campaign'];
export type Progress = Schemas['CampaignProgress'];
export type CampaignInput = JSONBody<'/api/v1/campaigns', 'post'>;
export type MessageStatus = NonNullable<Schemas['Message']['status']>;

export interface MessageFilter {
  status: MessageStatus | null;
  groupId: number | null;
  q: string;
}

export const campaignKeys = {
  all: roots.campaigns,
  list: (page: number) => [...roots.campaigns, 'list', page] as const,
  one: (id: number) => [...roots.campaigns, 'one', id] as const,
  progress: (id: number) => [...roots.campaigns, 'progress', id] as const,
  results: (id: number) => [...roots.campaigns, 'results', id] as const,
  messages: (id: number, f: MessageFilter, cursor: string) => [...roots.campaigns, 'messages', id, f, cursor] as const,
  audience: (groups: number[], template: number | null) => [...roots.campaigns, 'audience', groups, template] as const,
};

export const activeStatuses = new Set(['scheduled', 'running', 'paused']);
export const pageSize = 20;

export function useCampaigns(page: number) {
  return useQuery({
    queryKey: campaignKeys.list(page),
    queryFn: async () => unwrap(await api.GET('/api/v1/campaigns', { params: { query: { page, size: pageSize } } })),
    placeholderData: keepPreviousData,
  });
}

export function useCampaign(id: number) {
  return useQuery({
    queryKey: campaignKeys.one(id),
    queryFn: async () => unwrap(await api.GET('/api/v1/campaigns/{id}', { params: { path: { id } } })),
  });
}

/**
 * useLiveProgress keeps the progress of the campaigns shown up to date from the
 * event stream: each campaign.progress event lands in the query cache, and a
 * campaign that ended makes its row, results and the statistics stale. Nothing
 * polls while the stream is open; while it is down, a shown running campaign is
 * asked for every 5 s.
 */
export function useLiveProgress() {
  const qc = useQueryClient();
  useStreamEvent<Progress>('campaign.progress', (p) => {
    const before = qc.getQueryData<Progress>(campaignKeys.progress(p.campaign_id));
    qc.setQueryData(campaignKeys.progress(p.campaign_id), p);
    if (before?.status !== p.status || !activeStatuses.has(p.status)) {
      void qc.invalidateQueries({ queryKey: campaignKeys.one(p.campaign_id) });
      void qc.invalidateQueries({ queryKey: [...roots.campaigns, 'list'] });
      if (!activeStatuses.has(p.status)) {
        void qc.invalidateQueries({ queryKey: campaignKeys.results(p.campaign_id) });
        void qc.invalidateQueries({ queryKey: [...roots.campaigns, 'messages', p.campaign_id] });
      }
    }
  });
}

export function useProgress(id: number, active: boolean) {
  const live = useStreamStatus() === 'open';
  return useQuery({
    queryKey: campaignKeys.progress(id),
    queryFn: async () => unwrap(await api.GET('/api/v1/campaigns/{id}/progress', { params: { path: { id } } })),
    staleTime: Infinity,
    refetchInterval: active && !live ? 5000 : false,
  });
}

export function useResults(id: number, enabled: boolean) {
  return useQuery({
    queryKey: campaignKeys.results(id),
    queryFn: async () => unwrap(await api.GET('/api/v1/campaigns/{id}/results', { params: { path: { id } } })),
    enabled,
  });
}

export function useMessages(id: number, f: MessageFilter, cursor: string, enabled: boolean) {
  return useQuery({
    queryKey: campaignKeys.messages(id, f, cursor),
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/campaigns/{id}/messages', {
          params: {
            path: { id },
            query: { status: f.status ?? undefined, group_id: f.groupId ?? undefined, q: f.q || undefined, size: 50, cursor: cursor || undefined },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** exportURL is the message list as a file; the session cookie authenticates the download. */
export function exportURL(id: number, format: 'xlsx' | 'csv', f: MessageFilter) {
  const q = new URLSearchParams({ format });
  if (f.status) q.set('status', f.status);
  if (f.groupId) q.set('group_id', String(f.groupId));
  if (f.q) q.set('q', f.q);
  return `/api/v1/campaigns/${id}/messages/export?${q}`;
}

export function useAudience(groups: number[], template: number | null) {
  return useQuery({
    queryKey: campaignKeys.audience(groups, template),
    queryFn: async () =>
      unwrap(await api.POST('/api/v1/campaigns/audience-preview', { body: { group_ids: groups, template_id: template ?? undefined } })),
    enabled: groups.length > 0,
    placeholderData: keepPreviousData,
  });
}

// The pickers' lists, under the owning resource's root so their changes reach them.
export function useTemplateOptions() {
  return useQuery({
    queryKey: [...roots.templates, 'options'] as const,
    queryFn: async () => unwrap(await api.GET('/api/v1/templates', { params: { query: { size: 200 } } })).items,
    refetchOnMount: 'always',
  });
}

export function useRelayOptions() {
  return useQuery({
    queryKey: [...roots.relays, 'list'] as const,
    queryFn: async () => unwrap(await api.GET('/api/v1/relays')),
    select: (d) => d.items,
    refetchOnMount: 'always',
  });
}

export function useRecommendation(channel: string | null) {
  return useQuery({
    queryKey: [...roots.relays, 'recommendation', channel ?? ''] as const,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/relays/recommendation', { params: { query: { channel: channel as 'sms' } } })),
    enabled: channel !== null,
  });
}

/** useSaveAndSend saves the wizard's draft (created once, then changed) and
 * sends it. The send is idempotent on the server; the button is also
 * disabled while it runs, so a double click starts one campaign. */
export function useSaveAndSend() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ draftId, body, send }: { draftId: number | null; body: CampaignInput; send: boolean }) => {
      const draft = draftId
        ? unwrap(await api.PATCH('/api/v1/campaigns/{id}', { params: { path: { id: draftId } }, body }))
        : unwrap(await api.POST('/api/v1/campaigns', { body }));
      if (!send) return { draft, sent: null };
      try {
        const sent = unwrap(await api.POST('/api/v1/campaigns/{id}/send', { params: { path: { id: draft.id } } }));
        return { draft, sent };
      } catch (err) {
        // The draft exists; the caller keeps its id so that fixing and sending
        // again changes it instead of making another.
        throw Object.assign(err as Error, { draftId: draft.id });
      }
    },
    onSettled: () => qc.invalidateQueries({ queryKey: roots.campaigns }),
  });
}

export function useSendDraft(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/campaigns/{id}/send', { params: { path: { id } } })),
    onSettled: () => qc.invalidateQueries({ queryKey: roots.campaigns }),
  });
}

export type Action = 'pause' | 'resume' | 'cancel' | 'retry-failed';

export function useCampaignAction(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (action: Action) => {
      const opts = { params: { path: { id } } };
      switch (action) {
        case 'pause':
          return unwrap(await api.POST('/api/v1/campaigns/{id}/pause', opts));
        case 'resume':
          return unwrap(await api.POST('/api/v1/campaigns/{id}/resume', opts));
        case 'cancel':
          return unwrap(await api.POST('/api/v1/campaigns/{id}/cancel', opts));
        case 'retry-failed':
          return unwrap(await api.POST('/api/v1/campaigns/{id}/retry-failed', opts));
      }
    },
    onSettled: () => Promise.all([
      qc.invalidateQueries({ queryKey: campaignKeys.one(id) }),
      qc.invalidateQueries({ queryKey: campaignKeys.progress(id) }),
      qc.invalidateQueries({ queryKey: [...roots.campaigns, 'list'] }),
    ]),
  });
}

export function useDeleteCampaign() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE('/api/v1/campaigns/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.campaigns }),
  });
}


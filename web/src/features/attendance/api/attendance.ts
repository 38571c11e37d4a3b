import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type JSONBody, type Schemas } from '@/lib/api';
import { roots } from '@/lib/query-roots';

export type Event = Schemas['Event'];
export type Tier = Schemas['Tier'];
export type EventInput = JSONBody<'/api/v1/events', 'post'>;
export type TierInput = JSONBody<'/api/v1/events/{id}/tiers', 'post'>;
export type GrantStatus = 'granted' | 'waitlisted';

// Stock notifications (stock.low, stock.restocked) make everything under
// roots.events stale (app/live-updates): the tiers and grants shown refetch.
export const eventKeys = {
  all: roots.events,
  list: (page: number) => [...roots.events, 'list', page] as const,
  one: (id: number) => [...roots.events, 'one', id] as const,
  tiers: (id: number) => [...roots.events, 'tiers', id] as const,
  stock: (id: number, tier: number) => [...roots.events, 'stock', id, tier] as const,
  grants: (id: number, status: GrantStatus | null, page: number) => [...roots.events, 'grants', id, status, page] as const,
  alerts: (id: number) => [...roots.events, 'alerts', id] as const,
  attendance: (id: number, page: number) => [...roots.events, 'attendance', id, page] as const,
  calendar: (id: number, customer: number, days: number) => [...roots.events, 'calendar', id, customer, days] as const,
};

export const purchaseKeys = { list: (page: number) => [...roots.purchases, 'list', page] as const };

export function useEvents(page: number) {
  return useQuery({
    queryKey: eventKeys.list(page),
    queryFn: async () => unwrap(await api.GET('/api/v1/events', { params: { query: { page, size: 20 } } })),
    placeholderData: keepPreviousData,
  });
}

export function useEvent(id: number) {
  return useQuery({
    queryKey: eventKeys.one(id),
    queryFn: async () => unwrap(await api.GET('/api/v1/events/{id}', { params: { path: { id } } })),
  });
}

export function useSaveEvent() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body }: { id?: number; body: EventInput }) =>
      id
        ? unwrap(await api.PATCH('/api/v1/events/{id}', { params: { path: { id } }, body }))
        : unwrap(await api.POST('/api/v1/events', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.events }),
  });
}

export function useDeleteEvent() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => unwrap(await api.DELETE('/api/v1/events/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.events }),
  });
}

export function useTiers(id: number) {
  return useQuery({
    queryKey: eventKeys.tiers(id),
    queryFn: async () => unwrap(await api.GET('/api/v1/events/{id}/tiers', { params: { path: { id } } })).items,
  });
}

export function useSaveTier(eventId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ tierId, body }: { tierId?: number; body: TierInput }) =>
      tierId
        ? unwrap(await api.PATCH('/api/v1/events/{id}/tiers/{tier_id}', { params: { path: { id: eventId, tier_id: tierId } }, body }))
        : unwrap(await api.POST('/api/v1/events/{id}/tiers', { params: { path: { id: eventId } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: eventKeys.tiers(eventId) }),
  });
}

export function useStockTrail(eventId: number, tierId: number | null) {
  return useQuery({
    queryKey: eventKeys.stock(eventId, tierId ?? 0),
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/events/{id}/tiers/{tier_id}/stock', {
          params: { path: { id: eventId, tier_id: tierId! }, query: { size: 100 } },
        }),
      ),
    enabled: tierId !== null,
  });
}

export function useAdjustStock(eventId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ tierId, delta, reason }: { tierId: number; delta: number; reason: string }) =>
      unwrap(
        await api.POST('/api/v1/events/{id}/tiers/{tier_id}/stock', {
          params: { path: { id: eventId, tier_id: tierId } },
          body: { delta, reason },
        }),
      ),
    // Tiers, grants, the trail and attendance all change.
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.events }),
  });
}

export function useGrants(id: number, status: GrantStatus | null, page: number) {
  return useQuery({
    queryKey: eventKeys.grants(id, status, page),
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/events/{id}/grants', { params: { path: { id }, query: { status: status ?? undefined, page, size: 50 } } })),
    placeholderData: keepPreviousData,
  });
}

export function useAlerts(id: number) {
  return useQuery({
    queryKey: eventKeys.alerts(id),
    queryFn: async () => unwrap(await api.GET('/api/v1/events/{id}/alerts', { params: { path: { id }, query: { size: 50 } } })),
  });
}

export function useAttendance(id: number, page: number) {
  return useQuery({
    queryKey: eventKeys.attendance(id, page),
    queryFn: async () => unwrap(await api.GET('/api/v1/events/{id}/attendance', { params: { path: { id }, query: { page, size: 50 } } })),
    placeholderData: keepPreviousData,
  });
}

export function useCalendar(id: number, customer: number | null, days: number) {
  return useQuery({
    queryKey: eventKeys.calendar(id, customer ?? 0, days),
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/events/{id}/customers/{customer_id}/attendance', {
          params: { path: { id, customer_id: customer! }, query: { days } },
        }),
      ),
    enabled: customer !== null,
    placeholderData: keepPreviousData,
  });
}

export function usePurchases(page: number) {
  return useQuery({
    queryKey: purchaseKeys.list(page),
    queryFn: async () => unwrap(await api.GET('/api/v1/purchases', { params: { query: { page, size: 50 } } })),
    placeholderData: keepPreviousData,
  });
}

export function useRecordPurchase() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: JSONBody<'/api/v1/purchases', 'post'>) => unwrap(await api.POST('/api/v1/purchases', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.purchases }),
  });
}

// Pickers for the event form, under their owners' roots.
export function useTemplatePicker() {
  return useQuery({
    queryKey: [...roots.templates, 'options'] as const,
    queryFn: async () => unwrap(await api.GET('/api/v1/templates', { params: { query: { size: 200 } } })).items,
  });
}

export function useRelayPicker() {
  return useQuery({
    queryKey: [...roots.relays, 'list'] as const,
    queryFn: async () => unwrap(await api.GET('/api/v1/relays')),
    select: (d) => d.items,
  });
}

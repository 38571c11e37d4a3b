import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type JSONBody, type Schemas } from '@/lib/api';
import { roots } from '@/lib/query-roots';

export type CampaignSchedule = Schemas['CampaignSchedule'];
export type ScheduleInput = JSONBody<'/api/v1/campaign-schedules', 'post'>;

// Schedules live under the campaigns root: a run makes a campaign, and a change
// to a campaign may be a schedule's run.
export const scheduleKeys = {
  all: [...roots.campaigns, 'schedules'] as const,
  list: (page: number) => [...roots.campaigns, 'schedules', 'list', page] as const,
  one: (id: number) => [...roots.campaigns, 'schedules', 'one', id] as const,
};

export const pageSize = 20;

export function useSchedules(page: number) {
  return useQuery({
    queryKey: scheduleKeys.list(page),
    queryFn: async () => unwrap(await api.GET('/api/v1/campaign-schedules', { params: { query: { page, size: pageSize } } })),
  });
}

export function useSchedule(id: number) {
  return useQuery({
    queryKey: scheduleKeys.one(id),
    queryFn: async () => unwrap(await api.GET('/api/v1/campaign-schedules/{id}', { params: { path: { id } } })),
  });
}

export function useCreateSchedule() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: ScheduleInput) => unwrap(await api.POST('/api/v1/campaign-schedules', { body })),
    onSettled: () => qc.invalidateQueries({ queryKey: scheduleKeys.all }),
  });
}

export type ScheduleAction = 'pause' | 'unpause' | 'trigger' | 'delete';

export function useScheduleAction(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (action: ScheduleAction) => {
      const opts = { params: { path: { id } } };
      switch (action) {
        case 'pause':
          return unwrap(await api.POST('/api/v1/campaign-schedules/{id}/pause', opts));
        case 'unpause':
          return unwrap(await api.POST('/api/v1/campaign-schedules/{id}/unpause', opts));
        case 'trigger':
          return unwrap(await api.POST('/api/v1/campaign-schedules/{id}/trigger', opts));
        case 'delete': {
          const res = await api.DELETE('/api/v1/campaign-schedules/{id}', opts);
          if (res.error !== undefined || !res.response.ok) unwrap(res);
          return null;
        }
      }
    },
    onSuccess: (data, action) => {
      if (data && action !== 'delete') qc.setQueryData(scheduleKeys.one(id), data);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: roots.campaigns }),
  });
}

// Presets the wizard offers; the rule is five cron fields in the account's zone.
export const cronPresets = [
  { key: 'daily9', cron: '0 9 * * *' },
  { key: 'monday10', cron: '0 10 * * mon' },
  { key: 'firstOfMonth9', cron: '0 9 1 * *' },
] as const;

const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * describeCron turns the common shapes of a rule (a fixed minute and hour, on
 * every day, some weekdays or a day of the month) into a readable sentence's
 * parts; anything else is shown as the rule itself (null).
 */
export function describeCron(cron: string): { kind: 'daily' | 'weekly' | 'monthly'; time: string; days?: string[]; dom?: number } | null {
  const f = cron.trim().split(/\s+/);
  if (f.length !== 5) return null;
  const [min, hour, dom, mon, dow] = f;
  if (!/^\d{1,2}$/.test(min) || !/^\d{1,2}$/.test(hour) || mon !== '*') return null;
  const m = Number(min), h = Number(hour);
  if (m > 59 || h > 23) return null;
  const time = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
  if (dom === '*' && dow === '*') return { kind: 'daily', time };
  if (dom === '*') {
    const days: string[] = [];
    for (const part of dow.toLowerCase().split(',')) {
      const r = part.split('-');
      const idx = r.map((x) => (/^\d$/.test(x) ? Number(x) % 7 : dayNames.indexOf(x.slice(0, 3))));
      if (idx.some((i) => i < 0) || idx.length > 2) return null;
      if (idx.length === 1) days.push(dayNames[idx[0]]);
      else for (let i = idx[0]; ; i = (i + 1) % 7) { days.push(dayNames[i]); if (i === idx[1]) break; }
    }
    return { kind: 'weekly', time, days };
  }
  if (dow === '*' && /^\d{1,2}$/.test(dom) && Number(dom) >= 1 && Number(dom) <= 31) return { kind: 'monthly', time, dom: Number(dom) };
  return null;
}

import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api';
import { roots } from '@/lib/query-roots';

/** useGroupOptions lists every group for pickers (customers, imports). */
export const groupOptionsQuery = {
  queryKey: [...roots.groups, 'options'] as const,
  queryFn: async () => unwrap(await api.GET('/api/v1/groups', { params: { query: { size: 200 } } })).items,
};

export function useGroupOptions() {
  return useQuery(groupOptionsQuery);
}

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api';
import { roots } from '@/lib/query-roots';

export type AuditFilter = { actor: string; subject: string; action: string };

// The actions the API records (api/openapi.yaml AuditEntry.action), for the filter.
export const auditActions = [
  'relay.create', 'relay.update', 'relay.delete', 'template.create', 'template.update', 'template.delete',
  'campaign.send', 'campaign.pause', 'campaign.resume', 'campaign.cancel', 'campaign.retry', 'stock.adjust',
  'member.role', 'member.remove', 'invitation.create', 'invitation.delete', 'invitation.accept',
  'api_key.create', 'api_key.delete', 'password.change', 'password.reset', 'password.reset_request',
  'session.logout_all', 'account.update',
] as const;

/** useAudit is one page of the audit log; pages follow each other by the API's keyset cursor. */
export function useAudit(filter: AuditFilter, cursor: string | null) {
  const query = {
    size: 50,
    ...(filter.actor ? { actor: filter.actor } : {}),
    ...(filter.subject ? { subject: filter.subject } : {}),
    ...(filter.action ? { action: filter.action } : {}),
    ...(cursor ? { cursor } : {}),
  };
  return useQuery({
    queryKey: [...roots.audit, query] as const,
    queryFn: async () => unwrap(await api.GET('/api/v1/audit', { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

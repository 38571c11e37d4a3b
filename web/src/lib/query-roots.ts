// The first element of every query key, per resource. Each feature builds its own
// key factory on these, so a mutation in one feature can invalidate what another
// shows (adding members changes group counts) without importing that feature.
export const roots = {
  me: ['me'] as const,
  customers: ['customers'] as const,
  groups: ['groups'] as const,
  imports: ['imports'] as const,
  templates: ['templates'] as const,
  relays: ['relays'] as const,
  apiKeys: ['api-keys'] as const,
  campaigns: ['campaigns'] as const,
  stats: ['stats'] as const,
  events: ['events'] as const,
  purchases: ['purchases'] as const,
  notifications: ['notifications'] as const,
  members: ['members'] as const,
  invitations: ['invitations'] as const,
  audit: ['audit'] as const,
};

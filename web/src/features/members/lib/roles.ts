import type { Schemas } from '@/lib/api';

export type Role = Schemas['Role'];

// The order of api/openapi.yaml's Role: each role may do what the ones before it may.
export const roles: readonly Role[] = ['viewer', 'sender', 'admin', 'owner'];

/** allows says whether a user of role `have` may do an operation marked x-required-role `need`. */
export function allows(have: Role | undefined, need: Role): boolean {
  if (!have) return false;
  return roles.indexOf(have) >= roles.indexOf(need);
}

/** needs is the role each console action asks for, by the operation it calls; it repeats
 * api/openapi.yaml's x-required-role, and roles.test.ts holds the two together. */
export const needs = {
  createCampaign: 'sender',
  sendCampaign: 'sender',
  createRelay: 'admin',
  updateRelay: 'admin',
  deleteRelay: 'admin',
  updateMember: 'admin',
  removeMember: 'admin',
  createInvitation: 'admin',
  listInvitations: 'admin',
  deleteInvitation: 'admin',
  listAudit: 'admin',
} as const satisfies Record<string, Role>;

export type Operation = keyof typeof needs;

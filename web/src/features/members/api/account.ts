import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type JSONBody } from '@/lib/api';
import { roots } from '@/lib/query-roots';

// The invitation and reset links carry their token in the fragment (#token=…), which
// never reaches a server log; the page reads it from there.
export function tokenFromHash(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
}

/** useAcceptInvitation makes the invited user; the answer sets the session cookie. */
export function useAcceptInvitation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: JSONBody<'/api/v1/auth/accept-invitation', 'post'>) =>
      unwrap(await api.POST('/api/v1/auth/accept-invitation', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.me }),
  });
}

export function useRequestReset() {
  return useMutation({
    mutationFn: async (email: string) => unwrap(await api.POST('/api/v1/auth/password-reset', { body: { email } })),
  });
}

export function useConfirmReset() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: JSONBody<'/api/v1/auth/password-reset/confirm', 'post'>) =>
      unwrap(await api.POST('/api/v1/auth/password-reset/confirm', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.me }),
  });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: async (body: JSONBody<'/api/v1/auth/password', 'post'>) =>
      unwrap(await api.POST('/api/v1/auth/password', { body })),
  });
}

export function useLogoutAll() {
  return useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/auth/logout-all')),
  });
}

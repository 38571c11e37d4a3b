import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type JSONBody, type Schemas } from '@/lib/api';
import { roots } from '@/lib/query-roots';

type LoginBody = JSONBody<'/api/v1/auth/login', 'post'>;
type SignupBody = JSONBody<'/api/v1/auth/signup', 'post'>;

// Both set the session cookie; the answer's token is not kept by the console.
export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: LoginBody) => unwrap(await api.POST('/api/v1/auth/login', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.me }),
  });
}

export function useSignup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: SignupBody): Promise<Schemas['AuthResponse']> =>
      unwrap(await api.POST('/api/v1/auth/signup', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: roots.me }),
  });
}

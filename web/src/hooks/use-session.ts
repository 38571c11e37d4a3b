import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useMemo } from 'react';
import { api, unwrap } from '@/lib/api';
import { roots } from '@/lib/query-roots';
import { localeOf, type FormatContext } from '@/lib/format';

export const meQuery = {
  queryKey: roots.me,
  queryFn: async () => unwrap(await api.GET('/api/v1/me')),
  staleTime: 60_000,
};

/** useSession is the logged-in user and account (GET /me). */
export function useSession() {
  return useQuery(meQuery);
}

/** useFormat is how dates and numbers are written for this account. */
export function useFormat(): FormatContext {
  const { data } = useSession();
  const { i18n } = useTranslation();
  return useMemo(
    () => ({ locale: localeOf(i18n.language), timeZone: data?.account.timezone ?? 'Asia/Seoul' }),
    [i18n.language, data?.account.timezone],
  );
}

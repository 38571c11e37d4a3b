import { useEffect } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useSession } from '@/hooks/use-session';
import { ApiError, setUnauthorizedHandler } from '@/lib/api';
import { setLanguage } from '@/lib/i18n';
import { ErrorNotice } from '@/components/states';

/** loginPath is where an ended session sends the user, remembering the page. */
export function loginPath(loc: { pathname: string; search: string }) {
  return `/login?next=${encodeURIComponent(loc.pathname + loc.search)}`;
}

/** RequireSession shows its children only to a logged-in user; an expired
 * session (any 401) goes to login and comes back to the same page after. */
export function RequireSession({ children }: { children: React.ReactNode }) {
  const session = useSession();
  const loc = useLocation();
  const navigate = useNavigate();
  const qc = useQueryClient();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      // Several queries may be refused at once; the first one decides.
      if (window.location.pathname === '/login') return;
      qc.clear();
      navigate(loginPath(window.location), { replace: true });
    });
  }, [qc, navigate]);

  const lang = session.data?.account.language;
  useEffect(() => {
    if (lang) setLanguage(lang);
  }, [lang]);

  // The page renders while /me is on its way, so its own queries start at once;
  // a 401 from any of them leads to the login page.
  if (session.error instanceof ApiError && session.error.status === 401) return <Navigate to={loginPath(loc)} replace />;
  if (session.error) return <ErrorNotice error={session.error} />;
  return <>{children}</>;
}

import { Button, Group, NavLink, Text, Title } from '@mantine/core';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import { stream } from '@/lib/stream';
import { useSession } from '@/hooks/use-session';
import { NotificationBell } from '@/features/notifications/components/bell';
import { LiveUpdates, StreamBadge } from './live-updates';
import { useRole } from '@/features/members/api/members';
import type { Role } from '@/features/members/lib/roles';

const nav = [
  { to: '/dashboard', key: 'nav.dashboard' },
  { to: '/customers', key: 'nav.customers' },
  { to: '/groups', key: 'nav.groups' },
  { to: '/imports', key: 'nav.imports' },
  { to: '/templates', key: 'nav.templates' },
  { to: '/campaigns', key: 'nav.campaigns' },
  { to: '/events', key: 'nav.events' },
  { to: '/purchases', key: 'nav.purchases' },
  { to: '/relays', key: 'nav.relays' },
  { to: '/members', key: 'nav.members' },
  { to: '/audit', key: 'nav.audit', need: 'admin' },
  { to: '/settings', key: 'nav.settings' },
] as const satisfies readonly { to: string; key: string; need?: Role }[];

export function AppLayout() {
  const { t } = useTranslation();
  const loc = useLocation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { data } = useSession();
  const { can } = useRole();

  async function logout() {
    stream.stop();
    await api.POST('/api/v1/auth/logout');
    qc.clear();
    navigate('/login', { replace: true });
  }

  return (
    <div className="shell">
      <LiveUpdates />
      <header className="shell-header">
        <Title order={2} size="h4">sendingo</Title>
        <Group gap="sm">
          <StreamBadge />
          <Text size="sm" c="dimmed">{data?.account.name}</Text>
          <NotificationBell />
          <Button variant="default" size="xs" onClick={logout}>{t('auth.logout')}</Button>
        </Group>
      </header>
      <nav className="shell-nav" aria-label={t('nav.label')}>
        {nav.filter((n) => !('need' in n) || can(n.need)).map((n) => (
          <NavLink
            key={n.to}
            component={Link}
            to={n.to}
            label={t(n.key)}
            active={loc.pathname === n.to || loc.pathname.startsWith(n.to + '/')}
            aria-current={loc.pathname === n.to || loc.pathname.startsWith(n.to + '/') ? 'page' : undefined}
          />
        ))}
      </nav>
      <main className="shell-main">
        <Outlet />
      </main>
    </div>
  );
}

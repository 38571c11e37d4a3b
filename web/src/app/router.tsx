import { createBrowserRouter, Navigate } from 'react-router';
import { AppLayout } from './layout';
import { RequireSession } from './require-session';
import { RouteError } from './route-error';
import { queryClient } from '@/lib/query-client';
import { groupOptionsQuery } from '@/hooks/use-group-options';
import { customersQuery, filterFrom } from '@/features/customers/api/customers';

// The landing page's data is asked for while its code is still loading.
function prefetchCustomers({ request }: { request: Request }) {
  void queryClient.prefetchQuery(customersQuery(filterFrom(new URL(request.url).searchParams)));
  void queryClient.prefetchQuery(groupOptionsQuery);
  return null;
}

// Every page is its own chunk (route-level code splitting); the first load
// brings only the shell and the page asked for.
export const router = createBrowserRouter([
  { path: '/login', lazy: () => import('@/features/auth/routes/login').then((m) => ({ Component: m.LoginRoute })) },
  { path: '/signup', lazy: () => import('@/features/auth/routes/signup').then((m) => ({ Component: m.SignupRoute })) },
  { path: '/accept-invitation', lazy: () => import('@/features/members/routes/accept-invitation').then((m) => ({ Component: m.AcceptInvitationRoute })) },
  { path: '/forgot-password', lazy: () => import('@/features/members/routes/password-reset').then((m) => ({ Component: m.ForgotPasswordRoute })) },
  { path: '/reset-password', lazy: () => import('@/features/members/routes/password-reset').then((m) => ({ Component: m.ResetPasswordRoute })) },
  {
    element: (
      <RequireSession>
        <AppLayout />
      </RequireSession>
    ),
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to="/customers" replace /> },
      { path: 'dashboard', lazy: () => import('@/features/dashboard/routes/dashboard').then((m) => ({ Component: m.DashboardRoute })) },
      { path: 'customers', loader: prefetchCustomers, lazy: () => import('@/features/customers/routes/customers').then((m) => ({ Component: m.CustomersRoute })) },
      { path: 'groups', lazy: () => import('@/features/groups/routes/groups').then((m) => ({ Component: m.GroupsRoute })) },
      { path: 'imports', lazy: () => import('@/features/imports/routes/imports').then((m) => ({ Component: m.ImportsRoute })) },
      { path: 'imports/:id', lazy: () => import('@/features/imports/routes/import').then((m) => ({ Component: m.ImportRoute })) },
      { path: 'templates', lazy: () => import('@/features/templates/routes/templates').then((m) => ({ Component: m.TemplatesRoute })) },
      { path: 'templates/new', lazy: () => import('@/features/templates/routes/template-editor').then((m) => ({ Component: m.NewTemplateRoute })) },
      { path: 'templates/:id', lazy: () => import('@/features/templates/routes/template-editor').then((m) => ({ Component: m.EditTemplateRoute })) },
      { path: 'relays', lazy: () => import('@/features/relays/routes/relays').then((m) => ({ Component: m.RelaysRoute })) },
      { path: 'relays/new', lazy: () => import('@/features/relays/routes/relay-editor').then((m) => ({ Component: m.NewRelayRoute })) },
      { path: 'relays/:id', lazy: () => import('@/features/relays/routes/relay-editor').then((m) => ({ Component: m.EditRelayRoute })) },
      { path: 'campaigns', lazy: () => import('@/features/campaigns/routes/campaigns').then((m) => ({ Component: m.CampaignsRoute })) },
      { path: 'campaigns/new', lazy: () => import('@/features/campaigns/routes/campaign-new').then((m) => ({ Component: m.NewCampaignRoute })) },
      { path: 'campaigns/schedules', lazy: () => import('@/features/schedules/routes/schedules').then((m) => ({ Component: m.SchedulesRoute })) },
      { path: 'campaigns/schedules/:id', lazy: () => import('@/features/schedules/routes/schedule').then((m) => ({ Component: m.ScheduleRoute })) },
      { path: 'campaigns/:id', lazy: () => import('@/features/campaigns/routes/campaign').then((m) => ({ Component: m.CampaignRoute })) },
      { path: 'events', lazy: () => import('@/features/attendance/routes/events').then((m) => ({ Component: m.EventsRoute })) },
      { path: 'events/new', lazy: () => import('@/features/attendance/routes/event-new').then((m) => ({ Component: m.NewEventRoute })) },
      { path: 'events/:id', lazy: () => import('@/features/attendance/routes/event').then((m) => ({ Component: m.EventRoute })) },
      { path: 'purchases', lazy: () => import('@/features/attendance/routes/purchases').then((m) => ({ Component: m.PurchasesRoute })) },
      { path: 'members', lazy: () => import('@/features/members/routes/members').then((m) => ({ Component: m.MembersRoute })) },
      { path: 'audit', lazy: () => import('@/features/members/routes/audit').then((m) => ({ Component: m.AuditRoute })) },
      { path: 'settings', lazy: () => import('@/features/settings/routes/settings').then((m) => ({ Component: m.SettingsRoute })) },
      { path: '*', lazy: () => import('./not-found').then((m) => ({ Component: m.NotFound })) },
    ],
  },
]);

import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import '@mantine/dropzone/styles.css';
import './components/layout.css';
import './lib/i18n';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { queryClient } from './lib/query-client';
import { meQuery } from './hooks/use-session';

// Ask who is logged in while the page's code is still loading.
if (!['/login', '/signup', '/accept-invitation', '/forgot-password', '/reset-password'].includes(window.location.pathname)) void queryClient.prefetchQuery(meQuery);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

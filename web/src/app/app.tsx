import { Drawer, Modal, MantineProvider, Notification, createTheme } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { RouterProvider } from 'react-router';
import { queryClient } from '@/lib/query-client';
import { router } from './router';

// The console's CSP allows no inline <style> element, so Mantine's runtime CSS
// variables and global classes are off: the defaults come from its stylesheet
// (colour overrides in components/layout.css).
export function App() {
  const { t } = useTranslation();
  // Close buttons get a name in the current language (screen readers, axe).
  const theme = useMemo(
    () =>
      createTheme({
        primaryColor: 'blue',
        fontFamily: 'system-ui, -apple-system, "Segoe UI", "Apple SD Gothic Neo", "Noto Sans KR", "Malgun Gothic", sans-serif',
        components: {
          // lockScroll off: the scroll lock injects a <style> element, which the CSP refuses.
          Modal: Modal.extend({ defaultProps: { lockScroll: false, closeButtonProps: { 'aria-label': t('common.close') } } }),
          Drawer: Drawer.extend({ defaultProps: { lockScroll: false, closeButtonProps: { 'aria-label': t('common.close') } } }),
          Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': t('common.close') } } }),
        },
      }),
    [t],
  );
  return (
    <MantineProvider theme={theme} withCssVariables={false} withGlobalClasses={false} forceColorScheme="light">
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}

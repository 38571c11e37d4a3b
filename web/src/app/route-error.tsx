import { Container } from '@mantine/core';
import { useRouteError } from 'react-router';
import { ErrorNotice } from '@/components/states';

export function RouteError() {
  return (
    <Container py="xl">
      <ErrorNotice error={useRouteError()} />
    </Container>
  );
}

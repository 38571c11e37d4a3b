import { Box, Button, Group, NumberInput, PasswordInput, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '@/lib/api';
import { applyFieldErrors } from '@/lib/forms';
import { Page } from '@/components/page';
import { ErrorNotice, Loading } from '@/components/states';
import { useRelay, useSaveRelay, type RelayInput } from '../api/relays';
import { MASK, configBody, configFrom, kinds, type ConfigValues } from '../lib/kinds';
import { useRole } from '@/features/members/api/members';
import { TemplateSync } from '../components/template-sync';

export function NewRelayRoute() {
  return <RelayEditor relay={undefined} />;
}

export function EditRelayRoute() {
  const id = Number(useParams().id);
  const relay = useRelay(id);
  if (relay.isPending) return <Loading />;
  if (relay.error) return <ErrorNotice error={relay.error} />;
  return <RelayEditor key={relay.data.id} relay={relay.data} />;
}

interface Values {
  name: string;
  kind: string;
  channel: string;
  weight: number;
  price: number;
  rate_limit: number;
  enabled: boolean;
  config: ConfigValues;
}

const topFields = ['name', 'kind', 'channel', 'weight', 'price', 'rate_limit', 'enabled'] as const;

function RelayEditor({ relay }: { relay: Schemas['Relay'] | undefined }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const save = useSaveRelay();
  const mayEdit = useRole().can('admin');
  const initialKind = relay?.kind ?? 'simulator';
  const stored = configFrom(initialKind, relay?.config as Record<string, unknown> | undefined);
  const form = useForm<Values>({
    initialValues: {
      name: relay?.name ?? '',
      kind: initialKind,
      channel: relay?.channel ?? 'sms',
      weight: relay?.weight ?? 1,
      price: (relay?.price ?? 0) / 1000,
      rate_limit: relay?.rate_limit ?? 0,
      enabled: relay?.enabled ?? true,
      config: stored,
    },
    validate: {
      config: (cfg, values) => {
        // A secret stays stored only while the endpoint it was given for stays.
        const spec = kinds[values.kind];
        if (!relay || !spec || values.kind !== relay.kind || cfg[spec.endpoint] === stored[spec.endpoint]) return null;
        const masked = spec.fields.filter((f) => f.type === 'secret' && cfg[f.name] === MASK);
        return masked.length ? t('relays.reenterSecret') : null;
      },
    },
  });
  const v = form.values;
  const spec = kinds[v.kind];
  const endpointChanged = !!relay && v.kind === relay.kind && spec && v.config[spec.endpoint] !== stored[spec.endpoint];

  const changeKind = (kind: string | null) => {
    if (!kind) return;
    form.setFieldValue('kind', kind);
    form.setFieldValue('config', configFrom(kind, kind === relay?.kind ? (relay.config as Record<string, unknown>) : { base_url: kind === 'simulator' ? 'http://127.0.0.1:8090' : undefined }));
    if (!kinds[kind].channels.includes(v.channel as never)) form.setFieldValue('channel', kinds[kind].channels[0]);
  };

  const submit = form.onSubmit((values) => {
    const body: RelayInput = {
      name: values.name,
      kind: values.kind as RelayInput['kind'],
      channel: values.channel as RelayInput['channel'],
      weight: values.weight,
      price: Math.round(values.price * 1000),
      rate_limit: values.rate_limit,
      enabled: values.enabled,
      config: configBody(values.kind, values.config) as RelayInput['config'],
    };
    save.mutate(
      { id: relay?.id ?? null, body },
      {
        onSuccess: (r) => {
          notifications.show({ message: t('relays.saved', { name: r.name }) });
          navigate('/relays');
        },
        onError: (err) => {
          const known = [...topFields, ...(spec?.fields.map((f) => `config.${f.name}`) ?? []), 'config'];
          if (applyFieldErrors(err, form.setErrors, known)) save.reset();
        },
      },
    );
  });

  return (
    <Page title={relay ? t('relays.editTitle', { name: relay.name }) : t('relays.new')}
      actions={<Button component={Link} to="/relays" variant="default">{t('relays.back')}</Button>}>
      <form onSubmit={submit} noValidate>
        <Stack maw={640}>
          <TextInput label={t('relays.name')} required {...form.getInputProps('name')} />
          <Group grow>
            <Select label={t('relays.kind')} required allowDeselect={false}
              data={Object.keys(kinds).map((k) => ({ value: k, label: t(`relays.kinds.${k}`) }))}
              value={v.kind} onChange={changeKind} error={form.errors.kind} />
            <Select label={t('relays.channel')} required allowDeselect={false}
              data={(spec?.channels ?? []).map((c) => ({ value: c, label: t(`templates.channels.${c}`) }))}
              {...form.getInputProps('channel')} />
          </Group>
          <Text fw={600} size="sm">{t('relays.settings', { kind: t(`relays.kinds.${v.kind}`) })}</Text>
          {endpointChanged && <Text size="sm" c="orange">{t('relays.endpointChanged')}</Text>}
          {spec?.fields.map((f) => {
            const label = t(`relays.fields.${f.name}`);
            const props = form.getInputProps(`config.${f.name}`);
            const err = form.errors[`config.${f.name}`];
            switch (f.type) {
              case 'bool':
                return <Switch key={f.name} label={label} {...form.getInputProps(`config.${f.name}`, { type: 'checkbox' })} />;
              case 'secret':
                return (
                  <PasswordInput key={f.name} label={label} required={f.required} autoComplete="new-password"
                    description={relay && v.config[f.name] === MASK ? t('relays.secretKept') : undefined} {...props} error={err} />
                );
              case 'tls':
                return (
                  <Select key={f.name} label={label} clearable
                    data={['starttls', 'tls', 'none'].map((x) => ({ value: x, label: t(`relays.tls.${x}`) }))} {...props} error={err} />
                );
              default:
                return <TextInput key={f.name} label={label} required={f.required} type={f.type === 'url' ? 'url' : f.type === 'number' ? 'number' : 'text'} {...props} error={err} />;
            }
          })}
          {form.errors.config && <Text c="red" size="sm" role="alert">{form.errors.config}</Text>}
          <Group grow>
            <NumberInput label={t('relays.weight')} description={t('relays.weightHint')} min={0} {...form.getInputProps('weight')} />
            <NumberInput label={t('relays.priceLabel')} description={t('relays.priceHint')} min={0} decimalScale={3} {...form.getInputProps('price')} />
            <NumberInput label={t('relays.rateLimit')} description={t('relays.rateLimitHint')} min={0} {...form.getInputProps('rate_limit')} />
          </Group>
          <Switch label={t('relays.enabled')} {...form.getInputProps('enabled', { type: 'checkbox' })} />
          {save.error && <ErrorNotice error={save.error} />}
          <Group>
            <Button type="submit" loading={save.isPending}>{t('common.save')}</Button>
          </Group>
        </Stack>
      </form>
      {relay?.kind === 'aligo-alimtalk' && mayEdit && (
        <Box mt="xl">
          <TemplateSync relay={relay} />
        </Box>
      )}
    </Page>
  );
}

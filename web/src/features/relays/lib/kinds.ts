// The relay kinds and their configuration fields, as relay.Kinds (relay/kinds.go)
// has them: web/kinds_test.go fails when this block says otherwise.
export type FieldType = 'text' | 'url' | 'secret' | 'number' | 'bool' | 'tls';

export interface KindField {
  name: string;
  type: FieldType;
  required?: boolean;
}

export type Channel = 'alimtalk' | 'sms' | 'lms' | 'email';

export interface KindSpec {
  channels: Channel[];
  fields: KindField[];
  /** endpoint is the field whose change requires secrets to be typed again. */
  endpoint: string;
}

export const MASK = '********';

export const kinds: Record<string, KindSpec> = {
  'aligo-alimtalk': {
    channels: ['alimtalk'],
    endpoint: 'base_url',
    fields: [
      { name: 'base_url', type: 'url' },
      { name: 'apikey', type: 'secret', required: true },
      { name: 'userid', type: 'text', required: true },
      { name: 'senderkey', type: 'text', required: true },
      { name: 'sender', type: 'text', required: true },
      { name: 'test_mode', type: 'bool' },
    ],
  },
  'aligo-sms': {
    channels: ['sms', 'lms'],
    endpoint: 'base_url',
    fields: [
      { name: 'base_url', type: 'url' },
      { name: 'key', type: 'secret', required: true },
      { name: 'user_id', type: 'text', required: true },
      { name: 'sender', type: 'text', required: true },
      { name: 'test_mode', type: 'bool' },
    ],
  },
  smtp: {
    channels: ['email'],
    endpoint: 'host',
    fields: [
      { name: 'host', type: 'text', required: true },
      { name: 'port', type: 'number' },
      { name: 'username', type: 'text' },
      { name: 'password', type: 'secret' },
      { name: 'from', type: 'text', required: true },
      { name: 'tls', type: 'tls' },
    ],
  },
  http: {
    channels: ['alimtalk', 'sms', 'lms', 'email'],
    endpoint: 'base_url',
    fields: [
      { name: 'base_url', type: 'url', required: true },
      { name: 'token', type: 'secret' },
      { name: 'from', type: 'text' },
    ],
  },
  simulator: {
    channels: ['alimtalk', 'sms', 'lms', 'email'],
    endpoint: 'base_url',
    fields: [
      { name: 'base_url', type: 'url', required: true },
      { name: 'name', type: 'text', required: true },
      { name: 'token', type: 'secret' },
      { name: 'from', type: 'text' },
    ],
  },
};

export type ConfigValues = Record<string, string | boolean>;

/** configFrom turns a stored (masked) config into form values. */
export function configFrom(kind: string, cfg: Record<string, unknown> | undefined): ConfigValues {
  const out: ConfigValues = {};
  for (const f of kinds[kind]?.fields ?? []) {
    const v = cfg?.[f.name];
    out[f.name] = f.type === 'bool' ? v === true : v === undefined || v === null ? '' : String(v);
  }
  return out;
}

/** configBody turns form values into the config the API takes; empty optional
 * fields are left out, and a secret left masked keeps the stored value. */
export function configBody(kind: string, values: ConfigValues): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const f of kinds[kind]?.fields ?? []) {
    const v = values[f.name];
    if (f.type === 'bool') {
      if (v) out[f.name] = true;
    } else if (typeof v === 'string' && v.trim() !== '') {
      out[f.name] = f.type === 'number' ? Number(v) : v.trim();
    }
  }
  return out;
}

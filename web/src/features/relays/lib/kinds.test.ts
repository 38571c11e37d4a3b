import { describe, expect, it } from 'vitest';
import { MASK, configBody, configFrom, kinds } from './kinds';

describe('relay configuration forms', () => {
  it('show a stored config with its masked secret, and send the mask back unchanged', () => {
    const values = configFrom('aligo-sms', { base_url: 'https://apis.aligo.in', key: MASK, user_id: 'shop', sender: '01012345678', test_mode: true });
    expect(values).toEqual({ base_url: 'https://apis.aligo.in', key: MASK, user_id: 'shop', sender: '01012345678', test_mode: true });
    expect(configBody('aligo-sms', values)).toEqual({ base_url: 'https://apis.aligo.in', key: MASK, user_id: 'shop', sender: '01012345678', test_mode: true });
  });

  it('leave empty optional fields out and send numbers as numbers', () => {
    const body = configBody('smtp', { host: 'mail.example', port: '587', username: '', password: '', from: 'a@b.example', tls: '' });
    expect(body).toEqual({ host: 'mail.example', port: 587, from: 'a@b.example' });
  });

  it('know which channels each kind carries and which field is its endpoint', () => {
    expect(kinds['aligo-alimtalk'].channels).toEqual(['alimtalk']);
    expect(kinds.smtp.endpoint).toBe('host');
    for (const k of Object.values(kinds)) expect(k.fields.some((f) => f.name === k.endpoint)).toBe(true);
  });
});

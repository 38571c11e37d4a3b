import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chars, smsBytes, smsKind, variables } from './text';

// The same vectors render/vectors_test.go checks the server against.
const file = fileURLToPath(new URL('../../../../../render/testdata/text-vectors.json', import.meta.url));
const vectors = JSON.parse(readFileSync(file, 'utf8')) as {
  sms_bytes: { text: string; bytes: number }[];
  variables: { texts: string[]; variables: string[] }[];
};

describe('smsBytes agrees with the server', () => {
  it('has vectors', () => expect(vectors.sms_bytes.length).toBeGreaterThan(5));
  for (const v of vectors.sms_bytes) {
    it(JSON.stringify(v.text).slice(0, 40), () => expect(smsBytes(v.text)).toBe(v.bytes));
  }
});

describe('variables agrees with the server', () => {
  it('has vectors', () => expect(vectors.variables.length).toBeGreaterThan(5));
  for (const v of vectors.variables) {
    it(JSON.stringify(v.texts).slice(0, 40), () => expect(variables(...v.texts)).toEqual(v.variables));
  }
});

describe('the SMS to LMS switch', () => {
  it('is at 90 bytes', () => {
    expect(smsKind(smsBytes('가'.repeat(45)))).toBe('sms');
    expect(smsKind(smsBytes('가'.repeat(45) + 'a'))).toBe('lms');
  });
  it('counts AlimTalk in code points', () => expect(chars('좋아요😀')).toBe(4));
});

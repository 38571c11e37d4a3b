import { describe, expect, it } from 'vitest';
import { safeNext } from './next';

describe('safeNext', () => {
  it('keeps a path on this site, with its query and fragment', () => {
    expect(safeNext('/campaigns/7')).toBe('/campaigns/7');
    expect(safeNext('/customers?q=%EA%B9%80&page=2#top')).toBe('/customers?q=%EA%B9%80&page=2#top');
  });

  it('sends anything that would leave the site to the customers page', () => {
    for (const next of [
      null,
      '',
      'https://evil.example/',
      'evil.example',
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
    ]) {
      expect(safeNext(next), JSON.stringify(next)).toBe('/customers');
    }
  });

  it('does not return to the login page', () => {
    expect(safeNext('/login?next=/x')).toBe('/customers');
  });
});

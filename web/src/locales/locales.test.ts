import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ko from './ko.json';
import en from './en.json';

type Tree = { [k: string]: string | Tree };

function keys(t: Tree, prefix = ''): string[] {
  return Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [prefix + k] : keys(v, prefix + k + '.')));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(f) && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') ? [p] : [];
  });
}

describe('translations', () => {
  const koKeys = keys(ko as Tree).sort();
  const enKeys = keys(en as Tree).sort();

  it('Korean and English have the same keys', () => {
    expect(enKeys.filter((k) => !koKeys.includes(k))).toEqual([]);
    expect(koKeys.filter((k) => !enKeys.includes(k))).toEqual([]);
  });

  it('no translation is empty', () => {
    const empty = (t: Tree) => keys(t).filter((k) => k.split('.').reduce<string | Tree>((n, p) => (n as Tree)[p], t) === '');
    expect(empty(ko as Tree)).toEqual([]);
    expect(empty(en as Tree)).toEqual([]);
  });

  it('every key the code names exists', () => {
    const src = fileURLToPath(new URL('..', import.meta.url));
    const used = new Set<string>();
    for (const f of sourceFiles(src)) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*['"]([a-zA-Z0-9_.]+)['"]/g)) used.add(m[1]);
      for (const m of text.matchAll(/key:\s*'([a-z]+\.[a-zA-Z0-9_.]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter((k) => !koKeys.includes(k)).sort()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allows, needs, roles } from './roles';

const spec = readFileSync(fileURLToPath(new URL('../../../../../api/openapi.yaml', import.meta.url)), 'utf8');

// requiredRoles reads each operation's x-required-role from the spec.
function requiredRoles(): Map<string, string> {
  const out = new Map<string, string>();
  const re = /operationId:\s*(\w+)\s*\n\s*x-required-role:\s*(\w+)/g;
  for (const m of spec.matchAll(re)) out.set(m[1], m[2]);
  return out;
}

describe('roles', () => {
  it('are ordered as the spec lists them', () => {
    const m = spec.match(/\n {4}Role:\n(?:.*\n)*? {6}enum: \[([^\]]+)\]/);
    expect(m?.[1].split(',').map((s) => s.trim())).toEqual([...roles]);
  });

  it('the console asks for the role the API asks for', () => {
    const spec = requiredRoles();
    for (const [op, role] of Object.entries(needs)) expect({ op, role: spec.get(op) }).toEqual({ op, role });
  });

  it('a higher role may do what a lower one may', () => {
    expect(allows('viewer', 'sender')).toBe(false);
    expect(allows('sender', 'sender')).toBe(true);
    expect(allows('admin', 'owner')).toBe(false);
    expect(allows('owner', 'viewer')).toBe(true);
    expect(allows(undefined, 'viewer')).toBe(false);
  });
});

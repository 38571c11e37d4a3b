import { ApiError } from './api';

/** applyFieldErrors puts a problem's per-field errors next to the form's fields;
 * it returns false when the error named no field the form has. */
export function applyFieldErrors(
  err: unknown,
  setErrors: (errors: Record<string, string>) => void,
  known: readonly string[],
): boolean {
  if (!(err instanceof ApiError)) return false;
  const fe = err.fieldErrors();
  const mine: Record<string, string> = {};
  for (const [k, v] of Object.entries(fe)) {
    const key = known.find((f) => k === f || k.startsWith(f + '.') || k.startsWith(f + '['));
    if (key) mine[key] = mine[key] ? `${mine[key]}; ${v}` : v;
  }
  setErrors(mine);
  return Object.keys(mine).length > 0;
}

// The one API client: types generated from api/openapi.yaml (src/lib/api-schema.d.ts,
// made by `npm run gen:api`), so a spec change that breaks the console fails its build.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './api-schema';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** readCookie reads a cookie the page may see (the CSRF token; the session is HttpOnly). */
export function readCookie(name: string): string {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return '';
}

// The session cookie authenticates; unsafe methods echo the CSRF cookie.
const csrf: Middleware = {
  onRequest({ request }) {
    if (unsafe.has(request.method)) {
      const token = readCookie('sendingo_csrf');
      if (token) request.headers.set('X-CSRF-Token', token);
    }
    return request;
  },
};

let onUnauthorized: () => void = () => {};

/** setUnauthorizedHandler tells the client what to do when the session has ended. */
export function setUnauthorizedHandler(fn: () => void) {
  onUnauthorized = fn;
}

const expired: Middleware = {
  onResponse({ request, response }) {
    const path = new URL(request.url).pathname;
    if (response.status === 401 && !path.startsWith('/api/v1/auth/')) onUnauthorized();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(csrf, expired);

/** ApiError carries the problem document of a refused request. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title);
    this.status = status;
    this.problem = problem;
  }
  /** fieldErrors maps each field named by the problem to its message. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) out[e.field] = out[e.field] ? `${out[e.field]}; ${e.message}` : e.message;
    return out;
  }
}

function isProblem(v: unknown): v is Problem {
  return typeof v === 'object' && v !== null && 'title' in v && 'status' in v;
}

/** unwrap turns an openapi-fetch answer into its data, or throws an ApiError. */
export function unwrap<T>(res: { data?: T; error?: unknown; response: Response }): T {
  if (res.error !== undefined || !res.response.ok) {
    const p = isProblem(res.error)
      ? res.error
      : { type: 'about:blank', title: res.response.statusText || 'Error', status: res.response.status };
    throw new ApiError(res.response.status, p);
  }
  return res.data as T;
}

/** JSONBody is the JSON request body of an operation, as the spec describes it. */
export type JSONBody<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

// The origin return paths are read against: any fixed one will do, since only
// whether a path stays on it matters.
const here = 'https://console.invalid';

/**
 * safeNext keeps a return path (the login page's ?next=) on this site: it is
 * read the way the browser would read it, and kept only when it stays on the
 * console's own origin — so "//evil.example", "/\evil.example" and a tab or
 * line break inside "//" lead to the customers page instead.
 */
export function safeNext(next: string | null): string {
  const fallback = '/customers';
  if (!next?.startsWith('/')) return fallback;
  let url: URL;
  try {
    url = new URL(next, here);
  } catch {
    return fallback;
  }
  if (url.origin !== here || url.pathname.startsWith('/login')) return fallback;
  return url.pathname + url.search + url.hash;
}

// Measures the console's first load: the JavaScript a cold visit downloads
// (gzipped, as a server compressing it would send it) and the time until the
// page can be used, in chromium against the real binary on localhost.
//
//   node scripts/bench-console.mjs ../.bin/sendingo      (make bench-console)
//
// It migrates a database of its own (SENDINGO_MYSQL_DSN, default
// sendingo_bench_console on 127.0.0.1), serves `sendingo api` on a free port and
// needs no Temporal (nothing here starts a workflow).
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const bin = process.argv[2] ?? '../.bin/sendingo';
const runs = Number(process.env.RUNS ?? 7);

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const base = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  SENDINGO_DEV: 'true',
  SENDINGO_MYSQL_DSN: process.env.SENDINGO_MYSQL_DSN ?? 'root@tcp(127.0.0.1:3306)/sendingo_bench_console',
  SENDINGO_HTTP_ADDR: `127.0.0.1:${port}`,
  SENDINGO_LOG_LEVEL: 'error',
  // Every signed-in visit signs up a fresh account.
  SENDINGO_SIGNUPS_PER_IP: '10000',
  SENDINGO_AUTH_FAILURES_PER_IP: '10000',
};
execFileSync(bin, ['migrate', 'up'], { env, stdio: 'inherit' });
const api = spawn(bin, ['api'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const stop = () => api.kill('SIGINT');
process.on('exit', stop);

for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {}
  if (i > 100) throw new Error('sendingo api did not start');
  await new Promise((r) => setTimeout(r, 100));
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

// One cold visit: a fresh context (empty cache), every script's gzipped size,
// and the time from navigation start until ready(page) resolves.
async function visit(path, ready, setup) {
  const context = await browser.newContext({ locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  if (setup) await setup(context);
  const page = await context.newPage();
  const scripts = new Map();
  let interactive = false;
  page.on('response', async (r) => {
    if (r.request().resourceType() === 'script') {
      const early = !interactive;
      const body = await r.body().catch(() => Buffer.alloc(0));
      scripts.set(r.url(), { size: gzipSync(body).length, early });
    }
  });
  await page.goto(base + path, { waitUntil: 'commit' });
  await ready(page);
  interactive = true;
  const tti = await page.evaluate(() => performance.now());
  await page.waitForLoadState('networkidle');
  await context.close();
  const sum = (xs) => xs.reduce((a, b) => a + b.size, 0);
  const all = [...scripts.values()];
  return { tti, js: sum(all.filter((s) => s.early)), all: sum(all), files: all.filter((s) => s.early).length };
}

async function signedIn(context) {
  const r = await context.request.post(`${base}/api/v1/auth/signup`, {
    data: { account_name: '벤치', name: '벤치', email: `bench-${Date.now()}-${Math.random()}@shop.example`, password: 'Corr3ct-Horse' },
  });
  if (!r.ok()) throw new Error(`signup: ${r.status()}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pages = [
  {
    name: 'login page, logged out',
    path: '/login',
    ready: (p) => p.getByRole('button', { name: '로그인' }).waitFor(),
  },
  {
    name: 'customers page, logged in',
    path: '/customers',
    ready: (p) => p.getByText('아직 고객이 없습니다').waitFor(),
    setup: signedIn,
  },
  {
    name: 'campaigns page, logged in',
    path: '/campaigns',
    ready: (p) => p.getByText('아직 캠페인이 없습니다').waitFor(),
    setup: signedIn,
  },
  {
    // Interactive with its cards; the charts' chunk (recharts) follows.
    name: 'dashboard, logged in',
    path: '/dashboard',
    ready: (p) => p.getByRole('group', { name: '클릭률' }).waitFor(),
    setup: signedIn,
  },
];

console.log(`| cold visit (chromium, localhost, median of ${runs}) | initial JS, gzipped | JS files | time to interactive | all JS of the visit |`);
console.log('| --- | --- | --- | --- | --- |');
for (const pg of pages) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await visit(pg.path, pg.ready, pg.setup));
  const js = median(results.map((r) => r.js));
  const tti = median(results.map((r) => r.tti));
  const all = median(results.map((r) => r.all));
  console.log(`| ${pg.name} (\`${pg.path}\`) | ${(js / 1024).toFixed(1)} KB | ${median(results.map((r) => r.files))} | ${tti.toFixed(0)} ms | ${(all / 1024).toFixed(1)} KB |`);
}
await browser.close();
stop();

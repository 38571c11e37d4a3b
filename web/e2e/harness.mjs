// What every browser journey shares: Debian's chromium driven by playwright-core,
// a page that fails the test on any console error, page error or failed request,
// axe-core on every page, and screenshots for the README.
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const baseURL = process.env.CONSOLE_URL ?? 'http://127.0.0.1:8080';
export const simURL = process.env.RELAY_SIM_URL ?? 'http://127.0.0.1:8090';
const screenshots = process.env.SCREENSHOT_DIR ?? '';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** open makes a Korean browser page in Seoul that records every problem. */
export async function open(browser) {
  const context = await browser.newContext({
    baseURL,
    locale: 'ko-KR',
    timezoneId: 'Asia/Seoul',
    viewport: { width: 1360, height: 900 },
    acceptDownloads: true,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  const problems = [];
  const allowed = [];
  const record = (p) => {
    if (!allowed.some((re) => re.test(p))) problems.push(p);
  };
  page.on('console', (m) => {
    if (m.type() === 'error') record(`console error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => record(`page error: ${e.message}`));
  // When the page last loaded a document (page.goto, a reload): reads still in
  // flight then are cancelled by the browser, which is no failure of the app.
  let navigatedAt = 0;
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigatedAt = Date.now();
  });
  page.on('requestfailed', (r) => {
    // A download the browser hands over is not a failure, nor the event stream
    // closed by leaving the page, nor a read the page was making as it left.
    const handedOver = /sample\.xlsx|\/messages\/export|\/api\/v1\/stream$/.test(r.url());
    const leftBehind = r.method() === 'GET' && Date.now() - navigatedAt < 5_000;
    if (r.failure()?.errorText !== 'net::ERR_ABORTED' || !(handedOver || leftBehind)) {
      record(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400) record(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  page.setDefaultTimeout(15_000);
  return {
    page,
    context,
    problems,
    /** allow stops counting problems matching re (an expected refusal) until
     * the returned function is called. */
    allow(re) {
      allowed.push(re);
      return () => allowed.splice(allowed.indexOf(re), 1);
    },
    /** clean fails the test if anything went wrong in the browser so far. */
    clean() {
      assert.deepEqual(problems, [], 'the browser saw errors');
    },
  };
}

/** axe checks the page as it is now: no serious or critical violation. */
export async function axe(page, what) {
  // A dialog fading in is half transparent: check it once it has arrived. A
  // transition shows up only once it runs, a frame or so after the dialog
  // mounts, so the page must be still for three frames in a row (the
  // predicate runs once a frame), not at one look.
  await page.evaluate(() => {
    window.stillFrames = 0;
  });
  await page.waitForFunction(() => {
    const still = document.getAnimations().every((a) => a.playState !== 'running');
    window.stillFrames = still ? window.stillFrames + 1 : 0;
    return window.stillFrames >= 3;
  });
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  assert.deepEqual(bad, [], `axe on ${what}`);
}

/** shot saves a screenshot for docs/screenshots when SCREENSHOT_DIR is set. */
export async function shot(page, name) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/** check runs axe and takes the screenshot of a page. */
export async function check(page, name) {
  await axe(page, name);
  await shot(page, name);
}

let seq = 0;
export function uniqueEmail(who) {
  return `${who}-${Date.now()}-${++seq}@shop.example`;
}

/** signUp creates an account through the sign-up page. */
export async function signUp(page, { shop, name, email }) {
  await page.goto('/signup');
  await page.getByLabel('상점(회사) 이름').fill(shop);
  await page.getByLabel('담당자 이름').fill(name);
  await page.getByLabel('이메일').fill(email);
  await page.getByLabel(/^비밀번호( \*)?$/).fill('Corr3ct-Horse');
  await page.getByLabel('휴대폰 번호').fill('010-1234-5678');
  await page.getByRole('button', { name: '회원가입' }).click();
  await page.getByRole('heading', { name: '고객', level: 1 }).waitFor();
}

/** nav follows a link of the main menu. */
export async function nav(page, name) {
  await page.getByRole('navigation', { name: '주 메뉴' }).getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/** guard keeps a screenshot of the page when fn fails (FAILURE_DIR, default /tmp). */
export async function guard(page, name, fn) {
  try {
    await fn();
  } catch (err) {
    const dir = process.env.FAILURE_DIR ?? '/tmp';
    await page.screenshot({ path: join(dir, `failed-${name}.png`), fullPage: true }).catch(() => {});
    throw err;
  }
}

/** count waits until locator matches n elements (the page may still be fetching). */
export async function count(locator, n, what) {
  const deadline = Date.now() + 15_000;
  let got = -1;
  while (Date.now() < deadline) {
    got = await locator.count();
    if (got === n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(got, n, what);
}

/** api calls the API as the page's logged-in user (its session cookie and CSRF
 * token), the way a shop's backend or a second operator would change things. */
export async function api(context, method, path, body) {
  const csrf = (await context.cookies()).find((c) => c.name === 'sendingo_csrf')?.value ?? '';
  const res = await context.request.fetch(baseURL + path, {
    method,
    data: body,
    headers: { 'X-CSRF-Token': decodeURIComponent(csrf) },
  });
  if (!res.ok()) throw new Error(`${method} ${path}: HTTP ${res.status()} ${await res.text()}`);
  return res.status() === 204 ? null : res.json();
}

/** simControl changes the relay simulator's settings (POST /control). */
export async function simControl(patch) {
  const res = await fetch(`${simURL}/control`, { method: 'POST', body: JSON.stringify(patch), headers: { 'Content-Type': 'application/json' } });
  assert.ok(res.ok, `simulator control: HTTP ${res.status}`);
}

/** restartAPI stops the API process the browser talks to, keeps it down for
 * down, and starts it again (e2e/console_test.go serves this). */
export async function restartAPI(down = '2s') {
  const url = process.env.RESTART_API_URL;
  assert.ok(url, 'RESTART_API_URL is not set (run the journeys through go test ./e2e -run TestConsoleJourneys)');
  const res = await fetch(`${url}?down=${down}`, { method: 'POST' });
  assert.equal(res.status, 204, await res.text());
}

/** waitFor polls fn until it answers something truthy (15 s). */
export async function waitFor(fn, what, ms = 15_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what}: still ${JSON.stringify(last)} after ${ms} ms`);
}

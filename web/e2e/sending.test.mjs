// Journeys 3 and 4: sending and watching (campaigns, results, dashboard, the
// bell), and running an attendance event. Same harness and rules as journeys
// 1 and 2: the real sendingo, axe on every page, any console error or failed
// request fails the test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, check, guard, launch, nav, open, restartAPI, shot, signUp, simControl, simURL, uniqueEmail, waitFor } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const mobileUA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** cells reads the cells of the table row whose header or first cell matches name. */
async function cells(table, name) {
  const row = table.getByRole('row', { name });
  await row.waitFor();
  return row.getByRole('cell').allTextContents();
}

test('journey 3: a campaign to two overlapping groups through two relays at 70/30, live to completed; results, a click, the dashboard and the bell', async () => {
  const { page, context, clean, allow } = await open(browser);
  await guard(page, 'journey3', async () => {
    await signUp(page, { shop: '행복상점', name: '박지훈', email: uniqueEmail('journey3') });

    // What journeys 1 and 2 built in the browser, made here through the API:
    // two AlimTalk simulator relays, a template with a link button, and two
    // groups that share two customers (one more customer has opted out).
    const relay = (name, sim) =>
      api(context, 'POST', '/api/v1/relays', {
        name, kind: 'simulator', channel: 'alimtalk', price: 8000, weight: 1, config: { base_url: simURL, name: sim },
      });
    await relay('시뮬레이터 A', 'sim-a');
    await relay('시뮬레이터 B', 'sim-b');
    await api(context, 'PATCH', '/api/v1/account', { optout_number: '080-123-4567' });
    await api(context, 'POST', '/api/v1/templates', {
      name: '여름 세일 안내', channel: 'alimtalk', provider_template_code: 'TP_SALE_1', sender_key: 'sender-key-1',
      body: '#{이름}님, #{등급} 회원 여름 세일이 시작됐습니다.',
      // The shop's page: any page the test's browser can reach (the simulator's health page).
      buttons: [{ name: '세일 보기', mobile_url: `${simURL}/healthz?page=sale` }],
    });
    const regulars = await api(context, 'POST', '/api/v1/groups', { name: '단골' });
    const newcomers = await api(context, 'POST', '/api/v1/groups', { name: '신규' });
    const customers = [];
    for (let i = 1; i <= 11; i++) {
      const attributes = i === 10 ? {} : { 등급: i <= 5 ? 'VIP' : '일반' }; // 고객10 lacks 등급 for now
      customers.push(await api(context, 'POST', '/api/v1/customers', {
        name: `고객${i}`, phone: `010-5000-${String(i).padStart(4, '0')}`, attributes, opted_out: i === 11,
      }));
    }
    const ids = (from, to) => customers.slice(from - 1, to).map((c) => c.id);
    await api(context, 'POST', `/api/v1/groups/${regulars.id}/members`, { customer_ids: ids(1, 6) });
    await api(context, 'POST', `/api/v1/groups/${newcomers.id}/members`, { customer_ids: ids(5, 11) });
    // Reports take 4 s, so the send is seen in flight.
    await simControl({ report_delay: '4s' });

    // The wizard: template → groups → routing → schedule → review.
    await nav(page, '캠페인');
    await check(page, 'campaigns-empty');
    await page.getByRole('link', { name: '새 캠페인' }).click();
    await page.getByRole('heading', { level: 1, name: '새 캠페인' }).waitFor();
    await page.getByRole('combobox', { name: '템플릿' }).click();
    await page.getByRole('option', { name: /여름 세일 안내/ }).click();
    await page.getByText('#{이름}님, #{등급} 회원 여름 세일이 시작됐습니다.').waitFor();
    await check(page, 'campaign-wizard-template');
    await page.getByRole('button', { name: '다음' }).click();

    await page.getByRole('checkbox', { name: '단골 (6)' }).check();
    await page.getByRole('checkbox', { name: '신규 (7)' }).check();
    const audience = page.getByRole('region', { name: '받는 사람' });
    await audience.getByText('10명에게 보냅니다').waitFor();
    await audience.getByText('그룹 인원 합계 13명').waitFor();
    await audience.getByText('여러 그룹에 겹친 2명은 한 번만 받습니다').waitFor();
    await audience.getByText('수신 거부 1명 제외').waitFor();
    // 고객10 has no 등급: the wizard says so before anything is sent.
    await audience.getByText('변수 값이 없는 고객 1명').waitFor();
    await audience.getByRole('table', { name: '변수 값이 없는 고객' }).getByText('고객10').waitFor();
    await check(page, 'campaign-wizard-groups');
    await page.getByRole('button', { name: '다음' }).click();

    // Weighted routing: typing 70 for A makes B 30; the shares always sum to 100.
    await page.getByText('추천', { exact: true }).waitFor();
    const shareA = page.getByRole('textbox', { name: '시뮬레이터 A 비율' });
    const shareB = page.getByRole('textbox', { name: '시뮬레이터 B 비율' });
    assert.equal(await shareA.inputValue(), '50%');
    await shareA.fill('70');
    await waitFor(async () => (await shareB.inputValue()) === '30%', 'B follows A to 30%');
    await page.getByText('비율 합계 100%').waitFor();
    await check(page, 'campaign-wizard-routing');
    await page.getByRole('button', { name: '다음' }).click();

    await page.getByRole('radio', { name: '지금 보내기' }).waitFor();
    await page.getByRole('radio', { name: '예약 발송' }).check();
    await page.getByLabel('보낼 시각 (Asia/Seoul)').waitFor();
    await check(page, 'campaign-wizard-schedule');
    await page.getByRole('radio', { name: '지금 보내기' }).check();
    await page.getByRole('button', { name: '다음' }).click();

    await page.getByLabel('캠페인 이름').fill('여름 세일');
    await page.getByText('발송 방식: 비율 분배 — 시뮬레이터 A 70%, 시뮬레이터 B 30%').waitFor();

    // Sending now is refused in full: which customers lack which variable.
    const refused = allow(/422/);
    await page.getByRole('button', { name: '보내기' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: '템플릿 변수 값이 없는 고객이 있습니다' });
    await refusal.getByText(/1 of 10 recipients/).waitFor();
    await refusal.getByRole('table', { name: '변수 값이 없는 고객' }).getByRole('row', { name: /고객10.*#\{등급\}/ }).waitFor();
    await check(page, 'campaign-wizard-refused');
    refused();

    // The API restarts while the page is open: the console reconnects by itself.
    const live = page.getByRole('status').filter({ hasText: /실시간 연결됨|다시 연결 중/ });
    await live.getByText('실시간 연결됨').waitFor();
    const down = allow(/\/api\/v1\/stream|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE/);
    const restarting = restartAPI('2s');
    await live.getByText('다시 연결 중…').waitFor();
    await restarting;
    await live.getByText('실시간 연결됨').waitFor({ timeout: 30_000 });
    down();

    // 고객10 gets a 등급 (as the shop's backend would), and a double click sends once.
    await api(context, 'PATCH', `/api/v1/customers/${customers[9].id}`, { attributes: { 등급: '일반' } });
    const progressCalls = [];
    page.on('request', (r) => {
      if (/\/api\/v1\/campaigns\/\d+\/progress$/.test(r.url())) progressCalls.push(r.url());
    });
    await page.getByRole('button', { name: '보내기' }).dblclick();
    await page.getByRole('heading', { level: 1, name: '여름 세일' }).waitFor();

    // Progress moves live, from the stream, to completed.
    const progress = page.getByRole('region', { name: '진행 상황' });
    await progress.getByText(/^(받는 사람 준비 중|발송 중|전송 결과 수신 중)$/).waitFor();
    await progress.getByText('전송 결과 수신 중').waitFor({ timeout: 30_000 });
    // While it runs, the split by relay comes live too.
    await progress.getByRole('table', { name: '발송 채널별' }).getByRole('row', { name: /^시뮬레이터 A 7/ }).waitFor();
    await check(page, 'campaign-running');
    await progress.getByText('완료', { exact: true }).waitFor({ timeout: 60_000 });
    assert.equal(await progress.getByRole('progressbar', { name: '발송 진행률' }).getAttribute('aria-valuenow'), '100');
    const counts = progress.getByRole('group', { name: '상태별 건수' });
    await counts.getByText('전송완료').locator('..').getByText('10', { exact: true }).waitFor();
    // No polling while the stream was open: the page asked for progress when it
    // opened, and once more when the campaign's notification said it ended.
    assert.ok(progressCalls.length <= 2, `progress was fetched ${progressCalls.length} times: ${progressCalls.join(', ')}`);

    // The "campaign completed" notification reached the bell live (the page was never reloaded).
    await page.getByRole('button', { name: '알림, 읽지 않음 1개' }).waitFor({ timeout: 15_000 });

    // One campaign, though the button was clicked twice.
    const all = await api(context, 'GET', '/api/v1/campaigns');
    assert.equal(all.total, 1, 'one campaign');

    // Results per group: 고객5 and 6 are in both groups and count once, in 단골.
    const results = page.getByRole('table', { name: '그룹별 결과' });
    assert.deepEqual((await cells(results, /^단골/)).slice(0, 2), ['6', '6']);
    assert.deepEqual((await cells(results, /^신규/)).slice(0, 2), ['4', '4']);
    assert.deepEqual((await cells(results, /^전체/)).slice(0, 2), ['10', '10']);
    // And per relay, 70/30.
    const byRelay = page.getByRole('table', { name: '발송 채널별 결과' });
    assert.deepEqual((await cells(byRelay, /^시뮬레이터 A/)).slice(0, 2), ['7', '7']);
    assert.deepEqual((await cells(byRelay, /^시뮬레이터 B/)).slice(0, 2), ['3', '3']);

    // A message's exact content and its tracking link, opened on a customer's phone.
    const messages = page.getByRole('table', { name: '메시지 목록' });
    await page.getByLabel('전화번호 검색').fill('5000-0003');
    await messages.getByText('고객3').waitFor();
    await messages.getByRole('button', { name: '고객3에게 보낸 메시지 보기' }).click();
    const detail = page.getByRole('dialog', { name: '고객3에게 보낸 메시지' });
    await detail.getByText('고객3님, VIP 회원 여름 세일이 시작됐습니다.').waitFor();
    const link = (await detail.getByRole('table', { name: '링크' }).getByText(/\/t\//).textContent()).trim();
    await check(page, 'campaign-message');
    await detail.getByRole('button', { name: '닫기' }).click();

    const phone = await browser.newContext({ userAgent: mobileUA, locale: 'ko-KR' });
    const tab = await phone.newPage();
    const landed = await tab.goto(link);
    assert.equal(landed?.status(), 200);
    assert.equal(tab.url(), `${simURL}/healthz?page=sale`, 'the tracking link redirects to the button URL');
    await phone.close();

    // The click shows in the results, and the dashboard's click rate is above 0.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: '여름 세일' }).waitFor();
    assert.equal((await cells(page.getByRole('table', { name: '그룹별 결과' }), /^단골/))[4], '1');
    await check(page, 'campaign-completed');
    await nav(page, '대시보드');
    const clickRate = page.getByRole('group', { name: '클릭률' });
    await clickRate.getByText('10%').waitFor();
    await page.getByRole('group', { name: '전송 성공률' }).getByText('100%').waitFor();
    await check(page, 'dashboard');

    // The bell's drawer lists it; following it opens the campaign and reads it.
    await page.getByRole('button', { name: '알림, 읽지 않음 1개' }).click();
    const drawer = page.getByRole('dialog', { name: '알림' });
    await drawer.getByText('캠페인 발송 완료: 여름 세일').waitFor();
    await check(page, 'notifications');
    await drawer.getByRole('button', { name: /새 알림.*캠페인 발송 완료: 여름 세일/ }).click();
    await page.getByRole('heading', { level: 1, name: '여름 세일' }).waitFor();
    await page.getByRole('button', { name: '알림', exact: true }).waitFor();

    await nav(page, '캠페인');
    await page.getByRole('table', { name: '캠페인' }).getByRole('link', { name: '여름 세일' }).waitFor();
    await check(page, 'campaigns');
    await simControl({ report_delay: '2s' });
    clean();
  });
});

test('journey 4: an event with a tier of stock 2 and threshold 1; three check-ins through the API; stock 0, wait list 1, the low-stock notification; restock 1 serves the wait list', async () => {
  const { page, context, clean } = await open(browser);
  await guard(page, 'journey4', async () => {
    await signUp(page, { shop: '행복카페', name: '최유나', email: uniqueEmail('journey4') });

    // The shop's backend: an API key, three customers and their purchases.
    const { key } = await api(context, 'POST', '/api/v1/api-keys', { name: '쇼핑몰 서버' });
    const shop = async (method, path, body) => {
      const res = await fetch(new URL(path, page.url()), {
        method, body: JSON.stringify(body), headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
      });
      if (!res.ok) assert.fail(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    };
    const names = ['김하늘', '이바다', '박구름'];
    for (const [i, name] of names.entries()) {
      await shop('POST', '/api/v1/customers', { name, phone: `010-6000-000${i + 1}` });
      await shop('POST', '/api/v1/purchases', { customer: { phone: `010-6000-000${i + 1}` }, order_id: `ORD-${i + 1}`, amount: 12000 });
    }
    await nav(page, '구매 내역');
    await page.getByRole('table', { name: '구매 내역' }).getByText('ORD-3').waitFor();
    await check(page, 'purchases');

    // The event, from the page: today to a month on, in Seoul, total counting, an alert e-mail.
    await nav(page, '출석 이벤트');
    await check(page, 'events-empty');
    await page.getByRole('link', { name: '새 이벤트' }).click();
    await page.getByLabel(/^이벤트 이름/).fill('12월 출석체크');
    const today = await page.getByLabel(/^시작일/).inputValue();
    const end = new Date(Date.parse(`${today}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel(/^종료일/).fill(end);
    await page.getByRole('combobox', { name: '알림 이메일' }).fill('ops@cafe.example');
    await page.getByRole('combobox', { name: '알림 이메일' }).press('Enter');
    await check(page, 'event-form');
    await page.getByRole('button', { name: '저장' }).click();
    await page.getByRole('heading', { level: 1, name: '12월 출석체크' }).waitFor();

    // A tier: 1 day, stock 2, alert at 1.
    const add = page.getByRole('region', { name: '보상 단계 추가' });
    await add.getByLabel('출석 일수').fill('1');
    await add.getByLabel(/^보상/).fill('아메리카노');
    await add.getByLabel('처음 재고').fill('2');
    await add.getByLabel('재고 알림 기준').fill('1');
    await add.getByRole('button', { name: '추가' }).click();
    const bar = page.getByRole('progressbar', { name: '아메리카노 재고' });
    await waitFor(async () => (await bar.getAttribute('aria-valuenow')) === '2', 'stock 2');
    await page.getByRole('heading', { level: 1, name: '12월 출석체크' }).waitFor();
    const eventPath = new URL(page.url()).pathname;

    // Three check-ins through the API, while the operator looks at the event list.
    await nav(page, '출석 이벤트');
    const eventId = Number(eventPath.split('/').pop());
    for (const i of [1, 2, 3]) {
      await shop('POST', `/api/v1/events/${eventId}/check-ins`, { customer: { phone: `010-6000-000${i}` } });
    }

    // The low-stock notification arrives live; it leads to the event.
    await page.getByRole('button', { name: '알림, 읽지 않음 1개' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: '알림, 읽지 않음 1개' }).click();
    const drawer = page.getByRole('dialog', { name: '알림' });
    await drawer.getByRole('button', { name: /재고 부족: 12월 출석체크 — 아메리카노/ }).click();
    await page.getByRole('heading', { level: 1, name: '12월 출석체크' }).waitFor();

    // Stock 0, one customer waiting; the threshold is marked on the bar.
    await waitFor(async () => (await bar.getAttribute('aria-valuenow')) === '0', 'stock 0');
    const tier = page.getByRole('region', { name: '아메리카노' });
    await tier.getByText('대기 1명').waitFor();
    await tier.getByText('지급 2명').waitFor();
    await tier.getByText('알림 기준 1개').waitFor();
    await check(page, 'event-tiers');

    await page.getByRole('tab', { name: '지급·대기 명단' }).click();
    const grants = page.getByRole('table', { name: '지급·대기 명단' });
    await grants.getByRole('row', { name: /박구름.*대기 1번/ }).waitFor();
    await check(page, 'event-grants');
    await page.getByRole('tab', { name: '재고 알림' }).click();
    await page.getByRole('table', { name: '재고 알림' }).getByText('아메리카노').waitFor();
    await check(page, 'event-alerts');
    await page.getByRole('tab', { name: '출석 현황' }).click();
    await page.getByRole('button', { name: '김하늘 출석 달력 보기' }).click();
    const calendar = page.getByRole('dialog', { name: '김하늘 출석 달력' });
    await calendar.getByText('출석 1일 (누적 1일, 연속 1일)').waitFor();
    await calendar.getByRole('list', { name: '김하늘의 최근 30일 출석' }).getByRole('listitem', { name: /출석$/ }).first().waitFor();
    await check(page, 'event-calendar');
    await calendar.getByRole('button', { name: '닫기' }).click();

    // Restock 1 from the page: the wait list is served first, and the trail says who and why.
    await page.getByRole('tab', { name: '보상과 재고' }).click();
    await page.getByRole('button', { name: '아메리카노 재고 조정' }).click();
    const adjust = page.getByRole('dialog', { name: '아메리카노 재고 조정' });
    await adjust.getByLabel('변경 수량').fill('1');
    await adjust.getByLabel(/^사유/).fill('추가 입고');
    await check(page, 'event-restock');
    await adjust.getByRole('button', { name: '적용' }).click();
    await adjust.getByText('대기 고객 1명에게 지급했습니다: 박구름').waitFor();
    await adjust.getByRole('button', { name: '닫기' }).first().click();
    await tier.getByText('대기 0명').waitFor();
    await tier.getByText('지급 3명').waitFor();
    assert.equal(await bar.getAttribute('aria-valuenow'), '0');
    await page.getByRole('button', { name: '아메리카노 재고 변경 기록' }).click();
    const trail = page.getByRole('dialog', { name: '아메리카노 재고 변경 기록' }).getByRole('table', { name: '변경 기록' });
    await trail.getByRole('row', { name: /최유나.*\+1.*0 → 0.*추가 입고.*1/ }).waitFor();
    await check(page, 'event-trail');
    await page.getByRole('dialog', { name: '아메리카노 재고 변경 기록' }).getByRole('button', { name: '닫기' }).click();

    await page.getByRole('tab', { name: '지급·대기 명단' }).click();
    await grants.getByRole('row', { name: /박구름.*지급/ }).waitFor();
    await nav(page, '출석 이벤트');
    await page.getByRole('table', { name: '출석 이벤트' }).getByRole('link', { name: '12월 출석체크' }).waitFor();
    await check(page, 'events');
    clean();
  });
});

// Journey 5: a repeating campaign made in the wizard, seen in the schedules
// list with its next runs and paused; a group made from a finished campaign's
// delivered recipients. Same harness and rules as the other journeys.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, check, guard, launch, nav, open, signUp, simURL, uniqueEmail, waitFor } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('journey 5: a repeating campaign from the wizard, its next runs, paused; a group of a finished campaign\'s delivered recipients', async () => {
  const { page, context, clean, allow } = await open(browser);
  await guard(page, 'journey5', async () => {
    await signUp(page, { shop: '행복상점', name: '최유나', email: uniqueEmail('journey5') });
    const relay = await api(context, 'POST', '/api/v1/relays', {
      name: '시뮬레이터 A', kind: 'simulator', channel: 'alimtalk', price: 8000, weight: 1, config: { base_url: simURL, name: 'sim-a' },
    });
    await api(context, 'PATCH', '/api/v1/account', { optout_number: '080-123-4567' });
    const template = await api(context, 'POST', '/api/v1/templates', {
      name: '주간 소식', channel: 'alimtalk', provider_template_code: 'TP_WEEKLY_1', sender_key: 'sender-key-1',
      body: '#{이름}님, 이번 주 소식입니다.',
    });
    const group = await api(context, 'POST', '/api/v1/groups', { name: '단골' });
    const ids = [];
    for (let i = 1; i <= 3; i++) {
      ids.push((await api(context, 'POST', '/api/v1/customers', { name: `고객${i}`, phone: `010-6000-000${i}` })).id);
    }
    await api(context, 'POST', `/api/v1/groups/${group.id}/members`, { customer_ids: ids });

    // The wizard's "repeat": a preset rule, read back in words, then created.
    await nav(page, '캠페인');
    await page.getByRole('link', { name: '새 캠페인' }).click();
    await page.getByRole('combobox', { name: '템플릿' }).click();
    await page.getByRole('option', { name: /주간 소식/ }).click();
    await page.getByRole('button', { name: '다음' }).click();
    await page.getByRole('checkbox', { name: '단골 (3)' }).check();
    await page.getByRole('button', { name: '다음' }).click();
    await page.getByText('추천', { exact: true }).waitFor();
    await page.getByRole('button', { name: '다음' }).click();
    await page.getByRole('radio', { name: '반복 발송' }).check();
    // A rule the API refuses comes back next to the rule's field.
    const rule = page.getByLabel('규칙 (시간대 Asia/Seoul)');
    await rule.fill('0 25 * * *');
    await page.getByText('cron 규칙 “0 25 * * *” (Asia/Seoul)').waitFor();
    await page.getByRole('button', { name: '다음' }).click();
    await page.getByLabel('캠페인 이름').fill('월요 소식');
    const refused = allow(/422/);
    await page.getByRole('button', { name: '반복 발송 만들기' }).click();
    await waitFor(async () => (await rule.getAttribute('aria-invalid')) === 'true', 'the rule marked invalid');
    refused();
    await page.getByRole('button', { name: '매주 월요일 10:00' }).click();
    assert.equal(await page.getByLabel('규칙 (시간대 Asia/Seoul)').inputValue(), '0 10 * * mon');
    await page.getByText('매주 월요일 10:00 (Asia/Seoul)').waitFor();
    await check(page, 'campaign-wizard-repeat');
    await page.getByRole('button', { name: '다음' }).click();
    await page.getByLabel('캠페인 이름').fill('월요 소식');
    await page.getByText('반복: 매주 월요일 10:00 (Asia/Seoul)').waitFor();
    await page.getByRole('button', { name: '반복 발송 만들기' }).click();

    // The schedule's page: five next runs, all Mondays at 10:00.
    await page.getByRole('heading', { level: 1, name: '월요 소식' }).waitFor();
    const next = page.getByRole('list', { name: '다음 실행 5회' });
    await waitFor(async () => (await next.getByRole('listitem').count()) === 5, 'five next runs');
    await check(page, 'schedule');

    // The list shows it with its next run; pausing it stops the runs.
    await page.getByRole('link', { name: '반복 발송' }).click();
    const list = page.getByRole('table', { name: '반복 발송' });
    const row = list.getByRole('row', { name: /월요 소식/ });
    await row.getByText('매주 월요일 10:00 (Asia/Seoul)').waitFor();
    await row.getByText('활성').waitFor();
    await waitFor(async () => /\d/.test(await row.getByRole('cell').nth(3).textContent()), 'the next run in the list');
    await check(page, 'schedules');
    await row.getByRole('link', { name: '월요 소식' }).click();
    await page.getByRole('button', { name: '일시 중지' }).click();
    await page.getByRole('button', { name: '다시 시작' }).waitFor();
    await page.getByText('일시 중지됨: 다시 시작할 때까지 실행되지 않습니다.').waitFor();
    const schedules = await api(context, 'GET', '/api/v1/campaign-schedules');
    assert.equal(schedules.items[0].paused, true);

    // A customer with a landline joins the group: AlimTalk cannot reach a
    // landline, so the send leaves them out, and the campaign's page says so.
    const landline = await api(context, 'POST', '/api/v1/customers', { name: '매장 전화', phone: '02-555-0100' });
    await api(context, 'POST', `/api/v1/groups/${group.id}/members`, { customer_ids: [landline.id] });

    // A campaign sent now and finished; its delivered recipients become a group.
    const campaign = await api(context, 'POST', '/api/v1/campaigns', {
      name: '이번 주', template_id: template.id, group_ids: [group.id], routing: { mode: 'weighted', relays: [{ relay_id: relay.id, weight: 1 }] },
    });
    await api(context, 'POST', `/api/v1/campaigns/${campaign.id}/send`);
    await waitFor(async () => (await api(context, 'GET', `/api/v1/campaigns/${campaign.id}`)).status === 'completed', 'the campaign completed', 60_000);
    await page.goto(`/campaigns/${campaign.id}`);
    const progress = page.getByRole('region', { name: '진행 상황' });
    const counts = progress.getByRole('group', { name: '상태별 건수' });
    await counts.getByText('대상', { exact: true }).locator('..').getByText('3', { exact: true }).waitFor();
    await counts.getByText('제외', { exact: true }).locator('..').getByText('1', { exact: true }).waitFor();
    await progress.getByText(/^제외된 1명은 보낼 수 없는 고객입니다/).waitFor();
    const retarget = page.getByRole('region', { name: '이 결과로 그룹 만들기' });
    await retarget.getByLabel('새 그룹 이름').fill('이번 주 받은 고객');
    await retarget.getByRole('button', { name: '그룹 만들기' }).click();
    await retarget.getByText(/완료: 3명 추가됨/).waitFor({ timeout: 30_000 });
    await check(page, 'campaign-retarget');
    const groups = await api(context, 'GET', '/api/v1/groups');
    const made = groups.items.find((g) => g.name === '이번 주 받은 고객');
    assert.equal(made?.customer_count, 3, 'the group has the three delivered recipients');
    clean();
  });
});

// The console's journeys, as an operator does them, against the real sendingo
// (MariaDB, the Temporal dev server, the relay simulator). Run by
// e2e/console_test.go, which starts `sendingo dev` and says where it listens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, count, guard, launch, nav, open, shot, signUp, simURL, uniqueEmail } from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** previewFor previews the template open in the editor for a customer and
 * answers the phone frame that shows it. */
async function previewFor(page, customer) {
  const preview = page.getByRole('region', { name: '미리보기' });
  await preview.getByRole('combobox', { name: '고객 선택' }).click();
  await page.getByRole('option', { name: customer }).click();
  await preview.getByRole('button', { name: '미리보기' }).click();
  return preview.getByRole('figure', { name: '휴대폰 화면 미리보기' });
}

// The sample with rows an operator added: two with mistakes, one duplicate
// (made by e2e/console_test.go from the same sample the API serves).
const filledSample = process.env.FILLED_SAMPLE;

test('journey 1: sign up, import the sample, fix it, commit to a new group, copy two customers to another group', async () => {
  const { page, clean, allow } = await open(browser);
  await guard(page, 'journey1', async () => {
  await page.goto('/login');
  await check(page, 'login');
  await page.getByRole('link', { name: '회원가입' }).click();
  await page.getByRole('heading', { name: '회원가입' }).waitFor();
  await check(page, 'signup');
  await signUp(page, { shop: '행복상점', name: '김민지', email: uniqueEmail('journey1') });
  await check(page, 'customers-empty');

  // A second group to copy into later.
  await nav(page, '그룹');
  await page.getByRole('button', { name: '그룹 만들기' }).click();
  await page.getByRole('dialog').getByLabel('그룹 이름').fill('VIP 고객');
  await page.getByRole('dialog').getByRole('button', { name: '저장' }).click();
  await page.getByRole('link', { name: 'VIP 고객' }).waitFor();

  // Download the sample.
  await nav(page, '엑셀 가져오기');
  await check(page, 'imports-empty');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '샘플 파일 받기' }).click()]);
  const samplePath = join(tmpdir(), `sample-${Date.now()}.xlsx`);
  await download.saveAs(samplePath);
  assert.equal(readFileSync(samplePath).subarray(0, 2).toString(), 'PK', 'the sample is an .xlsx (zip) file');

  // A file without a phone column is refused, and the page says why.
  const noPhone = join(tmpdir(), `no-phone-${Date.now()}.csv`);
  writeFileSync(noPhone, '이름,메모\n홍길동,안녕\n');
  const refused = allow(/422/);
  await page.getByLabel('가져올 파일').setInputFiles(noPhone);
  await page.getByRole('alert').getByText('파일을 받을 수 없습니다').waitFor();
  await page.getByRole('alert').getByText(/phone/).waitFor();
  refused();

  // Upload it, filled in.
  await page.getByLabel('가져올 파일').setInputFiles(filledSample ?? samplePath);
  await page.getByRole('heading', { level: 1, name: /\.xlsx$/ }).waitFor();
  await page.getByRole('region', { name: '고객으로 가져오기' }).waitFor();
  await check(page, 'import-review');

  // Filter the invalid rows, delete one.
  const filters = page.getByRole('group', { name: '검사 결과로 거르기' });
  await filters.getByText(/^오류 2$/).click();
  const rows = page.getByRole('table', { name: '가져올 행' });
  await rows.getByText('잘못된 전화번호').waitFor();
  await count(rows.getByRole('row'), 3, 'two invalid rows and the header');
  await rows.getByRole('checkbox').first().check();
  await page.getByRole('button', { name: '선택한 행 삭제' }).click();
  await filters.getByText(/^오류 1$/).waitFor();
  await count(rows.getByRole('row'), 2, 'one invalid row left');

  // Commit into a new group and watch the progress reach 100%.
  const commit = page.getByRole('region', { name: '고객으로 가져오기' });
  await commit.getByLabel('새 그룹 이름').fill('엑셀 고객');
  await commit.getByRole('button', { name: '정상 3행 가져오기' }).click();
  const progress = page.getByRole('region', { name: '진행 상황' });
  await progress.getByText('100% 완료').waitFor({ timeout: 60_000 });
  await progress.getByText('새 고객 3명, 갱신 0명, 제외 2행').waitFor();
  assert.equal(await progress.getByRole('progressbar').getAttribute('aria-valuenow'), '100');
  await shot(page, 'import-done');

  // The customers list shows them, in their new group.
  await nav(page, '고객');
  await page.getByRole('combobox', { name: '그룹' }).click();
  await page.getByRole('option', { name: /^엑셀 고객/ }).click();
  const customers = page.getByRole('table', { name: '고객' });
  for (const name of ['홍길동', '김영희', '이철수']) await customers.getByText(name, { exact: true }).waitFor();
  await count(customers.getByRole('row'), 4, 'the three imported customers and the header');
  await check(page, 'customers');

  // Copy two of them into VIP 고객.
  await customers.getByRole('checkbox', { name: '홍길동 선택' }).check();
  await customers.getByRole('checkbox', { name: '김영희 선택' }).check();
  await page.getByRole('button', { name: '다른 그룹에 복사' }).click();
  const dialog = page.getByRole('dialog', { name: '그룹에 복사' });
  await dialog.getByRole('combobox', { name: /^대상 그룹/ }).click();
  await page.getByRole('option', { name: 'VIP 고객' }).click();
  await check(page, 'customers-copy');
  await dialog.getByRole('button', { name: '그룹에 복사' }).click();
  await page.getByText('2명에게 적용했습니다.').waitFor();

  // Both groups' counts are right.
  await nav(page, '그룹');
  await page.getByRole('cell', { name: '엑셀 고객 고객 수' }).getByText('3').waitFor();
  await page.getByRole('cell', { name: 'VIP 고객 고객 수' }).getByText('2').waitFor();
  await page.getByRole('cell', { name: '미지정 고객 수' }).getByText('0').waitFor();
  await check(page, 'groups');

  // Selecting groups enables "send a campaign": the wizard opens with them chosen.
  const send = page.getByRole('button', { name: /캠페인 보내기/ });
  assert.equal(await send.isDisabled(), true);
  await page.getByRole('checkbox', { name: '엑셀 고객 선택' }).check();
  await page.getByRole('checkbox', { name: 'VIP 고객 선택' }).check();
  await page.getByRole('button', { name: '선택한 그룹(2)에 캠페인 보내기' }).click();
  await page.getByRole('heading', { level: 1, name: '새 캠페인' }).waitFor();
  assert.match(page.url(), /\/campaigns\/new\?groups=\d+,\d+$/);
  await page.getByRole('combobox', { name: '템플릿' }).waitFor();
  clean();
  });
});

test('journey 2: an AlimTalk template with a button and fallback, previewed for a customer; a simulator relay and its health', async () => {
  const { page, context, clean, allow } = await open(browser);
  const email = uniqueEmail('journey2');
  await guard(page, 'journey2', async () => {
  await signUp(page, { shop: '행복상점', name: '이서준', email });

  // A customer with an attribute the template will use.
  await page.getByRole('button', { name: '고객 추가' }).click();
  const form = page.getByRole('dialog', { name: '고객 추가' });
  await form.getByLabel('이름').fill('홍길동');
  await form.getByLabel('전화번호').fill('010-2222-3333');
  await form.getByRole('button', { name: '항목 추가' }).click();
  await form.getByLabel('항목 1', { exact: true }).fill('등급');
  await form.getByLabel('값 1', { exact: true }).fill('VIP');
  await shot(page, 'customer-form');
  await form.getByRole('button', { name: '저장' }).click();
  await page.getByRole('table', { name: '고객' }).getByText('홍길동').waitFor();

  // The template: AlimTalk, a variable chip, a button, fallback text.
  await nav(page, '템플릿');
  await check(page, 'templates-empty');
  await page.getByRole('link', { name: '템플릿 만들기' }).click();
  await page.getByLabel('템플릿 이름').fill('등급 안내');
  await page.getByLabel('알림톡 템플릿 코드').fill('TP_GRADE_1');
  await page.getByLabel('발신 프로필 키').fill('sender-key-1');
  const body = page.getByRole('textbox', { name: '내용' });
  await body.fill('');
  await body.click();
  await page.getByRole('button', { name: '변수 이름 넣기' }).click();
  await body.pressSequentially('님, 회원 등급은 ');
  await page.getByRole('button', { name: '변수 등급 넣기' }).click();
  await body.pressSequentially('입니다.');
  assert.equal(await body.inputValue(), '#{이름}님, 회원 등급은 #{등급}입니다.');
  await page.getByRole('button', { name: /버튼 추가/ }).click();
  await page.getByLabel('버튼 1 이름').fill('혜택 보기');
  // Values in a button's address are encoded for where they stand.
  await page.getByLabel('버튼 1 모바일 링크').fill('https://shop.example/benefit/#{등급}?name=#{이름}');
  const fallback = page.getByRole('textbox', { name: '대체 문자' });
  await fallback.fill('#{이름}님 등급 #{등급} 안내');
  await page.getByRole('status', { name: '대체 문자 길이' }).getByText('SMS', { exact: true }).waitFor();
  await page.getByRole('button', { name: '저장' }).click();
  await page.getByRole('heading', { level: 1, name: '등급 안내 수정' }).waitFor();

  // The preview is what the server renders for the customer.
  const phone = await previewFor(page, /홍길동/);
  const bubble = phone.getByRole('group', { name: '보낼 메시지' });
  await bubble.getByText('홍길동님, 회원 등급은 VIP입니다.').waitFor();
  await bubble.getByText('혜택 보기').waitFor();
  assert.equal(await bubble.getByText('혜택 보기').getAttribute('title'),
    'https://shop.example/benefit/VIP?name=%ED%99%8D%EA%B8%B8%EB%8F%99');
  await phone.getByRole('group', { name: '대체 발송 메시지' }).getByText('홍길동님 등급 VIP 안내').waitFor();
  await check(page, 'template-editor');

  // The SMS counter switches to LMS past 90 bytes.
  await fallback.fill('가'.repeat(46));
  await page.getByRole('status', { name: '대체 문자 길이' }).getByText('LMS', { exact: true }).waitFor();
  await page.getByText('90바이트를 넘어 LMS로 발송됩니다').waitFor();
  await nav(page, '템플릿');
  await check(page, 'templates');

  // An e-mail whose body starts with a tag goes as HTML; the preview says
  // which kind it goes as.
  await page.getByRole('link', { name: '템플릿 만들기' }).click();
  await page.getByLabel('템플릿 이름').fill('4월 소식');
  await page.locator('label', { hasText: /^이메일$/ }).click();
  await page.getByLabel('메일 제목').fill('4월 소식');
  await page.getByRole('textbox', { name: '내용' }).fill('<p>#{이름}님 & 가족분께, 4월 소식입니다.</p>');
  await page.getByRole('button', { name: '저장' }).click();
  await page.getByRole('heading', { level: 1, name: '4월 소식 수정' }).waitFor();
  const mailPhone = await previewFor(page, /홍길동/);
  await mailPhone.getByRole('group', { name: '보낼 메시지' }).getByText('<p>홍길동님 & 가족분께, 4월 소식입니다.</p>').waitFor();
  await mailPhone.getByText(/이메일 · HTML 메일 ·/).waitFor();
  // A text mail that opens with a bracketed label stays text, its values as written.
  await page.getByRole('textbox', { name: '내용' }).fill('<SALE> #{이름}님 & 가족분께\n4월 소식입니다.');
  const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && /\/api\/v1\/templates\/\d+$/.test(r.url()));
  await page.getByRole('button', { name: '저장' }).click();
  if (!(await saved).ok()) throw new Error('saving the text mail failed');
  // The same customer stays chosen; preview the saved text again.
  const preview = page.getByRole('region', { name: '미리보기' });
  await preview.getByRole('button', { name: '미리보기' }).click();
  const textPhone = preview.getByRole('figure', { name: '휴대폰 화면 미리보기' });
  await textPhone.getByText(/이메일 · 텍스트 메일 ·/).waitFor();
  await textPhone.getByRole('group', { name: '보낼 메시지' }).getByText('<SALE> 홍길동님 & 가족분께 4월 소식입니다.').waitFor();
  await nav(page, '템플릿');

  // A simulator relay, and its health.
  await nav(page, '발송 채널');
  await check(page, 'relays-empty');
  await page.getByRole('link', { name: '발송 채널 추가' }).click();
  await page.getByLabel(/^이름( \*)?$/).fill('시뮬레이터 알림톡');
  await page.getByRole('combobox', { name: /^채널/ }).click();
  await page.getByRole('option', { name: '알림톡' }).click();
  await page.getByLabel('접속 주소 (URL)').fill(simURL);
  await page.getByLabel('시뮬레이터 이름').fill('sim-alimtalk');
  await check(page, 'relay-editor');
  await page.getByRole('button', { name: '저장' }).click();
  const relays = page.getByRole('table', { name: '발송 채널' });
  await relays.getByRole('link', { name: '시뮬레이터 알림톡', exact: true }).waitFor();
  const row = relays.getByRole('row', { name: /시뮬레이터 알림톡/ });
  await row.getByText('정상').waitFor();
  await row.getByText('호출 없음').waitFor();
  await page.getByText('알림톡 추천', { exact: true }).waitFor();
  await check(page, 'relays');

  // An Aligo AlimTalk relay (the simulator speaks Aligo's API too): its
  // templates come in from the provider with their inspection status.
  await page.getByRole('link', { name: '발송 채널 추가' }).click();
  await page.getByLabel(/^이름( \*)?$/).fill('알리고 알림톡');
  await page.getByRole('combobox', { name: /^종류/ }).click();
  await page.getByRole('option', { name: '알리고 알림톡' }).click();
  await page.getByLabel('접속 주소 (URL)').fill(simURL);
  await page.getByLabel(/^API 키/).fill('sim-key');
  await page.getByLabel(/^사용자 ID/).fill('shop');
  await page.getByLabel(/^발신 프로필 키/).fill('SK-SHOP');
  await page.getByLabel(/^발신 번호/).fill('02-123-4567');
  await page.getByRole('button', { name: '저장' }).click();
  await relays.getByRole('link', { name: '알리고 알림톡', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: '알리고 알림톡 수정' }).waitFor();
  const sync = page.getByRole('region', { name: '카카오 알림톡 템플릿' });
  await sync.getByRole('button', { name: '템플릿 가져오기' }).click();
  await page.getByText('템플릿 4개를 새로 가져오고 0개를 갱신했습니다.').waitFor();
  const synced = sync.getByRole('table', { name: '가져온 템플릿' });
  for (const [name, status] of [['주문 접수', '승인'], ['발송 안내', '검수 중'], ['이벤트 당첨', '반려'], ['작성 중', '등록']]) {
    const r = synced.getByRole('row', { name: new RegExp(name) });
    await r.getByText(status, { exact: true }).waitFor();
    await r.getByText('새로 가져옴').waitFor();
  }
  await sync.getByText('검수 승인 전이거나 반려된 템플릿은 캠페인으로 보낼 수 없습니다.', { exact: false }).waitFor();
  await check(page, 'relay-template-sync');
  // The imported templates are the account's, each with its status.
  await synced.getByRole('link', { name: '이벤트 당첨' }).click();
  await page.getByRole('heading', { level: 1, name: '이벤트 당첨 수정' }).waitFor();
  const inspection = page.getByRole('group', { name: '카카오 검수 상태' });
  await inspection.getByText('반려', { exact: true }).waitFor();
  await inspection.getByText('승인된 템플릿만 보낼 수 있습니다.').waitFor();
  await nav(page, '템플릿');
  await page.getByRole('table', { name: '템플릿' }).getByRole('row', { name: /주문 접수/ }).getByText('승인', { exact: true }).waitFor();
  // The campaign wizard warns before a rejected template gets any further.
  await nav(page, '캠페인');
  await page.getByRole('link', { name: '새 캠페인' }).click();
  await page.getByRole('combobox', { name: '템플릿' }).click();
  await page.getByRole('option', { name: /주문 접수/ }).click();
  await page.getByText('#{이름}님, 주문 #{order_no}이(가) 접수되었습니다.').waitFor();
  assert.equal(await page.getByRole('alert').filter({ hasText: '카카오 검수 승인 전인 템플릿' }).count(), 0, 'no warning for an approved template');
  await page.getByRole('combobox', { name: '템플릿' }).click();
  await page.getByRole('option', { name: /이벤트 당첨/ }).click();
  await page.getByRole('alert').filter({ hasText: '카카오 검수 승인 전인 템플릿' }).getByText(/검수 상태는 ‘반려’입니다/).waitFor();

  // Settings, then an expired session: log in again and come back here.
  await nav(page, '설정');
  await page.getByLabel('080 수신거부 번호').fill('080-123-4567');
  await page.getByRole('button', { name: '저장' }).click();
  await page.getByText('설정을 저장했습니다.').waitFor();
  await page.getByLabel('키 이름').fill('쇼핑몰 서버');
  await page.getByRole('button', { name: '키 만들기' }).click();
  const key = await page.getByLabel('새 API 키').textContent();
  assert.match(key ?? '', /^sgo_/);
  await check(page, 'settings');

  // The session cookie expiring is the browser forgetting it; the API then
  // answers 401, which is expected here and only here.
  await context.clearCookies({ name: 'sendingo_session' });
  allow(/401/);
  await page.getByRole('navigation', { name: '주 메뉴' }).getByRole('link', { name: '그룹' }).click();
  await page.getByRole('heading', { name: '로그인' }).waitFor();
  assert.match(page.url(), /\/login\?next=%2Fgroups/);
  // With the keyboard only: type, Tab, type, Enter.
  await page.getByLabel('이메일').focus();
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type('Corr3ct-Horse');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: '그룹' }).waitFor();
  assert.match(page.url(), /\/groups$/);
  clean();
  });
});

test('journey 6: the owner invites a viewer, who joins in another browser, sees no send button and is refused a send; the audit log shows the invitation and a role change', async () => {
  const owner = await open(browser);
  const viewer = await open(browser);
  const page = owner.page;
  const ownerEmail = uniqueEmail('journey6-owner');
  const viewerEmail = uniqueEmail('journey6-viewer');
  await guard(page, 'journey6', async () => {
  await signUp(page, { shop: '행복상점', name: '박지훈', email: ownerEmail });

  // The invitation, and its link shown this once.
  await nav(page, '팀');
  await page.getByRole('table', { name: '구성원' }).getByText(ownerEmail).waitFor();
  await page.getByRole('region', { name: '초대' }).getByLabel('이메일').fill(viewerEmail);
  await page.getByRole('region', { name: '초대' }).getByLabel('역할').selectOption('viewer');
  await page.getByRole('button', { name: '초대하기' }).click();
  const link = await page.getByLabel('초대 링크').textContent();
  assert.match(link, /\/accept-invitation#token=/);
  await page.getByRole('table', { name: '초대' }).getByText(viewerEmail).waitFor();
  await check(page, 'members');

  // The viewer joins in a second browser (the link's path, on the console under test).
  const vpage = viewer.page;
  await guard(vpage, 'journey6-viewer', async () => {
    const u = new URL(link);
    await vpage.goto(u.pathname + u.hash);
    await vpage.getByRole('heading', { name: '팀에 합류하기' }).waitFor();
    await check(vpage, 'accept-invitation');
    await vpage.getByLabel('담당자 이름').fill('최유나');
    await vpage.getByLabel(/^비밀번호( \*)?$/).fill('Corr3ct-Horse-2');
    await vpage.getByRole('button', { name: '합류하기' }).click();
    await vpage.getByRole('heading', { name: '고객', level: 1 }).waitFor();

    // A viewer may not send: no button, and the API refuses.
    await nav(vpage, '캠페인');
    await count(vpage.getByRole('link', { name: '새 캠페인' }), 0, 'a viewer sees no new-campaign button');
    await count(vpage.getByRole('navigation', { name: '주 메뉴' }).getByRole('link', { name: '감사 기록' }), 0, 'a viewer has no audit log');
    const done = viewer.allow(/403/);
    const status = await vpage.evaluate(async () => {
      const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.startsWith('sendingo_csrf='))?.split('=')[1] ?? '');
      const res = await fetch('/api/v1/campaigns', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify({ name: 'x' }) });
      return res.status;
    });
    assert.equal(status, 403, 'a send by a viewer is refused');
    done();
    await nav(vpage, '설정');
    await vpage.getByRole('button', { name: '모든 기기에서 로그아웃' }).waitFor();
    await check(vpage, 'settings-viewer');
    viewer.clean();
  });

  // The owner makes the viewer a sender, and reads both in the audit log.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: '팀' }).waitFor();
  await page.getByLabel('최유나의 역할').selectOption('sender');
  await page.getByRole('table', { name: '구성원' }).getByText('최유나').waitFor();
  await nav(page, '감사 기록');
  const log = page.getByRole('table', { name: '감사 기록' });
  await log.getByText('invitation.create').waitFor();
  await log.getByText('invitation.accept').waitFor();
  await log.getByText('member.role').waitFor();
  await page.getByLabel('동작').selectOption('member.role');
  await page.getByRole('button', { name: '거르기' }).click();
  await count(log.getByText('invitation.create'), 0, 'the filter keeps member.role only');
  await log.getByText('member.role').waitFor();
  await check(page, 'audit');
  owner.clean();
  });
  await viewer.context.close();
  await owner.context.close();
});

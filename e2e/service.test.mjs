// 办事 in real headless Chromium: a citizen on a phone (390×844) submits a request on the public
// page without signing in, a photo attached, and follows it by its code and phone; the city
// office's 秘书 sees the photo, accepts it and dispatches it to 清河县 (suggested from the place); the county office's 秘书 signs for
// it and answers; the 秘书 approves the answer; the citizen reads the answer on the tracking page,
// which names no staff, and rates it 满意, closing it; the county's 秘书 then reads the month's
// 热点分析 on the phone. No page is wider than the phone. On
// SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set (under CI=true it must be).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE,
  createPostgresDatabase,
  expectText,
  launch,
  navigating,
  nothingWider,
  screenshot,
  startServer,
  submitLogin,
  onEngines,
} from './lib.mjs';

const JOURNEY_TIMEOUT_MS = 240_000;
const DESKTOP_1366 = { viewport: { width: 1366, height: 768 } };

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `service-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 180_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  test('a citizen submits and follows a request, the county answers it, the citizen rates it 满意', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const phone = await browser.newContext(PHONE);
    phone.setDefaultTimeout(10_000);
    const desk = await browser.newContext(DESKTOP_1366);
    desk.setDefaultTimeout(10_000);
    const tel = '13912345678';
    const text = `清河县城关镇人民路的路灯坏了一个多星期，晚上出行很不安全（${backend}）。`;
    try {
      // The citizen, signed out, on a phone.
      const citizen = await phone.newPage();
      await citizen.goto(`${server.url}/public/service`);
      await expectText(citizen.locator('h1'), '群众诉求', { hint: 'public-form' });
      await nothingWider(citizen, 'public form on a phone');
      await citizen.locator('#category').selectOption({ label: '求助' });
      await citizen.locator('#name').fill('周明');
      await citizen.locator('#phone').fill(tel);
      await citizen.locator('#location').fill('清河县城关镇人民路 8 号');
      await citizen.locator('#description').fill(text);
      // A photo of the broken lamp, taken on the phone.
      await citizen.locator('#files').setInputFiles(new URL('./seal.png', import.meta.url).pathname);
      const question = await citizen.locator('label', { has: citizen.locator('#challenge-answer') }).innerText();
      const [, a, b] = question.match(/(\d+) \+ (\d+)/);
      await citizen.locator('#challenge-answer').fill(String(Number(a) + Number(b)));
      await screenshot(citizen, shot('service-public-form-phone'));
      await navigating(citizen, () => citizen.locator('#submit').click());
      const code = (await citizen.locator('#tracking-code').innerText()).trim();
      assert.match(code, /^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
      await nothingWider(citizen, 'submitted page on a phone');

      // It follows it by code and phone.
      await navigating(citizen, () => citizen.locator('#go-track').click());
      assert.equal(await citizen.locator('#track-code').inputValue(), code);
      await citizen.locator('#track-phone').fill(tel);
      await navigating(citizen, () => citizen.locator('#track').click());
      await expectText(citizen.locator('#track-state'), '等待受理', { hint: 'tracked' });
      await nothingWider(citizen, 'tracking page on a phone');

      // The city office's 秘书 accepts it and dispatches it to 清河县, which is suggested.
      const office = await desk.newPage();
      await office.goto(`${server.url}/login`);
      await submitLogin(office, 'mishu');
      await office.goto(`${server.url}/affairs?tab=accept`);
      await navigating(office, () => office.locator('#requests a', { hasText: code }).click());
      await expectText(office.locator('#requester'), '周明', { hint: 'requester-in-full' });
      // The citizen's photo is on the request and opens.
      const photo = office.locator('.files a', { hasText: 'seal.png' });
      await expectText(photo, 'seal.png', { hint: 'photo-link' });
      const opened = await office.request.get(new URL(await photo.getAttribute('href'), server.url).href);
      assert.equal(opened.status(), 200);
      assert.equal(opened.headers()['content-type'], 'image/png');
      await navigating(office, () => office.locator('#accept').click());
      await expectText(office.locator('.notice'), '已受理', { hint: 'accepted' });
      const chosen = await office.locator('#lead-post option:checked').innerText();
      assert.match(chosen, /建议/);
      assert.match(chosen, /清河县/);
      await screenshot(office, shot('service-dispatch-desktop'));
      await navigating(office, () => office.locator('#dispatch').click());
      await expectText(office.locator('.notice'), '已派单', { hint: 'dispatched' });
      await expectText(office.locator('#lead-unit'), '清河县', { hint: 'lead-unit' });
      const requestUrl = office.url().split('?')[0];

      // The county office's 秘书, on a phone, signs for it and answers.
      const county = await phone.newPage();
      await county.goto(`${server.url}/login`);
      await submitLogin(county, 'qinghe.mishu');
      await county.goto(`${server.url}/affairs?tab=mine`);
      await nothingWider(county, 'county list on a phone');
      await navigating(county, () => county.locator('#requests a', { hasText: code }).click());
      await navigating(county, () => county.locator('#sign').click());
      await expectText(county.locator('.notice'), '已签收', { hint: 'signed' });
      await county.locator('#answer-text').fill('已安排路灯维修队于今日更换损坏的路灯，现已恢复照明。');
      await navigating(county, () => county.locator('#submit-answer').click());
      await expectText(county.locator('.notice'), '答复已提交', { hint: 'answered' });
      await nothingWider(county, 'request page on a phone');

      // The 秘书 approves the answer.
      await office.goto(requestUrl);
      await navigating(office, () => office.locator('#review').click());
      await expectText(office.locator('#request-state'), '待回访', { hint: 'reviewed' });

      // The citizen reads the answer, no staff named, and rates it 满意.
      await citizen.goto(`${server.url}/public/service/track?code=${code}`);
      await citizen.locator('#track-phone').fill(tel);
      await navigating(citizen, () => citizen.locator('#track').click());
      await expectText(citizen.locator('#track-answer'), '已恢复照明', { hint: 'answer-read' });
      const body = await citizen.locator('body').innerText();
      for (const name of ['王晓东', '赵雨欣']) assert.ok(!body.includes(name), `${name} on the tracking page`);
      await citizen.locator('#rate-satisfied').check();
      await screenshot(citizen, shot('service-rate-phone'));
      await navigating(citizen, () => citizen.locator('#rate').click());
      await expectText(citizen.locator('#track-notice'), '感谢您的评价', { hint: 'rated' });
      await expectText(citizen.locator('#track-state'), '已办结', { hint: 'closed' });
      await nothingWider(citizen, 'rated tracking page on a phone');

      // 热点分析: the county's 秘书 on a phone finds this month's 求助 among the categories; the
      // office's 秘书 reads the month at the desk.
      await county.goto(`${server.url}/affairs`);
      await navigating(county, () => county.locator('#hot').click());
      await expectText(county.locator('h1'), '热点分析', { hint: 'hot-county' });
      await expectText(county.locator('#hot-categories'), '求助', { hint: 'hot-county-categories' });
      await nothingWider(county, 'hot topics on a phone');
      await screenshot(county, shot('service-hot-phone'));
      await office.goto(`${server.url}/affairs/hot`);
      await expectText(office.locator('#hot-total'), '共受理诉求', { hint: 'hot-office' });
      await expectText(office.locator('#hot-places'), '清河县', { hint: 'hot-office-places' });
    } finally {
      await phone.close();
      await desk.close();
    }
  });

  test('内部办事: a section chief asks for a car on a phone, 后勤 answers within the hours, the chief rates it', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const phone = await browser.newContext(PHONE);
    phone.setDefaultTimeout(10_000);
    const desk = await browser.newContext(DESKTOP_1366);
    desk.setDefaultTimeout(10_000);
    const other = await browser.newContext(PHONE);
    other.setDefaultTimeout(10_000);
    const text = `明天上午陪同市长到清河县调研，需小车一辆（${backend}）。`;
    try {
      // The 秘书一科 科长, on a phone, asks for a car.
      const chief = await phone.newPage();
      await chief.goto(`${server.url}/login`);
      await submitLogin(chief, 'kezhang');
      // She holds two posts: she asks as 秘书一科's 科长.
      await navigating(chief, () => chief.getByRole('button', { name: '秘书一科 · 科长' }).click());
      await chief.goto(`${server.url}/affairs`);
      await navigating(chief, () => chief.locator('#apply').click());
      await expectText(chief.locator('h1'), '内部办事申请', { hint: 'apply-form' });
      await nothingWider(chief, 'internal form on a phone');
      const option = await chief.locator('#category option', { hasText: '用车' }).innerText();
      assert.match(option, /4 个工作小时/);
      await chief.locator('#category').selectOption({ label: option });
      await chief.locator('#location').fill('市政府大院东门');
      await chief.locator('#description').fill(text);
      await screenshot(chief, shot('service-internal-apply-phone'));
      await navigating(chief, () => chief.locator('#submit-apply').click());
      await expectText(chief.locator('.notice'), '申请已提交', { hint: 'applied' });
      const requestUrl = chief.url().split('?')[0];
      const code = (await chief.locator('h1 small').innerText()).trim();

      // The office's 秘书 accepts it; 后勤 is suggested, and no county is offered.
      const office = await desk.newPage();
      await office.goto(`${server.url}/login`);
      await submitLogin(office, 'mishu');
      await office.goto(`${server.url}/affairs?tab=accept`);
      await navigating(office, () => office.locator('#requests a', { hasText: code }).click());
      await navigating(office, () => office.locator('#accept').click());
      const chosen = await office.locator('#lead-post option:checked').innerText();
      assert.match(chosen, /建议/);
      assert.match(chosen, /后勤/);
      const offered = await office.locator('#lead-post').innerText();
      assert.ok(!offered.includes('清河县'), 'a county offered for 内部办事');
      await expectText(office.locator('#deadline'), ':', { hint: 'deadline-in-hours' });
      // The 后勤 on duty today is 赵志强 (the demo's `houqin`).
      await office.locator('#lead-post').selectOption({ label: await office.locator('#lead-post option', { hasText: '赵志强' }).innerText() });
      await navigating(office, () => office.locator('#dispatch').click());
      await expectText(office.locator('.notice'), '已派单', { hint: 'dispatched-internal' });

      // 后勤, on a phone of his own, signs for it and answers.
      const houqin = await other.newPage();
      await houqin.goto(`${server.url}/login`);
      await submitLogin(houqin, 'houqin');
      await houqin.goto(`${server.url}/affairs?tab=mine`);
      await navigating(houqin, () => houqin.locator('#requests a', { hasText: code }).click());
      await navigating(houqin, () => houqin.locator('#sign').click());
      await houqin.locator('#answer-text').fill('已安排车辆（司机王师傅），明早 7:50 在大院东门等候。');
      await navigating(houqin, () => houqin.locator('#submit-answer').click());
      await expectText(houqin.locator('.notice'), '答复已提交', { hint: 'answered-internal' });
      await nothingWider(houqin, 'internal request on a phone');

      // The 秘书 approves; the chief rates it 满意 on the request's page.
      await office.goto(requestUrl);
      await navigating(office, () => office.locator('#review').click());
      await chief.goto(requestUrl);
      await chief.locator('#rate-satisfied').check();
      await navigating(chief, () => chief.locator('#rate').click());
      await expectText(chief.locator('.notice'), '评价已记录', { hint: 'rated-internal' });
      await expectText(chief.locator('#request-state'), '已办结', { hint: 'closed-internal' });
      await expectText(chief.locator('#visits'), '申请人评价', { hint: 'visit-via' });
      await nothingWider(chief, 'rated internal request on a phone');
      await chief.goto(`${server.url}/affairs?tab=applied`);
      await expectText(chief.locator('#requests'), code, { hint: 'my-applications' });
    } finally {
      await phone.close();
      await other.close();
      await desk.close();
    }
  });
}

onEngines(import.meta.url, 'service journeys', journeys);

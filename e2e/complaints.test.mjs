// 效能投诉 in real headless Chromium: a citizen on a phone (390×844) files a complaint on the
// public page without signing in and gets its query code; the city's 督查科 (kezhang, switching
// to his 督查科 post) finds it in the complaint list, records 核查 on the 办理 page at desktop
// width and upholds it there on a phone, naming a county 秘书股 post; the citizen's status page
// then reads 整改中 and names nobody. No page is wider than the phone. On SQLite, and on
// PostgreSQL when TEST_POSTGRES_URL is set (under CI=true it must be).

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

const JOURNEY_TIMEOUT_MS = 180_000;
const DESKTOP_1366 = { viewport: { width: 1366, height: 768 } };

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `complaints-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 180_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  async function signIn(context, login, post) {
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await submitLogin(page, login);
    if (new URL(page.url()).pathname === '/choose-post') {
      await navigating(page, () => page.getByRole('button', { name: post }).click());
    }
    return page;
  }

  test('a citizen files a complaint on the public page and the 督查科 upholds it', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const phone = await browser.newContext(PHONE);
    phone.setDefaultTimeout(10_000);
    const desk = await browser.newContext(DESKTOP_1366);
    desk.setDefaultTimeout(10_000);
    try {
      // The citizen, signed out, on a phone.
      const citizen = await phone.newPage();
      await citizen.goto(`${server.url}/public/complaint`);
      await expectText(citizen.locator('h1'), '效能投诉', { hint: 'public-complaint-form' });
      await citizen.locator('#kind').selectOption({ label: '办事拖延' });
      await citizen.locator('#name').fill('孙立平');
      await citizen.locator('#phone').fill('13712340000');
      await citizen.locator('#description').fill(`在清河县政府办开证明，材料齐全仍被要求改天再来，已跑了三趟（${backend}）。`);
      const question = await citizen.locator('label', { has: citizen.locator('#challenge-answer') }).innerText();
      const [, a, b] = question.match(/(\d+) \+ (\d+)/);
      await citizen.locator('#challenge-answer').fill(String(Number(a) + Number(b)));
      await nothingWider(citizen, 'public complaint form on a phone');
      await navigating(citizen, () => citizen.locator('#submit').click());
      const code = (await citizen.locator('#tracking-code').innerText()).trim();
      assert.match(code, /^TS/);
      await expectText(citizen.locator('#complaint-state'), '核查中', { hint: 'filed' });

      // The city's 督查科 finds it in the list and records 核查 on the 办理 page.
      const dc = await signIn(desk, 'kezhang', '督查科 · 副科长（兼）');
      await dc.goto(`${server.url}/efficiency`);
      await navigating(dc, () => dc.locator('#complaints-link').click());
      await navigating(dc, () => dc.locator('#complaints a', { hasText: code }).click());
      await expectText(dc.locator('#complainant'), '孙立平', { hint: 'complainant-to-section' });
      await navigating(dc, () => dc.locator('#open-case').click());
      const form = dc.locator('form.act-complete').first();
      await form.locator('textarea[name=opinion]').fill('调阅登记记录，材料首次到访时已齐全，拖延属实。');
      await navigating(dc, () => form.locator('button[type=submit]').click());
      await expectText(dc.locator('.notice'), '已办理', { hint: 'checked' });
      const caseUrl = dc.url().split('?')[0];
      await screenshot(dc, shot('complaints-desk-desktop'));

      // 认定 on a phone, from the 办理 page's complaint part: 成立, naming a county 秘书股 post.
      const dcPhone = await signIn(phone, 'kezhang', '督查科 · 副科长（兼）');
      await dcPhone.goto(caseUrl);
      await dcPhone.locator('#finding-upheld').check();
      const option = dcPhone.locator('#finding-post option', { hasText: '秘书股' }).first();
      await dcPhone.locator('#finding-post').selectOption({ value: await option.getAttribute('value') });
      await dcPhone.locator('#finding-reason').fill('材料齐全的证明应当场办理，拖延属实，投诉成立。');
      await nothingWider(dcPhone, 'finding form on a phone');
      await navigating(dcPhone, () => dcPhone.locator('#finding-submit').click());
      await expectText(dcPhone.locator('.notice'), '认定已提交', { hint: 'found' });
      await expectText(dcPhone.locator('#complaint-finding'), '成立', { hint: 'upheld' });
      await expectText(dcPhone.locator('#complaint-state'), '整改中', { hint: 'rectifying' });
      await nothingWider(dcPhone, 'complaint page on a phone');
      await screenshot(dcPhone, shot('complaints-upheld-phone'));

      // The citizen's status page: 整改中, nobody named.
      await citizen.goto(`${server.url}/public/complaint/${code}`);
      await expectText(citizen.locator('#complaint-state'), '整改中', { hint: 'public-status' });
      const body = await citizen.locator('body').innerText();
      assert.ok(!body.includes('林海燕'), 'the section member on the public status page');
    } finally {
      await phone.close();
      await desk.close();
    }
  });
}

onEngines(import.meta.url, 'complaints journeys', journeys);

// 学习 in real headless Chromium: the city office's 秘书, on a phone (390×844), finds the
// material she is required to read first in the library, reads it and marks it read; the 主任
// shows the sign-in code of the 学习会 under way on a desktop screen; the 秘书 types it on her
// phone, signs in and writes her 心得; her 科长 sees the section's study hours of the month,
// hers among them, and opens her record. Nothing is wider than the phone's screen. On the
// engines scripts/e2e chooses (e2e/lib.mjs, onEngines).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE,
  createPostgresDatabase,
  expectText,
  launch,
  navigating,
  nothingWider,
  onEngines,
  screenshot,
  startServer,
  submitLogin,
} from './lib.mjs';

const JOURNEY_TIMEOUT_MS = 240_000;
const DESKTOP_1366 = { viewport: { width: 1366, height: 768 } };
const SESSION = '新修订的公文处理细则解读';
const MATERIAL = '新修订的公文处理细则要点';

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `study-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 180_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  async function signIn(login, screen) {
    const context = await browser.newContext(screen);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await submitLogin(page, login);
    if (new URL(page.url()).pathname === '/choose-post') {
      await navigating(page, () => page.getByRole('button', { name: '秘书一科 · 科长' }).click());
    }
    await expectText(page.locator('h1'), '我的工作台', { hint: `${login}-workbench` });
    return { context, page };
  }

  test('the 秘书 reads a required material, signs in to a 学习会 by code and writes her 心得; the 科长 sees the section\'s hours', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const mishu = await signIn('mishu', PHONE);
    try {
      const page = mishu.page;
      // The library: the material she must read comes first.
      await page.goto(`${server.url}/study`);
      await expectText(page.locator('h1'), '学习', { hint: 'library' });
      const first = page.locator('#materials tbody tr').first();
      await expectText(first, MATERIAL, { hint: 'required-first' });
      await expectText(first, '应读未读');
      await nothingWider(page, 'phone study library');
      await navigating(page, () => first.locator('td.title a').click());
      await expectText(page.locator('#material-title'), MATERIAL);
      await nothingWider(page, 'phone material');
      await navigating(page, () => page.locator('#mark-read').click());
      await expectText(page.locator('.notice'), '已标记为已读', { hint: 'read' });
      await expectText(page.locator('#read-status'), '已读');
      await screenshot(page, shot('study-material-phone'));
    } catch (e) {
      await mishu.context.close();
      throw e;
    }

    // The 主任 shows the code on the room's screen.
    let code;
    {
      const { context, page } = await signIn('zhuren', DESKTOP_1366);
      try {
        await page.goto(`${server.url}/study/sessions`);
        await navigating(page, () => page.locator('#sessions a', { hasText: SESSION }).click());
        await navigating(page, () => page.locator('#show-code').click());
        code = (await page.locator('#checkin-code').innerText()).trim();
        assert.match(code, /^\d{6}$/);
        await screenshot(page, shot('study-code'));
      } finally {
        await context.close();
      }
    }

    // The 秘书 types it on her phone and writes her 心得.
    try {
      const page = mishu.page;
      await page.goto(`${server.url}/study/sessions`);
      await navigating(page, () => page.locator('#sessions a', { hasText: SESSION }).click());
      await expectText(page.locator('#session-title'), SESSION);
      await nothingWider(page, 'phone session');
      await page.locator('#checkin-code').fill(code);
      await navigating(page, () => page.locator('#checkin-submit').click());
      await expectText(page.locator('.notice'), '签到成功', { hint: 'signed' });
      await page.locator('#reflection-text').fill('细则要求收文当日登记分办，我将严格落实。');
      await navigating(page, () => page.locator('#reflection-submit').click());
      await expectText(page.locator('.notice'), '心得已保存', { hint: 'reflected' });
      await expectText(page.locator('#attendees'), '细则要求收文当日登记分办');
      await nothingWider(page, 'phone session after');
      await screenshot(page, shot('study-session-phone'));
      await page.goto(`${server.url}/study/record`);
      await expectText(page.locator('#record-items'), SESSION, { hint: 'record' });
      await nothingWider(page, 'phone record');
    } finally {
      await mishu.context.close();
    }

    // The 科长 sees the section's hours, hers among them, on a desktop and on a phone.
    for (const screen of [DESKTOP_1366, PHONE]) {
      const { context, page } = await signIn('kezhang', screen);
      try {
        await page.goto(`${server.url}/study/hours`);
        const row = page.locator('#hours-table tbody tr', { hasText: '王晓东' });
        const total = (await row.locator('td[data-label="学习会"]').innerText()).trim();
        assert.equal(total, '90', `her 学习会 minutes: ${total}`);
        if (screen === PHONE) await nothingWider(page, 'phone section hours');
        await screenshot(page, shot(screen === PHONE ? 'study-hours-phone' : 'study-hours'));
        await navigating(page, () => row.locator('td.title a').click());
        await expectText(page.locator('#record-items'), MATERIAL, { hint: 'her-record' });
        if (screen === PHONE) {
          // Scheduling a session names its speaker and, when not the whole office, who attends.
          await page.goto(`${server.url}/study/sessions`);
          await page.locator('#attendee-choice summary').click();
          await expectText(page.locator('#attendee-choice'), '王晓东', { hint: 'attendee-choice' });
          await nothingWider(page, 'phone session form with its attendees');
        }
      } finally {
        await context.close();
      }
    }
  });
}

onEngines(import.meta.url, 'study journeys', journeys);

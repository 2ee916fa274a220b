// The working-day calendar in real headless Chromium: any signed-in person reaches it from the
// navigation and counts a deadline; the calendar's administrator pastes a State Council notice
// and sees it as twelve months before anything is saved. On SQLite, and on PostgreSQL when
// TEST_POSTGRES_URL is set (under CI=true it must be).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, createPostgresDatabase, expectText, launch, navigating, screenshot, startServer, submitLogin, onEngines } from './lib.mjs';


// The 2026 notice (国办发明电〔2025〕7号), its arrangement paragraphs as published.
const NOTICE_2026 = `国务院办公厅关于2026年部分节假日安排的通知
国办发明电〔2025〕7号
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。`;

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `calendar-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 240_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  test('a secretary counts a deadline across 国庆 on the calendar', { timeout: 120_000 }, async () => {
    const context = await browser.newContext(DESKTOP);
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/login`);
      await submitLogin(page, 'mishu');
      await navigating(page, () => page.locator('nav a[href="/admin/calendar"]').first().click());
      await expectText(page.locator('h1'), '工作日历', { hint: 'calendar' });
      await page.locator('input[name=from]').fill('2026-09-30');
      await page.locator('input[name=days]').fill('5');
      await navigating(page, () => page.getByRole('button', { name: '计算' }).click());
      const result = page.locator('.cal-result strong');
      await expectText(result, '2026年10月13日', { hint: 'deadline' });
      const why = await result.getAttribute('title');
      assert.match(why, /国庆节/, 'the tooltip says how the deadline was counted');
      assert.match(why, /10月10日 调休上班 计入/);
      await screenshot(page, shot('calendar-deadline'));
      assert.equal(await page.getByText('粘贴通知').count(), 0, 'a secretary cannot change the calendar');
    } finally {
      await context.close();
    }
  });

  test('the calendar administrator pastes a notice and checks it as twelve months', { timeout: 120_000 }, async () => {
    const context = await browser.newContext(DESKTOP);
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/login`);
      await submitLogin(page, 'sysadmin');
      await page.goto(`${server.url}/admin/calendar/2026`);
      await expectText(page.locator('h1'), '2026年工作日历', { hint: 'year' });
      await screenshot(page, shot('calendar-2026'));
      await navigating(page, () => page.getByRole('link', { name: '粘贴通知载入' }).click());
      await page.locator('textarea[name=notice]').fill(NOTICE_2026);
      await navigating(page, () => page.getByRole('button', { name: '识别' }).click());
      await expectText(page.locator('h1'), '核对2026年通知识别结果', { hint: 'preview' });
      await expectText(page.locator('body'), '国办发明电〔2025〕7号', { hint: 'preview-number' });
      await expectText(page.locator('body'), '与现有数据相同', { hint: 'preview-same' });
      await screenshot(page, shot('calendar-paste-preview'));
    } finally {
      await context.close();
    }
  });
}

onEngines(import.meta.url, 'calendar journeys', journeys);

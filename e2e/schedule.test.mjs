// 领导日程 in real headless Chromium: the 秘书 who keeps the 市长's schedule opens it on a phone
// (390×844) from 办会, finds this week's clash with the 市长办公会议 flagged, adds a 调研 for
// next week and moves it, then cancels it; the 科长, at a desk, reads the same week and sees the
// private engagement only as 不公开的安排; the 市长 reads his own week. Nothing is wider than the
// phone's screen. On the engines scripts/e2e chooses (e2e/lib.mjs, onEngines).

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

/** The Monday of next week (Beijing), as YYYY-MM-DD. */
function nextMonday() {
  const beijing = new Date(Date.now() + 8 * 3_600_000);
  const day = (beijing.getUTCDay() + 6) % 7;
  const d = new Date(Date.UTC(beijing.getUTCFullYear(), beijing.getUTCMonth(), beijing.getUTCDate() - day + 7));
  return d.toISOString().slice(0, 10);
}

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `schedule-${backend.toLowerCase()}` });
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

  test('the 秘书 keeps the 市长\'s week on a phone; the 科长 sees a busy block; the 市长 reads his week', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    {
      const { context, page } = await signIn('mishu', PHONE);
      try {
        await page.goto(`${server.url}/meetings`);
        await navigating(page, () => page.locator('#to-schedule').click());
        await expectText(page.locator('h1'), '市长 的日程', { hint: 'schedule' });
        await expectText(page.locator('#clash-count'), '时间冲突', { hint: 'clash' });
        await expectText(page.locator('#schedule li.clash').first(), '时间冲突');
        await nothingWider(page, 'phone schedule');
        await screenshot(page, shot('schedule-phone'));
        // Next week: a 调研 added, then moved an hour later, then cancelled.
        const monday = nextMonday();
        await navigating(page, () => page.locator('#next-week').click());
        await page.locator('#entry-kind').selectOption('research');
        await page.locator('#entry-title').fill('赴清河县调研冬春季农业生产');
        await page.locator('#entry-place').fill('清河县');
        await page.locator('#entry-starts').fill(`${monday}T14:00`);
        await page.locator('#entry-ends').fill(`${monday}T16:00`);
        await navigating(page, () => page.locator('#entry-save').click());
        await expectText(page.locator('.notice'), '日程已添加', { hint: 'added' });
        const added = page.locator('#schedule li', { hasText: '赴清河县调研冬春季农业生产' });
        await expectText(added.locator('.when'), '14:00—16:00');
        await navigating(page, () => added.getByRole('link', { name: '修改' }).click());
        assert.equal(await page.locator('#entry-title').inputValue(), '赴清河县调研冬春季农业生产');
        await page.locator('#entry-starts').fill(`${monday}T15:00`);
        await page.locator('#entry-ends').fill(`${monday}T17:00`);
        await navigating(page, () => page.locator('#entry-save').click());
        await expectText(page.locator('.notice'), '日程已修改', { hint: 'changed' });
        await expectText(page.locator('#schedule li', { hasText: '赴清河县调研冬春季农业生产' }).locator('.when'), '15:00—17:00');
        // A wrong time is refused in Chinese, the form kept.
        await page.locator('#entry-title').fill('倒挂的安排');
        await page.locator('#entry-starts').fill(`${monday}T12:00`);
        await page.locator('#entry-ends').fill(`${monday}T11:00`);
        await navigating(page, () => page.locator('#entry-save').click());
        await expectText(page.locator('#schedule-error'), '结束时间应晚于开始时间', { hint: 'refused' });
        assert.equal(await page.locator('#entry-title').inputValue(), '倒挂的安排');
        await page.goto(`${server.url}/schedule?week=${monday}`);
        const row = page.locator('#schedule li', { hasText: '赴清河县调研冬春季农业生产' });
        await row.locator('details.confirm summary').click();
        await navigating(page, () => row.locator('button.cancel-entry').click());
        await expectText(page.locator('.notice'), '日程已取消', { hint: 'cancelled' });
        assert.equal(await page.locator('#schedule li', { hasText: '赴清河县调研冬春季农业生产' }).count(), 0);
      } finally {
        await context.close();
      }
    }
    {
      const { context, page } = await signIn('kezhang', DESKTOP_1366);
      try {
        await page.goto(`${server.url}/schedule`);
        await expectText(page.locator('h1'), '的日程', { hint: 'kezhang-schedule' });
        const mayor = page.locator('#leader-pick select option').filter({ hasText: /\s市长$/ }).first();
        await page.locator('#leader-pick select').selectOption(await mayor.getAttribute('value'));
        await navigating(page, () => page.locator('#leader-pick button').click());
        await expectText(page.locator('h1'), '市长 的日程');
        await expectText(page.locator('#schedule'), '不公开的安排', { hint: 'busy-block' });
        assert.equal(await page.locator('#entry-form').count(), 0, 'no form for one who does not keep it');
        assert.equal(await page.locator('#schedule').getByText('个人事务').count(), 0);
      } finally {
        await context.close();
      }
    }
    {
      const { context, page } = await signIn('shizhang', PHONE);
      try {
        await page.goto(`${server.url}/schedule`);
        await expectText(page.locator('h1'), '市长 的日程', { hint: 'mayor-schedule' });
        await expectText(page.locator('#schedule'), '个人事务', { hint: 'own-private' });
        await nothingWider(page, 'phone mayor schedule');
      } finally {
        await context.close();
      }
    }
  });
}

onEngines(import.meta.url, 'schedule journeys', journeys);

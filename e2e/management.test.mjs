// 管理 in real headless Chromium: the city office's 秘书, on a phone (390×844), opens 管理,
// finds this week's report drafted from her own events and submits it; her 科长 reads it in
// the section's week and comments, then rolls the section's week up and submits it; the 主任,
// on the phone, reads the office's roll-up and comments on the section's; the 主任 opens last month's evaluation, drills from the
// section's table into one person's figures and their source items, and locks the section.
// Then the 秘书 plans her day on the phone (an own entry added and marked done, a rule to read
// acknowledged) and the 科长 sees the section's day. Nothing is wider than the phone's screen. On the engines scripts/e2e chooses
// (e2e/lib.mjs, onEngines).

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

/** Last month in Beijing time, as YYYY-MM. */
function lastMonth() {
  const beijing = new Date(Date.now() + 8 * 3_600_000);
  const d = new Date(Date.UTC(beijing.getUTCFullYear(), beijing.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `management-${backend.toLowerCase()}` });
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

  test('the 秘书 submits her drafted week, the 科长 comments, the 主任 drills down and locks the section', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    // The 秘书, on a phone.
    {
      const { context, page } = await signIn('mishu', PHONE);
      try {
        await page.goto(`${server.url}/management`);
        await expectText(page.locator('h1'), '管理', { hint: 'hub' });
        await nothingWider(page, 'phone management hub');
        await navigating(page, () => page.locator('#to-week').click());
        await expectText(page.locator('h1'), '周报告', { hint: 'week' });
        await nothingWider(page, 'phone weekly report');
        const drafted = await page.locator('#report-body').inputValue();
        assert.match(drafted, /本周（.+）工作情况/, 'the report is drafted from the week');
        assert.match(drafted, /一、办文：办理公文环节 \d+ 件/);
        await page.locator('#report-body').fill(`${drafted}下周：完成年度信息报送任务。`);
        await screenshot(page, shot('management-week-phone'));
        await navigating(page, () => page.locator('#submit-report').click());
        await expectText(page.locator('.notice'), '周报告已报送', { hint: 'submitted' });
        await expectText(page.locator('#report-status'), '已报送', { hint: 'status' });
        await expectText(page.locator('#report-text'), '下周：完成年度信息报送任务。');
      } finally {
        await context.close();
      }
    }
    // The 科长 comments.
    {
      const { context, page } = await signIn('kezhang', DESKTOP_1366);
      try {
        await page.goto(`${server.url}/management/reports`);
        const row = page.locator('#week-table tbody tr', { hasText: '王晓东' });
        await expectText(row.locator('td[data-label="状态"]'), '报', { hint: 'week-table' });
        await navigating(page, () => row.locator('td.title a').click());
        await expectText(page.locator('#report-text'), '下周：完成年度信息报送任务。');
        await page.locator('#comment-form textarea[name=comment]').fill('信息报送要抓紧，月底前完成。');
        await navigating(page, () => page.locator('#comment-report').click());
        await expectText(page.locator('.notice'), '批注已保存', { hint: 'commented' });
        await expectText(page.locator('#report-comment'), '信息报送要抓紧');
        // The section's week, rolled up from its people's, submitted to the office.
        await page.goto(`${server.url}/management/reports`);
        await navigating(page, () => page.locator('#to-rollup').click());
        await expectText(page.locator('h1'), '秘书一科周报告汇总', { hint: 'rollup' });
        await expectText(page.locator('#rollup-parts tbody tr', { hasText: '王晓东' }).locator('td[data-label="状态"]'), '报');
        const rolled = await page.locator('#rollup-body').inputValue();
        assert.match(rolled, /下周：完成年度信息报送任务。/, 'the roll-up carries what the 秘书 submitted');
        // This week's is kept as a draft until the people's day; last week's, still to do, is
        // submitted with the people who never reported confirmed.
        await navigating(page, () => page.locator('#save-rollup').click());
        await expectText(page.locator('.notice'), '汇总草稿已保存', { hint: 'rollup-saved' });
        await navigating(page, () => page.locator('#prev-week').click());
        const last = await page.locator('#rollup-body').inputValue();
        await page.locator('#rollup-body').fill(last.replace('三、存在的问题：', '三、存在的问题：年度信息报送尚有差距。'));
        if ((await page.locator('#confirm-missing').count()) > 0) await page.locator('#confirm-missing').check();
        await navigating(page, () => page.locator('#submit-rollup').click());
        await expectText(page.locator('.notice'), '周报告汇总已报送', { hint: 'rollup-submitted' });
        await expectText(page.locator('#rollup-text'), '年度信息报送尚有差距');
      } finally {
        await context.close();
      }
    }
    // The 主任, on a phone, reads the office's week: the section's roll-up is in it; comments.
    {
      const { context, page } = await signIn('zhuren', PHONE);
      try {
        await page.goto(`${server.url}/management/reports/rollup`);
        await expectText(page.locator('h1'), '周报告汇总', { hint: 'office-rollup' });
        await navigating(page, () => page.locator('#prev-week').click());
        await nothingWider(page, 'phone office roll-up');
        const section = page.locator('#rollup-parts tbody tr', { hasText: '秘书一科' });
        // Last week's: 迟报 when submitted after its Monday.
        await expectText(section.locator('td[data-label="状态"]'), '报', { hint: 'section-status' });
        assert.match(await section.locator('td[data-label="状态"]').innerText(), /^(已报送|迟报)/);
        await screenshot(page, shot('management-rollup-phone'));
        await navigating(page, () => section.locator('td.title a').click());
        await expectText(page.locator('#rollup-text'), '年度信息报送尚有差距', { hint: 'section-rollup' });
        await page.locator('#rollup-comment-form textarea[name=comment]').fill('信息报送月底前补齐。');
        await navigating(page, () => page.locator('#comment-rollup').click());
        await expectText(page.locator('.notice'), '批注已保存', { hint: 'rollup-commented' });
        await expectText(page.locator('#rollup-comment'), '月底前补齐');
      } finally {
        await context.close();
      }
    }
    // The 主任 reads last month, drills down, locks the section.
    {
      const { context, page } = await signIn('zhuren', DESKTOP_1366);
      try {
        const month = lastMonth();
        await page.goto(`${server.url}/management/evaluations?month=${month}`);
        await expectText(page.locator('h1'), `${month} 月考评`, { hint: 'month' });
        await expectText(page.locator('#people'), '王晓东', { hint: 'people' });
        const person = page.locator('#people tbody tr', { hasText: '王晓东' }).locator('td.title a');
        await navigating(page, () => person.click());
        await expectText(page.locator('h1'), '王晓东', { hint: 'evaluation' });
        await expectText(page.locator('#f-on_time'), '办理及时率');
        await expectText(page.locator('#factors'), '未启用');
        const total = Number((await page.locator('#eval-total').innerText()).trim());
        assert.ok(total > 0 && total <= 110, `a total in range: ${total}`);
        const drill = page.locator('details.drill').first();
        if ((await drill.count()) > 0) {
          await drill.locator('summary').click();
          assert.ok((await drill.locator('li').count()) > 0, 'the drill-down lists its items');
        }
        await screenshot(page, shot('management-evaluation'));
        await page.goto(`${server.url}/management/evaluations?month=${month}`);
        const section = page.locator('#units tbody tr', { hasText: '秘书一科' });
        await navigating(page, () => section.locator('button.lock-unit').click());
        await expectText(page.locator('.notice'), '考评已锁定', { hint: 'locked' });
        const locked = (await page.locator('#units tbody tr', { hasText: '秘书一科' }).locator('td[data-label="锁定"]').innerText()).trim();
        const [n, of] = locked.split('/').map((x) => Number(x.trim()));
        assert.ok(n > 0 && n === of, `every person of the section locked: ${locked}`);
        await expectText(page.locator('#people tbody tr', { hasText: '王晓东' }).locator('td[data-label="状态"]'), '已锁定');
      } finally {
        await context.close();
      }
    }
  });

  test('the 秘书 plans her day on a phone and acknowledges a rule; the 科长 sees the section\'s day', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    {
      const { context, page } = await signIn('mishu', PHONE);
      try {
        await navigating(page, () => page.locator('#to-plan').click());
        await expectText(page.locator('h1'), '今日安排', { hint: 'plan' });
        await expectText(page.locator('#own'), '校对市政府常务会议纪要', { hint: 'own-entries' });
        await expectText(page.locator('#due-today'), '制度阅知', { hint: 'rules-on-plan' });
        await nothingWider(page, 'phone day plan');
        await page.locator('#entry-text').fill('核对会议室预订');
        await page.locator('#entry-time').fill('16:00');
        await navigating(page, () => page.locator('#add-entry-button').click());
        await expectText(page.locator('.notice'), '已加入今日安排', { hint: 'added' });
        const added = page.locator('#own li', { hasText: '核对会议室预订' });
        await expectText(added, '16:00');
        await navigating(page, () => added.getByRole('button', { name: '标记完成' }).click());
        await expectText(page.locator('#own li.done'), '核对会议室预订', { hint: 'done' });
        await screenshot(page, shot('plan-today-phone'));
        const rule = page.locator('#due-today li', { hasText: '制度阅知' }).locator('a').first();
        await navigating(page, () => rule.click());
        await expectText(page.locator('#my-ack'), '待阅知', { hint: 'rule' });
        await nothingWider(page, 'phone rule');
        await navigating(page, () => page.locator('#acknowledge').click());
        await expectText(page.locator('.notice'), '已确认阅知', { hint: 'acknowledged' });
        await expectText(page.locator('#my-ack'), '已阅知');
      } finally {
        await context.close();
      }
    }
    {
      const { context, page } = await signIn('kezhang', PHONE);
      try {
        await page.goto(`${server.url}/plans/section`);
        await expectText(page.locator('h1'), '本科室日安排', { hint: 'section-day' });
        await expectText(page.locator('main'), '核对会议室预订', { hint: 'section-entry' });
        await nothingWider(page, 'phone section day');
        await screenshot(page, shot('plan-section-phone'));
      } finally {
        await context.close();
      }
    }
  });
}

onEngines(import.meta.url, 'management journeys', journeys);

// 效能 in real headless Chromium: the city office's 主任 opens the backlog from the menu on a
// desktop (1366×768), narrows it to a county, and drills down from a row to the stuck item's
// 办理 page; he opens the leader's picture, clicks a county's red-card count and reaches the
// stuck item; on a phone (390×844) he reads the overdue steps as cards, and the leader's
// picture and the rankings, nothing wider than the screen; at each width he acknowledges a
// 预警纠错 alert with a note and sets the number behind one of its rules. On the engines scripts/e2e chooses (e2e/lib.mjs, onEngines).

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

const JOURNEY_TIMEOUT_MS = 180_000;
const DESKTOP_1366 = { viewport: { width: 1366, height: 768 } };

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `efficiency-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 120_000 });

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
    await expectText(page.locator('h1'), '我的工作台', { hint: `${login}-workbench` });
    return { context, page };
  }

  test('the 主任 narrows the backlog to a county and drills down to the stuck item', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const { context, page } = await signIn('zhuren', DESKTOP_1366);
    try {
      await navigating(page, () => page.locator('nav a', { hasText: '效能' }).first().click());
      await expectText(page.locator('h1'), '积压事项', { hint: 'backlog' });
      await expectText(page.locator('#scope'), '及所属单位', { hint: 'scope' });
      // The first county the backlog names (the demo city's counties have open steps).
      const units = await page.locator('#backlog td[data-label="单位"]').allInnerTexts();
      const county = units.map((u) => u.match(/^(\S+?[县区])/)?.[1]).find(Boolean);
      assert.ok(county, `a county among the units: ${units}`);
      const unit = page.locator('select[name=unit] option', { hasText: `${county}政府` }).first();
      await page.locator('select[name=unit]').selectOption(await unit.getAttribute('value'));
      await navigating(page, () => page.getByRole('button', { name: '筛选' }).click());
      const rows = page.locator('#backlog tbody tr');
      assert.ok((await rows.count()) > 0, `${county} has open steps`);
      for (const u of await page.locator('#backlog td[data-label="单位"]').allInnerTexts()) {
        assert.ok(u.startsWith(county), `only ${county}'s units: ${u}`);
      }
      await screenshot(page, shot('efficiency-backlog'));
      const link = rows.first().locator('td.title a');
      const title = (await link.innerText()).trim();
      await navigating(page, () => link.click());
      await expectText(page.locator('h1'), title, { hint: 'drill-down' });
    } finally {
      await context.close();
    }
  });

  test('the 主任 clicks a county\'s red-card count on the leader\'s picture and reaches the stuck item', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const { context, page } = await signIn('zhuren', DESKTOP_1366);
    try {
      await navigating(page, () => page.locator('nav a', { hasText: '效能' }).first().click());
      await navigating(page, () => page.locator('nav.subnav a', { hasText: '领导视图' }).click());
      await expectText(page.locator('h1'), '领导视图', { hint: 'leader' });
      assert.equal(await page.locator('h2', { hasText: '各县（市、区）' }).count(), 1, 'the counties drawn small');
      // The demo has a notice whose 承办 in 清河县 has waited weeks: its red card.
      const tile = page.locator('#tiles section.tile', { hasText: '清河县' });
      const red = tile.locator('a.red-count');
      const count = Number((await red.locator('b').innerText()).trim());
      assert.ok(count >= 1, `清河县 has a red card (${count})`);
      assert.equal(await tile.locator('svg.chart').count(), 2, 'two small charts per county');
      await screenshot(page, shot('efficiency-leader'));
      await navigating(page, () => red.click());
      await expectText(page.locator('h1'), '积压事项', { hint: 'red-backlog' });
      const rows = page.locator('#backlog tbody tr');
      assert.equal(await rows.count(), count, 'the backlog behind the number');
      await expectText(rows.first().locator('td[data-label="亮牌"]'), '红牌', { hint: 'red' });
      const link = rows.first().locator('td.title a');
      const title = (await link.innerText()).trim();
      await navigating(page, () => link.click());
      await expectText(page.locator('h1'), title, { hint: 'stuck-item' });
    } finally {
      await context.close();
    }
  });

  test('the leader\'s picture and the rankings fit a phone', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const { context, page } = await signIn('zhuren', PHONE);
    try {
      await page.goto(`${server.url}/efficiency/leader`);
      await expectText(page.locator('h1'), '领导视图', { hint: 'phone-leader' });
      await nothingWider(page, 'phone leader');
      await screenshot(page, shot('efficiency-leader-phone'));
      await page.goto(`${server.url}/efficiency/units`);
      await expectText(page.locator('h1'), '效能排名', { hint: 'phone-units' });
      await nothingWider(page, 'phone rankings');
      // A section's row leads to its figures and what they were counted from.
      const link = page.locator('table.ranking td.title a').first();
      await navigating(page, () => link.click());
      assert.equal(await page.locator('h2', { hasText: '计算依据' }).count(), 1, 'what the figures were counted from');
      await expectText(page.locator('#figures'), '办理环节', { hint: 'unit-figures' });
      await nothingWider(page, 'phone unit figures');
    } finally {
      await context.close();
    }
  });

  test('the 主任 reads the overdue backlog as cards on a phone', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const { context, page } = await signIn('zhuren', PHONE);
    try {
      await page.goto(`${server.url}/efficiency?overdue=true`);
      await expectText(page.locator('h1'), '积压事项', { hint: 'phone-backlog' });
      await nothingWider(page, 'phone backlog');
      const first = page.locator('#backlog tbody tr').first();
      assert.equal(await first.count(), 1, 'the demo city has overdue steps');
      const box = await first.boundingBox();
      assert.ok(box.width <= 390, `a row is a card within the screen (${box.width} px)`);
      await expectText(first.locator('td[data-label="状态"]'), '超期', { hint: 'overdue-only' });
      await screenshot(page, shot('efficiency-backlog-phone'));
    } finally {
      await context.close();
    }
  });

  // 预警纠错: the demo's scan raised alerts; the 主任 acknowledges one with a note (the count of
  // open alerts goes down by one), at each width.
  for (const [width, screen] of [['desktop', DESKTOP_1366], ['phone', PHONE]]) {
    test(`the 主任 acknowledges an alert with a note (${width})`, { timeout: JOURNEY_TIMEOUT_MS }, async () => {
      const { context, page } = await signIn('zhuren', screen);
      try {
        await page.goto(`${server.url}/efficiency`);
        await navigating(page, () => page.locator('#alerts-link').click());
        await expectText(page.locator('h1'), '预警纠错', { hint: `alerts-${width}` });
        await nothingWider(page, `alerts on ${width}`);
        const total = async () => Number((await page.locator('nav.pager').innerText()).match(/共 (\d+) 条/)?.[1] ?? 0);
        const before = await total();
        assert.ok(before > 0, 'the demo scan raised alerts in the city');
        const form = page.locator('#alerts > li form').first();
        await form.locator('textarea[name=note]').fill('已督促责任岗位当日办结，并调整分办规则');
        await navigating(page, () => form.getByRole('button', { name: '确认' }).click());
        await expectText(page.locator('p.notice'), '已确认', { hint: `acknowledged-${width}` });
        assert.equal(await total(), before - 1, 'one alert fewer to acknowledge');
        await screenshot(page, shot(`efficiency-alerts-${width}`));
        // The rules behind the alerts: 多岗流转 raised from 8 to 10 posts, saved.
        await navigating(page, () => page.locator('#alert-settings-link').click());
        await expectText(page.locator('h1'), '预警规则设置', { hint: `alert-settings-${width}` });
        await nothingWider(page, `alert settings on ${width}`);
        const holders = page.locator('input[name=threshold_many_holders]');
        await holders.fill(width === 'phone' ? '10' : '9');
        await navigating(page, () => page.getByRole('button', { name: '保存' }).click());
        await expectText(page.locator('p.notice'), '预警规则已保存', { hint: `alert-settings-saved-${width}` });
        assert.equal(await holders.inputValue(), width === 'phone' ? '10' : '9', 'the number kept');
        await screenshot(page, shot(`efficiency-alert-settings-${width}`));
      } finally {
        await context.close();
      }
    });
  }
}

onEngines(import.meta.url, 'efficiency journeys', journeys);

// 年总结 in real headless Chromium: the city office's 秘书, on a phone (390×844), opens her
// year from 管理 — running, with her months and the charts drawn on the server — writes her own
// summary, saves it and submits it; her 科长 reads it from the section's year; the 主任, at
// 1366 px, sees the office's year with its charts and people, writes the office's summary and
// drafts the annual summary document, handed to a 秘书 as its 拟稿人, which opens in the
// documents area; on the phone the office's year links it. Nothing is wider than the phone's
// screen. On the engines scripts/e2e chooses (e2e/lib.mjs, onEngines).

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

/** This year in Beijing time. */
function thisYear() {
  return new Date(Date.now() + 8 * 3_600_000).getUTCFullYear();
}

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `yearsum-${backend.toLowerCase()}` });
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

  test('the 秘书 writes and submits her year, the 科长 reads it, the 主任 sees the office\'s year and drafts its annual summary', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const year = thisYear();
    const text = '全年办理公文二百余件，会议服务零差错。明年在信息报送上多下功夫。';
    // The 秘书, on a phone.
    {
      const { context, page } = await signIn('mishu', PHONE);
      try {
        await page.goto(`${server.url}/management`);
        await navigating(page, () => page.locator('#to-summary').click());
        await expectText(page.locator('h1'), `${year} 年总结`, { hint: 'year' });
        await expectText(page.locator('#year-running'), '年度进行中');
        await expectText(page.locator('#summary-subject'), '王晓东');
        assert.ok((await page.locator('#year-months tbody tr').count()) >= 1, 'the months of the year');
        assert.equal(await page.locator('#year-charts svg.chart').count(), 4, 'four charts');
        const desc = await page.locator('#year-charts svg.chart desc').first().textContent();
        assert.match(desc, /1月：/, 'the chart names each month');
        await nothingWider(page, 'phone year');
        await page.locator('#summary-body').fill('全年办理公文二百余件。');
        await navigating(page, () => page.locator('#save-summary').click());
        await expectText(page.locator('.notice'), '年度总结草稿已保存', { hint: 'summary-saved' });
        await expectText(page.locator('#summary-status'), '草稿');
        await page.locator('#summary-body').fill(text);
        await screenshot(page, shot('yearsum-phone'));
        await navigating(page, () => page.locator('#submit-summary').click());
        await expectText(page.locator('.notice'), '年度总结已提交', { hint: 'summary-submitted' });
        await expectText(page.locator('#summary-status'), '已提交');
        await expectText(page.locator('#summary-text'), '会议服务零差错');
        assert.equal(await page.locator('#summary-form').count(), 0, 'no longer editable');
        await nothingWider(page, 'phone year submitted');
      } finally {
        await context.close();
      }
    }
    // The 科长 reads it from the section's year.
    {
      const { context, page } = await signIn('kezhang', DESKTOP_1366);
      try {
        await page.goto(`${server.url}/management/summary`);
        await expectText(page.locator('#summary-subject'), '秘书一科', { hint: 'section-year' });
        const her = page.locator('#year-people tbody tr', { hasText: '王晓东' });
        await expectText(her.locator('td[data-label="个人总结"]'), '已提交');
        await navigating(page, () => her.locator('td.title a').click());
        await expectText(page.locator('#summary-text'), '会议服务零差错', { hint: 'chief-reads' });
      } finally {
        await context.close();
      }
    }
    // The 主任, at 1366 px: the office's year, its charts, the annual summary drafted.
    let documentUrl;
    {
      const { context, page } = await signIn('zhuren', DESKTOP_1366);
      try {
        await page.goto(`${server.url}/management`);
        await navigating(page, () => page.locator('#to-summary').click());
        await expectText(page.locator('#summary-subject'), '东川市人民政府办公室', { hint: 'office-year' });
        await expectText(page.locator('#summary-subject'), '办公室');
        assert.equal(await page.locator('#year-charts svg.chart').count(), 4, 'four charts');
        await expectText(page.locator('#year-targets'), '按期办结率', { hint: 'office-targets' });
        await expectText(page.locator('#year-people tbody tr', { hasText: '王晓东' }).locator('td[data-label="个人总结"]'), '已提交');
        await page.locator('#summary-body').fill('坚持日安排、周报告、月考评、年总结，办公室各项工作目标明确、责任到人。');
        await navigating(page, () => page.locator('#save-summary').click());
        await expectText(page.locator('.notice'), '年度总结草稿已保存', { hint: 'office-saved' });
        await screenshot(page, shot('yearsum-office'));
        await page.locator('#drafter').selectOption({ label: (await page.locator('#drafter option', { hasText: '王晓东' }).first().innerText()).trim() });
        await navigating(page, () => page.locator('#draft-document').click());
        await expectText(page.locator('main'), `关于${year}年度工作情况的报告`, { hint: 'year-document' });
        assert.match(new URL(page.url()).pathname, /^\/documents\/\d+$/);
        documentUrl = new URL(page.url()).pathname;
        await expectText(page.locator('main'), '三、月度考评情况');
        await screenshot(page, shot('yearsum-document'));
      } finally {
        await context.close();
      }
    }
    // On the phone the office's year links its document.
    {
      const { context, page } = await signIn('zhuren', PHONE);
      try {
        await page.goto(`${server.url}/management/summary`);
        await expectText(page.locator('#year-document'), '已起草', { hint: 'office-phone' });
        assert.equal(await page.locator('#year-document-link').getAttribute('href'), documentUrl);
        await nothingWider(page, 'phone office year');
        await screenshot(page, shot('yearsum-office-phone'));
      } finally {
        await context.close();
      }
    }
  });
}

onEngines(import.meta.url, 'year summary journeys', journeys);

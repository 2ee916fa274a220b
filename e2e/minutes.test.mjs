// 纪要 and 签到 in real headless Chromium, on a phone (390×844) and a desktop (1366×768): the
// city office's 主任 opens a 市长办公会议 of the demo held three weeks ago, whose 纪要 was issued;
// the page shows the attendance taken by sign-in (迟到, 缺席 among it), the 纪要 with its 出席
// list and each 议定事项 with its supervision item; the ledger link lists the meeting's items on
// the 督查台账; from the 办会 hub the 主任 opens 会议效能 and last month's figures with the
// meetings behind them; the 秘书 drafts a coming meeting's notice as a 通知 document. No page
// is wider than the screen. On SQLite, and on PostgreSQL when
// TEST_POSTGRES_URL is set (under CI=true it must be).

import { after, before, test } from 'node:test';
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

/** The Monday three weeks before today, as YYYY-MM-DD. */
function threeWeeksAgo() {
  const d = new Date(Date.now() - 21 * 86_400_000);
  return d.toISOString().slice(0, 10);
}

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `minutes-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 120_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  async function journey(device, options) {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/login`);
      await submitLogin(page, 'zhuren');
      await page.goto(`${server.url}/meetings?week=${threeWeeksAgo()}`);
      const link = page.locator('#week a.what', { hasText: '市长办公会议' }).first();
      await navigating(page, () => link.click());
      await expectText(page.locator('#meeting-status'), '纪要已印发', { hint: `${device}-minuted` });
      await expectText(page.locator('#checkin-counts'), '缺席', { hint: `${device}-attendance` });
      await expectText(page.locator('#minutes'), '出席', { hint: `${device}-lists` });
      await expectText(page.locator('#decisions .decision-item').first(), '督办事项', { hint: `${device}-items` });
      await nothingWider(page, `${device} minuted meeting`);
      await screenshot(page, shot(`minutes-meeting-${device}`));
      await navigating(page, () => page.locator('#ledger-link').click());
      await expectText(page.locator('main'), '会议议定事项', { hint: `${device}-ledger` });
      await nothingWider(page, `${device} ledger by meeting`);
      await screenshot(page, shot(`minutes-ledger-${device}`));
      // 会议效能: from the hub, this month's figures and then last month's, with the meetings
      // behind them.
      await page.goto(`${server.url}/meetings`);
      await navigating(page, () => page.locator('#figures-link').click());
      await expectText(page.locator('h1'), '会议效能', { hint: `${device}-figures` });
      await expectText(page.locator('#figures'), '出席率', { hint: `${device}-figures-table` });
      await navigating(page, () => page.locator('#prev-month').click());
      await expectText(page.locator('#held'), '市长办公会议', { hint: `${device}-figures-held` });
      await expectText(page.locator('#fig-duration'), '分钟', { hint: `${device}-figures-duration` });
      await nothingWider(page, `${device} meeting figures`);
      await screenshot(page, shot(`minutes-figures-${device}`));
    } finally {
      await context.close();
    }
  }

  /** The 秘书 drafts the notice of a meeting `weeks` ahead as a 通知 document. */
  async function noticeDocument(device, options, weeks) {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/login`);
      await submitLogin(page, 'mishu');
      const day = new Date(Date.now() + weeks * 7 * 86_400_000).toISOString().slice(0, 10);
      await page.goto(`${server.url}/meetings?week=${day}`);
      const link = page.locator('#week a.what').first();
      await navigating(page, () => link.click());
      await expectText(page.locator('#draft-notice-document h2'), '起草会议通知公文', { hint: `${device}-notice-form` });
      await nothingWider(page, `${device} meeting with the notice forms`);
      await page.locator('#notice-contact').fill('王五，0000-1234567');
      await navigating(page, () => page.locator('#draft-notice-document-button').click());
      await expectText(page.locator('main'), '的通知', { hint: `${device}-notice-document` });
      await nothingWider(page, `${device} notice document`);
      await screenshot(page, shot(`minutes-notice-document-${device}`));
    } finally {
      await context.close();
    }
  }

  test('a minuted meeting shows its attendance and its decisions followed in supervision, on a phone', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    await journey('phone', PHONE);
  });

  test('the same on a desktop', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    await journey('desktop', DESKTOP_1366);
  });

  test('the 秘书 drafts a meeting\'s notice as a 通知 document, on a phone', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    await noticeDocument('phone', PHONE, 2);
  });

  test('the same on a desktop', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    await noticeDocument('desktop', DESKTOP_1366, 3);
  });
}

onEngines(import.meta.url, '纪要 journeys', journeys);

// 纪要 and 签到 in real headless Chromium, on a phone (390×844) and a desktop (1366×768): the
// city office's 主任 opens a 市长办公会议 of the demo held three weeks ago, whose 纪要 was issued;
// the page shows the attendance taken by sign-in (迟到, 缺席 among it), the 纪要 with its 出席
// list and each 议定事项 with its supervision item; the ledger link lists the meeting's items on
// the 督查台账. No page is wider than the screen. On SQLite, and on PostgreSQL when
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
}

onEngines(import.meta.url, '纪要 journeys', journeys);

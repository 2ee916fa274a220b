// 四个满意 in real headless Chromium: the 市长 (shizhang), on a phone (390×844), finds the
// closed 督办件 from his instructions waiting for his rating on the satisfaction page, rates one
// 基本满意 with a comment, and it leaves his list; the city office's 主任 (zhuren), at desktop
// width, opens 四个满意 from the 效能 area and sees the four per unit, the twelve months' trend
// and the 市长's rating among the items behind 领导满意, linked to its item; the workbook
// downloads. No page is wider than the phone. On SQLite, and on PostgreSQL when
// TEST_POSTGRES_URL is set (under CI=true it must be).

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
    server = await startServer({ databaseUrl: database?.url, label: `satisfaction-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 180_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  async function signIn(context, login) {
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await submitLogin(page, login);
    if (new URL(page.url()).pathname === '/choose-post') {
      await navigating(page, () => page.locator('form button[type=submit]').first().click());
    }
    return page;
  }

  test('the 市长 rates a closed 督办件 on a phone and the 主任 sees the four', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const phone = await browser.newContext(PHONE);
    phone.setDefaultTimeout(10_000);
    const desk = await browser.newContext(DESKTOP_1366);
    desk.setDefaultTimeout(10_000);
    try {
      // The 市长 on a phone: his closed items wait for a rating.
      const mayor = await signIn(phone, 'shizhang');
      await mayor.goto(`${server.url}/satisfaction`);
      await expectText(mayor.locator('h1'), '四个满意', { hint: 'satisfaction-page' });
      const cards = mayor.locator('#pending li.card');
      const before = await cards.count();
      assert.ok(before >= 1, 'a closed 督办件 waits for the 市长');
      const card = cards.first();
      const title = (await card.locator('h3').innerText()).trim();
      await expectText(card.locator('.tag'), '领导满意', { hint: 'leader-rating' });
      await card.locator('input[value=basically]').check();
      await card.locator('textarea[name=comment]').fill(`落实有力，进展报送可再及时些（${backend}）。`);
      await nothingWider(mayor, 'rating form on a phone');
      await screenshot(mayor, shot('satisfaction-rate-phone'));
      await navigating(mayor, () => card.locator('button[type=submit]').click());
      await expectText(mayor.locator('.notice'), '已评价', { hint: 'rated' });
      assert.equal(await mayor.locator('#pending li.card').count(), before - 1, 'the rated item left the list');
      await expectText(mayor.locator('#items'), title, { hint: 'rating-listed' });
      await nothingWider(mayor, 'satisfaction page on a phone');

      // The 主任 at desktop width, from the 效能 area.
      const zhuren = await signIn(desk, 'zhuren');
      await zhuren.goto(`${server.url}/efficiency`);
      await navigating(zhuren, () => zhuren.locator('#satisfaction-link').click());
      await expectText(zhuren.locator('h1'), '四个满意', { hint: 'zhuren-page' });
      const header = await zhuren.locator('#figures thead').innerText();
      for (const k of ['群众满意', '基层满意', '领导满意', '上级满意']) assert.ok(header.includes(k), `${k} in the table`);
      assert.equal(await zhuren.locator('#trend svg').count(), 4, 'four trends');
      const leaderTotal = (await zhuren.locator('#total .figure-leader b').innerText()).trim();
      assert.match(leaderTotal, /^\d+(\.\d+)?$/, `领导满意 this month: ${leaderTotal}`);
      const row = zhuren.locator('#items tr.item-leader', { hasText: title });
      await expectText(row, '基本满意', { hint: 'rating-behind-figure' });
      assert.match(await row.locator('a').getAttribute('href'), /^\/supervision\/\d+$/);
      const [download] = await Promise.all([
        zhuren.waitForEvent('download'),
        zhuren.locator('#export').click(),
      ]);
      assert.match(download.suggestedFilename(), /^四个满意-\d{4}-\d{2}\.xlsx$/);
      await screenshot(zhuren, shot('satisfaction-desktop'));
    } finally {
      await phone.close();
      await desk.close();
    }
  });
}

onEngines(import.meta.url, 'satisfaction journeys', journeys);

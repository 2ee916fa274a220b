// 办会 in real headless Chromium, on a desktop (1366×768) and on a phone (390×844): the city
// office's 秘书 books a meeting in a room, is refused a second meeting in the same room at an
// overlapping time with the first named in Chinese, finds the meeting in the week's list and
// downloads its .ics, whose times are Beijing times; no page is wider than the screen. On
// SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set (under CI=true it must be).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  PHONE,
  createPostgresDatabase,
  expectText,
  launch,
  navigating,
  screenshot,
  startServer,
  submitLogin,
  onEngines,
} from './lib.mjs';

const JOURNEY_TIMEOUT_MS = 240_000;
const DESKTOP_1366 = { viewport: { width: 1366, height: 768 } };

/** A date some weeks ahead, past the demo's planned meetings, as YYYY-MM-DD. */
function daysAhead(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

async function nothingWider(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width + 1, `${what}: the page is ${scroll} px wide on a ${width} px screen`);
}

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `meetings-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 120_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  async function book(page, { title, chair, date, start, end, device }) {
    await navigating(page, () => page.locator('#new-meeting').click());
    await expectText(page.locator('h1'), '安排会议', { hint: `${device}-form` });
    await nothingWider(page, `${device} booking form`);
    await page.locator('#kind').selectOption({ label: '专题会议' });
    await page.locator('#title').fill(title);
    const chairValue = await page.locator('#chair option', { hasText: chair }).first().getAttribute('value');
    await page.locator('#chair').selectOption(chairValue);
    await page.locator('#date').fill(date);
    await page.locator('#start').fill(start);
    await page.locator('#end').fill(end);
    await page.locator('#room').selectOption({ label: '第一会议室（60 座）' });
    await navigating(page, () => page.locator('#book').click());
  }

  async function journey(device, options, days) {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/login`);
      await submitLogin(page, 'mishu');
      await navigating(page, () => page.locator('nav.areas a', { hasText: '办会' }).click());
      await expectText(page.locator('h1'), '办会', { hint: `${device}-week` });
      await nothingWider(page, `${device} week`);
      await screenshot(page, shot(`meetings-week-${device}`));

      const date = daysAhead(days);
      const title = `城市防汛能力提升专题会议（${device}）`;
      await book(page, { title, chair: '陈立新', date, start: '09:00', end: '10:30', device });
      await expectText(page.locator('.notice'), '会议已安排', { hint: `${device}-booked` });
      await expectText(page.locator('#meeting-time'), `${date} 09:00`, { hint: `${device}-time` });
      await nothingWider(page, `${device} meeting page`);
      const meetingPath = new URL(page.url()).pathname;

      // The same room at an overlapping time: refused, the first meeting named.
      await page.goto(`${server.url}/meetings`);
      const other = `老旧小区改造专题会议（${device}）`;
      await book(page, { title: other, chair: '常务副市长', date, start: '10:00', end: '11:00', device });
      await expectText(page.locator('#form-error'), '在该时段已有安排', { hint: `${device}-clash` });
      await expectText(page.locator('#form-error'), title, { hint: `${device}-clash-named` });
      assert.equal(await page.locator('#title').inputValue(), other, 'what was typed is kept');
      await nothingWider(page, `${device} refused form`);
      await screenshot(page, shot(`meetings-clash-${device}`));

      // The week of the meeting lists it.
      await page.goto(`${server.url}/meetings?week=${date}`);
      const link = page.locator('#week a.what', { hasText: title });
      await expectText(link, title, { hint: `${device}-in-week` });
      assert.equal(await page.locator('#week a.what', { hasText: other }).count(), 0, 'the refused meeting is not stored');
      await nothingWider(page, `${device} week of the meeting`);
      await screenshot(page, shot(`meetings-listed-${device}`));

      // Its .ics: Beijing 09:00 is 01:00 UTC.
      await navigating(page, () => link.click());
      assert.equal(new URL(page.url()).pathname, meetingPath);
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#ics').click()]);
      const text = await readFile(await download.path(), 'utf8');
      assert.match(text, /BEGIN:VCALENDAR/);
      assert.match(text, /METHOD:PUBLISH/);
      assert.match(text, new RegExp(`DTSTART:${date.replaceAll('-', '')}T010000Z`));
      assert.match(text, /SEQUENCE:0/);
    } finally {
      await context.close();
    }
  }

  test('the secretary books a meeting on a desktop, a clash is refused, the week lists it, its .ics downloads', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    await journey('desktop', DESKTOP_1366, 70);
  });

  test('the same on a phone', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    await journey('phone', PHONE, 71);
  });
}

onEngines(import.meta.url, '办会 journeys', journeys);

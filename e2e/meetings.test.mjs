// 办会 in real headless Chromium, on a desktop (1366×768) and on a phone (390×844): the city
// office's 秘书 books a meeting in a room, is refused a second meeting in the same room at an
// overlapping time with the first named in Chinese, finds the meeting in the week's list and
// downloads its .ics, whose times are Beijing times; no page is wider than the screen. Then
// 会议通知 and 回执: the 秘书 books a meeting the county's 主任 sits in on and sends its notice;
// the 主任, on a phone, finds it on his workbench, replies 请假 with a reason, and the 秘书 sees
// the 请假 in the reply table and approves it. On SQLite, and on PostgreSQL when
// TEST_POSTGRES_URL is set (under CI=true it must be).

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

  /** Every element of the page within the screen's width (none sticks out to the right). */
  async function noElementWider(page, what) {
    await nothingWider(page, what);
    const wide = await page.evaluate(() => {
      const w = window.innerWidth;
      return [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > w + 1)
        .slice(0, 5)
        .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}`);
    });
    assert.deepEqual(wide, [], `${what}: elements wider than the screen`);
  }

  async function atLeast44(locator, what) {
    const box = await locator.boundingBox();
    assert.ok(box && box.height >= 44, `${what} is ${box?.height} px high, under 44 px`);
  }

  test('the county 主任 replies 请假 on a phone and the organiser sees it and approves it', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const desk = await browser.newContext(DESKTOP_1366);
    desk.setDefaultTimeout(10_000);
    const phone = await browser.newContext(PHONE);
    phone.setDefaultTimeout(10_000);
    try {
      // The 秘书 books a meeting with the county's 主任 as 列席 and sends its notice.
      const office = await desk.newPage();
      await office.goto(`${server.url}/login`);
      await submitLogin(office, 'mishu');
      await office.goto(`${server.url}/meetings`);
      const date = daysAhead(73);
      const title = `清河县防汛工作专题会议（${backend}）`;
      await navigating(office, () => office.locator('#new-meeting').click());
      await office.locator('#kind').selectOption({ label: '专题会议' });
      await office.locator('#title').fill(title);
      const chair = await office.locator('#chair option', { hasText: '常务副市长' }).first().getAttribute('value');
      await office.locator('#chair').selectOption(chair);
      await office.locator('#date').fill(date);
      await office.locator('#start').fill('14:30');
      await office.locator('#end').fill('16:00');
      await office.locator('#room').selectOption({ label: '第二会议室（30 座）' });
      const county = await office.locator('select[name=observe_posts] option', { hasText: '清河县' })
        .filter({ hasText: '主任' }).first().getAttribute('value');
      await office.locator('select[name=observe_posts]').selectOption([county]);
      await navigating(office, () => office.locator('#book').click());
      await expectText(office.locator('.notice'), '会议已安排', { hint: 'notice-booked' });
      const meetingUrl = office.url().split('?')[0];
      await expectText(office.locator('#send-notice h2'), '发送会议通知', { hint: 'notice-form' });
      await navigating(office, () => office.locator('#send-notice-button').click());
      await expectText(office.locator('.notice'), '会议通知已发出', { hint: 'notice-sent' });
      await expectText(office.locator('#meeting-status'), '已通知', { hint: 'notice-status' });
      await expectText(office.locator('#reply-counts'), '未回执 1', { hint: 'notice-counts' });

      // The county's 主任 on a phone: the notice is on his workbench, above the fold.
      const page = await phone.newPage();
      await page.goto(`${server.url}/login`);
      await submitLogin(page, 'qinghe.zhuren');
      await expectText(page.locator('h1'), '我的工作台', { hint: 'county-workbench' });
      const awaiting = page.locator('#awaiting-replies a', { hasText: title });
      await expectText(awaiting, title, { hint: 'county-awaiting' });
      const top = (await awaiting.boundingBox()).y;
      assert.ok(top < 844, `the notice to reply to starts ${top} px down, below the fold`);
      await noElementWider(page, 'phone workbench with a notice to reply to');
      await screenshot(page, shot('meetings-notice-workbench-phone'));

      // He replies 请假 with a reason.
      await navigating(page, () => awaiting.click());
      await expectText(page.locator('#notice h2'), '会议通知', { hint: 'county-notice' });
      await noElementWider(page, 'phone meeting page with the reply form');
      const form = page.locator('form.reply-form').first();
      await atLeast44(form.locator('label.check', { hasText: '请假' }), 'the 请假 choice');
      await atLeast44(form.locator('.reply-submit'), 'the reply button');
      await form.locator('input[name=answer][value=leave]').check();
      await form.locator('input[name=reason]').fill('同一时段参加省防汛视频会议');
      await navigating(page, () => form.locator('.reply-submit').click());
      await expectText(page.locator('.notice'), '回执已提交', { hint: 'county-replied' });
      await expectText(page.locator('.my-answer'), '请假', { hint: 'county-answer' });
      await expectText(page.locator('.leave-status'), '待审批', { hint: 'county-pending' });
      await noElementWider(page, 'phone meeting page after the reply');
      await screenshot(page, shot('meetings-reply-leave-phone'));

      // The 秘书 sees the 请假 with its reason and approves it; the 主任 sees it approved.
      await office.goto(meetingUrl);
      const row = office.locator('#reply-table tr', { hasText: '清河县' });
      await expectText(row, '请假', { hint: 'office-sees-leave' });
      await expectText(row, '同一时段参加省防汛视频会议', { hint: 'office-sees-reason' });
      await expectText(office.locator('#reply-counts'), '未回执 0', { hint: 'office-counts' });
      await navigating(office, () => row.locator('.approve-leave').click());
      await expectText(office.locator('.notice'), '请假审批已记录', { hint: 'office-approved' });
      await expectText(office.locator('#reply-table tr', { hasText: '清河县' }), '已准假', { hint: 'office-approved-row' });
      await screenshot(office, shot('meetings-replies-desktop'));
      await page.reload();
      await expectText(page.locator('.leave-status'), '已准假', { hint: 'county-approved' });
      await noElementWider(page, 'phone meeting page with the approved leave');
    } finally {
      await desk.close();
      await phone.close();
    }
  });
}

onEngines(import.meta.url, '办会 journeys', journeys);

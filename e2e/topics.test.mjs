// 议题 in real headless Chromium, on a desktop (1366×768) and on a phone (390×844): the city
// office's 科长 (秘书一科) books a 常务会议 some weeks ahead, submits a 议题 for it from the
// meetings area's 议题 list (汇报人, 请求事项, minutes), uploads its material and screens it as
// 材料齐全; the office's 主任 opens the meeting, finds the topic offered on the agenda form with
// a suggested time, and approves (审定) the agenda: the meeting's 议程 lists the topic with its
// time, and the topic's page says 已列入议程. No page is wider than the screen. On SQLite, and
// on PostgreSQL when TEST_POSTGRES_URL is set (under CI=true it must be).

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

/** A date some weeks ahead, past the demo's planned meetings, as YYYY-MM-DD. */
function daysAhead(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `topics-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 120_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  async function signIn(options, login) {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await submitLogin(page, login);
    if (new URL(page.url()).pathname === '/choose-post') {
      await navigating(page, () => page.getByRole('button', { name: '秘书一科 · 科长' }).click());
    }
    return { context, page };
  }

  async function journey(device, options, days) {
    const date = daysAhead(days);
    const meetingTitle = `市政府常务会议（议题旅程 ${device}）`;
    const topicTitle = `关于城区排水管网改造的议题（${device}）`;
    let meetingPath;

    // The 科长 books the meeting, submits the topic with its material and screens it.
    const k = await signIn(options, 'kezhang');
    try {
      const page = k.page;
      await page.goto(`${server.url}/meetings/new?date=${date}`);
      await expectText(page.locator('h1'), '安排会议', { hint: `${device}-form` });
      await page.locator('#kind').selectOption({ label: '常务会议' });
      await page.locator('#title').fill(meetingTitle);
      const chair = await page.locator('#chair option', { hasText: '市长' }).first().getAttribute('value');
      await page.locator('#chair').selectOption(chair);
      await page.locator('#start').fill('09:00');
      await page.locator('#end').fill('11:00');
      await page.locator('#room').selectOption({ index: 1 });
      await navigating(page, () => page.locator('#book').click());
      await expectText(page.locator('.notice'), '会议已安排', { hint: `${device}-booked` });
      meetingPath = new URL(page.url()).pathname;

      await page.goto(`${server.url}/meetings`);
      await navigating(page, () => page.locator('#topics-link').click());
      await expectText(page.locator('h1'), '议题', { hint: `${device}-topics` });
      await nothingWider(page, `${device} topics`);
      await navigating(page, () => page.locator('#new-topic').click());
      await expectText(page.locator('h1'), '提交议题', { hint: `${device}-topic-form` });
      const target = await page.locator('#target option', { hasText: meetingTitle }).first().getAttribute('value');
      await page.locator('#target').selectOption(target);
      await page.locator('#topic-title').fill(topicTitle);
      await page.locator('#reporter').fill('林海燕（秘书一科科长）');
      await page.locator('#request').fill('审议城区排水管网改造实施方案及资金安排');
      await page.locator('#minutes').fill('40');
      await nothingWider(page, `${device} topic form`);
      await screenshot(page, shot(`topics-form-${device}`));
      await navigating(page, () => page.locator('#submit-topic').click());
      await expectText(page.locator('#topic-status'), '已提交', { hint: `${device}-submitted` });
      await page.locator('#material-file').setInputFiles({
        name: '排水管网改造汇报材料.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('城区排水管网改造实施方案（汇报材料）'),
      });
      await navigating(page, () => page.locator('#upload').click());
      await expectText(page.locator('#materials'), '排水管网改造汇报材料.txt', { hint: `${device}-material` });
      await page.locator('#screen-accept').check();
      await navigating(page, () => page.locator('#screen').click());
      await expectText(page.locator('#topic-status'), '已筛选', { hint: `${device}-screened` });
      await nothingWider(page, `${device} topic page`);
      await screenshot(page, shot(`topics-topic-${device}`));
    } finally {
      await k.context.close();
    }

    // The 主任 approves the agenda on the meeting's page.
    const z = await signIn(options, 'zhuren');
    try {
      const page = z.page;
      await page.goto(`${server.url}${meetingPath}`);
      await expectText(page.locator('#agenda-form'), topicTitle, { hint: `${device}-candidate` });
      await nothingWider(page, `${device} agenda form`);
      await navigating(page, () => page.locator('#approve-agenda').click());
      await expectText(page.locator('.notice'), '议程已审定', { hint: `${device}-approved` });
      await expectText(page.locator('#agenda-items'), topicTitle, { hint: `${device}-agenda` });
      await expectText(page.locator('#agenda-items'), '09:00—09:40', { hint: `${device}-slot` });
      await nothingWider(page, `${device} meeting with its agenda`);
      await screenshot(page, shot(`topics-agenda-${device}`));
      await navigating(page, () => page.locator('#agenda-items a', { hasText: topicTitle }).click());
      await expectText(page.locator('#topic-status'), '已列入议程', { hint: `${device}-scheduled` });
    } finally {
      await z.context.close();
    }
  }

  test('a 科长 submits a 议题 and the 主任 approves the agenda, on a desktop', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    await journey('desktop', DESKTOP_1366, 50);
  });

  test('the same on a phone', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    await journey('phone', PHONE, 52);
  });
}

onEngines(import.meta.url, '议题 journeys', journeys);

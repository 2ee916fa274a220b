// 调研 in real headless Chromium: the city office's 秘书, a member of the 调研科's team on a
// topic in the field, logs a 座谈会 from her phone (390×844) with the mayor among those who
// went; the mayor at his desktop finds it on the topic's page and in his 领导日程. Nothing is
// wider than the phone's screen. On the engines scripts/e2e chooses (e2e/lib.mjs, onEngines).

import { after, before, test } from 'node:test';
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
const TOPIC = '关于高标准农田建设管护情况的调研';
const PLACE = '石桥镇双河村高标准农田示范区';

/** Today in Beijing, `YYYY-MM-DD`. */
function beijingToday() {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `research-${backend.toLowerCase()}` });
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
    await expectText(page.locator('h1'), '我的工作台', { hint: `${login}-workbench` });
    return { context, page };
  }

  test('a team member logs a 座谈会 from her phone and the mayor sees it on the topic and in his schedule', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const today = beijingToday();
    {
      const { context, page } = await signIn('mishu', PHONE);
      try {
        await page.goto(`${server.url}/research?state=active`);
        await expectText(page.locator('h1'), '调研', { hint: 'research-list' });
        await nothingWider(page, 'phone research list');
        await screenshot(page, shot('research-list-phone'));
        await navigating(page, () => page.locator('#topics a', { hasText: TOPIC }).click());
        await expectText(page.locator('#topic h2'), TOPIC, { hint: 'topic' });
        await nothingWider(page, 'phone research topic');
        const form = page.locator('#visit-form');
        await form.locator('select[name="kind"]').selectOption('forum');
        await form.locator('input[name="starts_at"]').fill(`${today}T09:00`);
        await form.locator('input[name="ends_at"]').fill(`${today}T11:00`);
        await form.locator('input[name="place"]').fill(PLACE);
        await form.locator('input[name="people_met"]').fill('种粮大户、村干部');
        await form.locator('textarea[name="notes"]').fill('示范区灌排设施完好，但管护经费不足，建议建立县乡村三级管护机制。');
        await form.locator('#visit-people summary').click();
        await form.locator('label', { hasText: '王晓东' }).locator('input').check();
        await form.locator('label', { hasText: '陈立新' }).locator('input').check();
        await form.locator('input[name="pictures"]').setInputFiles({
          name: '现场.png',
          mimeType: 'image/png',
          buffer: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'),
        });
        await nothingWider(page, 'phone visit form');
        await navigating(page, () => page.locator('#log-visit').click());
        await expectText(page.locator('.notice'), '调研活动已记录', { hint: 'visit-logged' });
        await expectText(page.locator('#visits'), PLACE);
        await expectText(page.locator('#visits'), '现场.png');
        await nothingWider(page, 'phone topic after the visit');
        await screenshot(page, shot('research-visit-phone'));
      } finally {
        await context.close();
      }
    }

    const { context, page } = await signIn('shizhang', DESKTOP_1366);
    try {
      await page.goto(`${server.url}/research`);
      await navigating(page, () => page.locator('#topics a', { hasText: TOPIC }).click());
      await expectText(page.locator('#visits'), PLACE, { hint: 'leader-topic' });
      await expectText(page.locator('#visits'), '王晓东');
      await screenshot(page, shot('research-topic-leader'));
      await page.goto(`${server.url}/schedule`);
      await expectText(page.locator('main'), PLACE, { hint: 'leader-schedule' });
      await expectText(page.locator('main'), TOPIC);
      await screenshot(page, shot('research-schedule-leader'));
    } finally {
      await context.close();
    }
  });
}

onEngines(import.meta.url, 'research journeys', journeys);

// Foundation journeys in real headless Chromium: signing in, the workbench, the organisation
// pages, the menu on a phone (built areas on-screen, the rest behind 更多), choosing and
// switching posts, and the lock after repeated wrong passwords. Each journey runs against the
// binary on SQLite and again on PostgreSQL (when TEST_POSTGRES_URL is set; under CI=true it
// must be).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP,
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

const JOURNEY_TIMEOUT_MS = 120_000;
const SETUP_TIMEOUT_MS = 90_000;

/** The header's words a person reads as "who and which post I am": the switcher counts as its
 * chosen option only, not every option it offers. */
async function headerText(page) {
  return page.locator('header').first().evaluate((header) => {
    const clone = header.cloneNode(true);
    const originals = header.querySelectorAll('select');
    clone.querySelectorAll('select').forEach((select, i) => {
      const chosen = originals[i].selectedOptions[0];
      select.replaceWith(chosen ? chosen.textContent : '');
    });
    return clone.textContent.replace(/\s+/g, ' ').trim();
  });
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: backend.toLowerCase() });
    browser = await launch();
  }, { timeout: SETUP_TIMEOUT_MS });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  async function desktop() {
    const context = await browser.newContext(DESKTOP);
    context.setDefaultTimeout(10_000);
    return { context, page: await context.newPage() };
  }

  test('a secretary signs in, sees the workbench, and opens the organisation', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const { context, page } = await desktop();
    try {
      await page.goto(`${server.url}/`);
      assert.equal(pathOf(page), '/login', 'someone not signed in is sent to the login page');

      await submitLogin(page, 'mishu');
      await expectText(page.locator('h1'), '我的工作台', { hint: 'workbench' });
      await expectText(page.locator('header'), '王晓东', { hint: 'workbench-header' });
      await screenshot(page, shot('workbench'));

      await navigating(page, () => page.locator('nav a[href="/org/units"]', { hasText: '组织机构' }).first().click());
      assert.equal(pathOf(page), '/org/units');
      await expectText(page.locator('h1'), '组织机构', { hint: 'units' });
      await expectText(page.locator('a'), '东川市人民政府办公室', { hint: 'units-office' });
      await screenshot(page, shot('units'));

      const phone = await browser.newContext({ ...PHONE, storageState: await context.storageState() });
      try {
        const small = await phone.newPage();
        await small.goto(`${server.url}/`);
        await expectText(small.locator('h1'), '我的工作台', { hint: 'workbench-phone' });
        await screenshot(small, shot('workbench-phone'));
      } finally {
        await phone.close();
      }
    } finally {
      await context.close();
    }
  });

  test('on a phone the menu shows every built area on-screen, and 更多 lists what is coming', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const phone = await browser.newContext(PHONE);
    phone.setDefaultTimeout(10_000);
    try {
      const page = await phone.newPage();
      await page.goto(`${server.url}/login`);
      await submitLogin(page, 'mishu');
      await expectText(page.locator('h1'), '我的工作台', { hint: 'menu-phone-workbench' });
      const width = await page.evaluate(() => document.documentElement.clientWidth);
      const entries = await page.locator('nav.areas a').evaluateAll((links) =>
        links.map((a) => {
          const r = a.getBoundingClientRect();
          return { name: a.textContent.trim(), left: r.left, right: r.right };
        }),
      );
      const names = entries.map((e) => e.name);
      for (const built of ['工作台', '办文', '办会', '办事', '调研', '信息', '督查', '学习', '管理', '效能', '组织机构', '工作日历', '更多']) {
        const entry = entries.find((e) => e.name === built);
        assert.ok(entry, `the menu has ${built}: ${names}`);
        assert.ok(entry.left >= 0 && entry.right <= width + 1, `${built} is on a ${width} px screen (${entry.left}–${entry.right})`);
      }
      for (const coming of ['服务']) {
        assert.ok(!names.includes(coming), `${coming} is not built and stays out of the menu: ${names}`);
      }
      await screenshot(page, shot('menu-phone'));

      await navigating(page, () => page.locator('nav.areas a', { hasText: '更多' }).click());
      assert.equal(pathOf(page), '/more');
      await expectText(page.locator('main'), '建设中', { hint: 'more-phone' });
      await screenshot(page, shot('more-phone'));
      await navigating(page, () => page.locator('main a', { hasText: '服务' }).click());
      assert.equal(pathOf(page), '/service');
      await expectText(page.locator('main'), '本模块尚未建成', { hint: 'service-phone' });
    } finally {
      await phone.close();
    }
  });

  test('a section chief with two posts chooses one, then switches to the other', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const { context, page } = await desktop();
    try {
      await page.goto(`${server.url}/login`);
      await submitLogin(page, 'kezhang');
      assert.equal(pathOf(page), '/choose-post', 'a person with two posts chooses one first');
      await expectText(page.getByRole('heading'), '选择身份', { hint: 'choose-post' });

      await navigating(page, () => page.locator('main form button').first().click());
      await expectText(page.locator('h1'), '我的工作台', { hint: 'chosen-post-workbench' });

      const switcher = page.locator('header form[action="/session/post"]');
      const select = switcher.locator('select[name=post_id]');
      const current = await select.inputValue();
      const others = await select
        .locator('option')
        .evaluateAll((options, chosen) => options.map((o) => o.value).filter((v) => v && v !== chosen), current);
      assert.equal(others.length, 1, `the switcher offers the other post (options besides ${current}: ${others})`);
      const before = await headerText(page);
      assert.ok(!before.includes('督查科'), `the first post is not 督查科's; header says: ${before}`);

      await navigating(page, async () => {
        await select.selectOption(others[0]);
        await switcher.getByRole('button', { name: '切换', exact: true }).click();
      });
      const afterSwitch = await headerText(page);
      assert.ok(afterSwitch.includes('督查科'), `after switching the header shows 督查科; it says: ${afterSwitch}`);
      assert.equal(
        await page.locator('header form[action="/session/post"] select[name=post_id]').inputValue(),
        others[0],
        'the switcher shows the post now held',
      );
    } finally {
      await context.close();
    }
  });

  test('five wrong passwords lock the account for a while, said only to whoever types its password', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const { context, page } = await desktop();
    try {
      await page.goto(`${server.url}/login`);
      // The fifth wrong password locks the account, and reads like the four before it (an
      // unknown login gets the same answer: no oracle).
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        await submitLogin(page, 'qinghe.mishu', `Wrong-password-${attempt}`);
        await expectText(page.locator('form:has(input[name=password])'), '登录', { hint: `login-form-${attempt}` });
        await expectText(page.locator('body'), '口令错误', { hint: `wrong-password-${attempt}` });
      }
      // The right password is refused too, and only now is the lock told, with when it lifts.
      await submitLogin(page, 'qinghe.mishu');
      await expectText(page.locator('body'), '已临时锁定', { hint: 'locked-right-password' });
      await screenshot(page, shot('locked'));
      assert.ok(await page.locator('input[name=password]').isVisible(), 'a locked account stays on the login form');
    } finally {
      await context.close();
    }
  });
}

onEngines(import.meta.url, 'foundation journeys', journeys);

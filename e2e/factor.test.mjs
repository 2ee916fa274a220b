// The second factor, one's own 消息推送 choices and a unit's group robot in real headless Chromium, at 1366×768 and on a 390×844 phone: a secretary
// enrols a TOTP factor with a code computed here, signs out and signs in with a fresh code; an
// administrator whose factor was reset at the console is held on the enrolment page until he
// enrols, and only then reaches administration and the auditor's page. On SQLite, and on PostgreSQL when
// TEST_POSTGRES_URL is set (under CI=true it must be).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE,
  createPostgresDatabase,
  expectText,
  factorCode,
  launch,
  navigating,
  screenshot,
  startServer,
  submitFactor,
  submitLogin,
  onEngines,
} from './lib.mjs';

const OFFICE_SCREEN = { viewport: { width: 1366, height: 768 } };

/** Fails when anything on the page is wider than the viewport. */
async function fitsTheScreen(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `${what}: the page is ${overflow}px wider than the screen`);
}

/** Enrols the signed-in person on /account/factor; answers the secret. */
async function enrol(page, origin, login, shot) {
  await page.goto(`${origin}/account/factor`);
  await expectText(page.locator('h1'), '动态口令', { hint: `${login}-factor` });
  await navigating(page, () => page.getByRole('button', { name: '开始启用' }).click());
  const secret = (await page.locator('code.secret').first().innerText()).trim();
  assert.match(secret, /^[A-Z2-7]{32}$/, 'the secret is shown in base32');
  await expectText(page.locator('body'), 'otpauth://totp/', { hint: `${login}-uri` });
  await fitsTheScreen(page, `${login}: enrolment`);
  await screenshot(page, `${shot}-enrol`);
  await page.locator('input[name=code]').fill(await factorCode(origin, login, secret));
  await navigating(page, () => page.getByRole('button', { name: '确认启用' }).click());
  await expectText(page.locator('.notice'), '动态口令已启用', { hint: `${login}-enrolled` });
  assert.equal(await page.locator('ul.codes li').count(), 10, 'ten recovery codes, shown once');
  await fitsTheScreen(page, `${login}: recovery codes`);
  await screenshot(page, `${shot}-recovery-codes`);
  return secret;
}

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `factor-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 240_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  test('a secretary enrols a factor, signs out and signs in with a code (1366×768)', { timeout: 180_000 }, async () => {
    const context = await browser.newContext(OFFICE_SCREEN);
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/login`);
      await submitLogin(page, 'mishu');
      await expectText(page.locator('h1'), '我的工作台', { hint: 'mishu-workbench' });
      const secret = await enrol(page, server.url, 'mishu', shot('factor-desktop'));

      await navigating(page, () => page.getByRole('button', { name: '退出' }).click());
      await submitLogin(page, 'mishu');
      assert.equal(new URL(page.url()).pathname, '/login/factor', 'the password alone does not sign in');
      await fitsTheScreen(page, 'the factor step');
      await screenshot(page, shot('factor-desktop-step'));
      await submitFactor(page, '000000');
      await expectText(page.locator('.error'), '动态口令错误', { hint: 'wrong-code' });
      await submitFactor(page, await factorCode(server.url, 'mishu', secret));
      await expectText(page.locator('h1'), '我的工作台', { hint: 'mishu-signed-in' });

      await page.goto(`${server.url}/account/sessions`);
      await expectText(page.locator('h1'), '我的会话', { hint: 'sessions' });
      await expectText(page.locator('table.list'), '当前会话', { hint: 'current-session' });
      await fitsTheScreen(page, 'my sessions');
    } finally {
      await context.close();
    }
  });

  test('an administrator without a factor cannot reach administration until he enrols (phone)', { timeout: 180_000 }, async () => {
    const out = server.console(['user', 'reset-factor', '--login', 'auditor']);
    assert.match(out, /已重置/);
    const context = await browser.newContext(PHONE);
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/login`);
      await submitLogin(page, 'auditor');
      assert.equal(new URL(page.url()).pathname, '/account/factor', 'sent to enrol');
      await expectText(page.locator('.error'), '管理员账号须启用动态口令', { hint: 'must-enrol' });
      await fitsTheScreen(page, 'the enrolment page on a phone');
      await page.goto(`${server.url}/admin/events`);
      assert.equal(new URL(page.url()).pathname, '/account/factor', 'administration is out of reach');
      const secret = await enrol(page, server.url, 'auditor', shot('factor-phone'));

      await page.goto(`${server.url}/admin/events`);
      await expectText(page.locator('h1'), '审计日志', { hint: 'auditor-events' });
      await page.goto(`${server.url}/admin/audit`);
      await expectText(page.locator('#audit-chain'), '审计链完整', { hint: 'audit-chain' });
      await expectText(page.locator('#audit-failures'), '动态口令错误', { hint: 'audit-failures' });
      // Mass downloads have their own list (none in the demo city).
      await expectText(page.locator('section', { has: page.locator('#audit-mass-downloads') }), '近期没有批量下载', { hint: 'audit-mass-downloads' });
      await fitsTheScreen(page, 'the auditor\'s page on a phone');
      await screenshot(page, shot('audit-phone'));
      await navigating(page, () => page.getByRole('button', { name: '退出' }).click());
      await submitLogin(page, 'auditor');
      assert.equal(new URL(page.url()).pathname, '/login/factor');
      await fitsTheScreen(page, 'the factor step on a phone');
      await screenshot(page, shot('factor-phone-step'));
      await submitFactor(page, await factorCode(server.url, 'auditor', secret));
      assert.notEqual(new URL(page.url()).pathname, '/login/factor', 'signed in with the new factor');
    } finally {
      await context.close();
    }
  });

  for (const [label, options, login] of [['1366×768', OFFICE_SCREEN, 'wenshu'], ['phone', PHONE, 'zhuren']]) {
    test(`a person chooses which messages reach her by mail and in quiet hours (${label})`, { timeout: 120_000 }, async () => {
      const context = await browser.newContext(options);
      context.setDefaultTimeout(10_000);
      try {
        const page = await context.newPage();
        await page.goto(`${server.url}/login`);
        await submitLogin(page, login);
        await page.goto(`${server.url}/account`);
        await navigating(page, () => page.getByRole('link', { name: '消息推送' }).click());
        await expectText(page.locator('h1'), '消息推送', { hint: `${login}-notify` });
        await expectText(page.locator('body'), '尚未设置邮件服务器', { hint: `${login}-no-mail-server` });
        const form = page.locator('#notify-form');
        // A malformed address is refused with the reason; what was typed stays.
        await form.locator('input[name=email]').fill(`${login}@qinghe`);
        await form.getByLabel('发送邮件').check();
        await page.evaluate(() => { document.querySelector('#notify-form').noValidate = true; });
        await navigating(page, () => form.getByRole('button', { name: '保存' }).click());
        await expectText(page.locator('.error'), '邮箱地址格式不正确', { hint: `${login}-bad-email` });
        assert.equal(await page.locator('#notify-form input[name=email]').inputValue(), `${login}@qinghe`);
        await page.locator('#notify-form input[name=email]').fill(`${login}@qinghe.gov.cn`);
        await page.locator('#notify-form').getByLabel('新待阅').check();
        await page.locator('#notify-form').getByLabel('黄牌').uncheck();
        await page.locator('#notify-form input[name=quiet_from]').fill('22:00');
        await page.locator('#notify-form input[name=quiet_to]').fill('07:30');
        await navigating(page, () => page.locator('#notify-form').getByRole('button', { name: '保存' }).click());
        await expectText(page.locator('.notice'), '已保存', { hint: `${login}-saved` });
        // Saved as chosen: shown again on a fresh load.
        await page.goto(`${server.url}/account/notify`);
        const saved = page.locator('#notify-form');
        assert.equal(await saved.locator('input[name=email]').inputValue(), `${login}@qinghe.gov.cn`);
        assert.ok(await saved.getByLabel('新待阅').isChecked(), '新待阅 chosen');
        assert.ok(!(await saved.getByLabel('黄牌').isChecked()), '黄牌 left out');
        assert.ok(await saved.getByLabel('红牌').isChecked(), '红牌 kept by default');
        assert.equal(await saved.locator('input[name=quiet_from]').inputValue(), '22:00');
        await expectText(page.locator('body'), '还没有推送记录', { hint: `${login}-no-deliveries` });
        await fitsTheScreen(page, `消息推送 (${label})`);
        await screenshot(page, shot(`notify-${login}`));
      } finally {
        await context.close();
      }
    });
  }

  test('the system administrator sets a unit\'s 钉钉 group robot on a phone', { timeout: 120_000 }, async () => {
    const context = await browser.newContext(PHONE);
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/login`);
      await submitLogin(page, 'sysadmin');
      await page.goto(`${server.url}/org/units`);
      await navigating(page, () => page.locator('a', { hasText: '东川市人民政府办公室' }).first().click());
      await navigating(page, () => page.getByRole('link', { name: '群机器人' }).click());
      await expectText(page.locator('h1'), '群机器人', { hint: 'robots' });
      const card = page.locator('#robot-dingtalk');
      await expectText(card, '尚未设置', { hint: 'robot-unset' });
      await card.locator('input[name=url]').fill('https://oapi.dingtalk.com/robot/send?access_token=demo1234');
      await card.locator('input[name=secret]').fill('SECdemo');
      await card.locator('input[name=quiet_from]').fill('22:00');
      await card.locator('input[name=quiet_to]').fill('07:00');
      await navigating(page, () => card.getByRole('button', { name: '保存' }).click());
      await expectText(page.locator('.notice'), '钉钉机器人已保存', { hint: 'robot-saved' });
      // The key is shown only in part, and the robot is marked signed.
      const saved = page.locator('#robot-dingtalk');
      await expectText(saved, 'oapi.dingtalk.com …demo…', { hint: 'robot-hint' });
      await expectText(saved, '已加签', { hint: 'robot-signed' });
      assert.ok(!(await page.content()).includes('access_token=demo1234'), 'the key is not shown again');
      await fitsTheScreen(page, '群机器人 on a phone');
      await screenshot(page, shot('robots-phone'));
    } finally {
      await context.close();
    }
  });
}

onEngines(import.meta.url, 'second factor journeys', journeys);

// 督查督办 in real headless Chromium: the office director instructs on an internal request →
// the 督查科's deputy chief (kezhang, switching to that post) turns the instruction into a
// supervision item for 清河县's 秘书 → she signs for it, files a progress report and applies for
// closing → the 督查科 reviews it and strikes it off. On SQLite, and on PostgreSQL when
// TEST_POSTGRES_URL is set (under CI=true it must be).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP,
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
const TITLE = '关于推进农村公路提档升级的请示';
const INSTRUCTION = '请督查科跟踪督办，清河县月底前报送进展';
const REPORT = '已完成 12 公里乡道路面改造，剩余路段本月底完工';

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `supervision-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 90_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  async function signIn(login, post = '秘书一科 · 科长') {
    const context = await browser.newContext(DESKTOP);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await submitLogin(page, login);
    if (new URL(page.url()).pathname === '/choose-post') {
      await navigating(page, () => page.getByRole('button', { name: post }).click());
    }
    await expectText(page.locator('h1'), '我的工作台', { hint: `${login}-workbench` });
    return { context, page };
  }

  async function completeFromQueue(login, opinion) {
    const { context, page } = await signIn(login);
    try {
      const link = page.locator('table.queue td.title a', { hasText: TITLE });
      await navigating(page, () => link.first().click());
      const form = page.locator('form.act-complete');
      await form.getByLabel('同意', { exact: true }).check();
      await form.locator('textarea[name=opinion]').fill(opinion);
      await navigating(page, () => form.locator('button[type=submit]').click());
      await expectText(page.locator('.notice'), '已办理', { hint: `${login}-done` });
    } finally {
      await context.close();
    }
  }

  test('a leader\'s instruction is supervised until struck off', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    // The secretary's request, approved by the 科长 and instructed on by the director.
    const secretary = await signIn('mishu');
    let caseUrl;
    try {
      const s = secretary.page;
      await navigating(s, () => s.getByRole('link', { name: '发起内部事项' }).click());
      await s.getByLabel('标题').fill(TITLE);
      await s.getByLabel('正文').fill('清河县申请将农村公路提档升级列入年度督办事项。');
      await navigating(s, () => s.getByRole('button', { name: '提交审批' }).click());
      await expectText(s.locator('.notice'), '事项已发起', { hint: 'started' });
      caseUrl = new URL(s.url());
      caseUrl.search = '';
    } finally {
      await secretary.context.close();
    }
    await completeFromQueue('kezhang', '情况属实，请主任审批');
    await completeFromQueue('zhuren', INSTRUCTION);

    // kezhang, as 督查科副科长, opens the case and turns the instruction into an item.
    const supervisor = await signIn('kezhang', '督查科 · 副科长（兼）');
    const k = supervisor.page;
    let itemUrl;
    try {
      await k.goto(caseUrl.href);
      await navigating(k, () => k.locator('#open-supervision').click());
      await expectText(k.locator('h1'), '立项督办', { hint: 'form' });
      assert.equal(await k.getByLabel('督办内容').inputValue(), INSTRUCTION);
      const lead = k.locator('#lead-post');
      const option = lead.locator('option', { hasText: '清河县秘书股' }).filter({ hasText: '赵雨欣' });
      await lead.selectOption({ label: (await option.first().innerText()).trim() });
      await navigating(k, () => k.getByRole('button', { name: '立项并交办' }).click());
      await expectText(k.locator('.notice'), '已立项', { hint: 'opened' });
      await expectText(k.locator('#source-case'), TITLE, { hint: 'linked' });
      itemUrl = new URL(k.url());
      itemUrl.search = '';
      // The case links back to its item.
      await k.goto(caseUrl.href);
      await expectText(k.locator('.case-supervision'), '落实', { hint: 'case-links-item' });
    } finally {
      await supervisor.context.close();
    }

    // 清河县's 秘书 finds it among her unit's items, signs, reports and applies for closing.
    const county = await signIn('qinghe.mishu');
    const c = county.page;
    try {
      await navigating(c, () => c.locator('nav.areas a', { hasText: '督查' }).click());
      await navigating(c, () => c.locator('#tab-unit').click());
      await navigating(c, () => c.locator('#items a').first().click());
      // The item page sends her to the 办理 page, where the step's one form is.
      await navigating(c, () => c.locator('#to-desk').click());
      const sign = c.locator('form.act-complete');
      await navigating(c, () => sign.locator('button[type=submit]').click());
      await expectText(c.locator('.notice'), '已办理', { hint: 'signed' });
      await c.locator('#report-form textarea').fill(REPORT);
      await navigating(c, () => c.locator('#file-report').click());
      await expectText(c.locator('.notice'), '进展已报送', { hint: 'reported' });
      await expectText(c.locator('#reports'), REPORT, { hint: 'report-listed' });
      const apply = c.locator('form.act-complete');
      await apply.locator('textarea[name=opinion]').fill('全部路段完工并通过验收');
      await navigating(c, () => apply.locator('button[type=submit]').click());
      await expectText(c.locator('.notice'), '已办理', { hint: 'applied' });
      await screenshot(c, shot('supervision-applied'));
    } finally {
      await county.context.close();
    }

    // The 督查科 reviews it and strikes it off.
    const again = await signIn('kezhang', '督查科 · 副科长（兼）');
    const r = again.page;
    try {
      await r.goto(itemUrl.href);
      await navigating(r, () => r.locator('#to-desk').click());
      const review = r.locator('form.act-complete');
      await review.getByLabel('审核通过', { exact: true }).check();
      await review.locator('textarea[name=opinion]').fill('同意销号');
      await navigating(r, () => review.locator('button[type=submit]').click());
      await r.goto(itemUrl.href);
      await expectText(r.locator('#item-state'), '已销号', { hint: 'state' });
      await expectText(r.locator('#timeline'), '审核通过，销号', { hint: 'timeline' });
      await screenshot(r, shot('supervision-closed'));
      // The board lists it as struck off.
      await r.goto(`${server.url}/supervision?state=closed`);
      await expectText(r.locator('#items'), '已销号', { hint: 'board' });
    } finally {
      await again.context.close();
    }
  });
}

onEngines(import.meta.url, 'supervision journeys', journeys);

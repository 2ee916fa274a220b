// 信息 in real headless Chromium: 清河县's 秘书 reports an item from a phone (390×844), nothing
// wider than the screen; the county office's 主任 signs it off (签发) on the 办理 page; the city
// office's 信息科 chief (xinxi) signs for it, adopts it and puts it into a new issue of
// 《东川政务信息》, prints the issue and downloads its PDF; the 秘书 then sees the county's points
// under 计分排名. On the engines scripts/e2e chooses (e2e/lib.mjs, onEngines).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP,
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
const TITLE = '清河县冬季农田水利建设全面铺开';

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `information-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 200_000 });

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

  test('a county reports an item from a phone, the city adopts it into an issue, the county sees its points', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const mishu = await signIn('qinghe.mishu', PHONE);
    const zhuren = await signIn('qinghe.zhuren', DESKTOP);
    const section = await signIn('xinxi', DESKTOP);
    try {
      // 报送 from the phone.
      const m = mishu.page;
      await m.goto(`${server.url}/information`);
      await expectText(m.locator('h1'), '政务信息', { hint: 'information-phone' });
      await navigating(m, () => m.locator('#new-item').click());
      await expectText(m.locator('h1'), '报送信息', { hint: 'form-phone' });
      await nothingWider(m, 'the 报送 form on a phone');
      await m.locator('input[name=title]').fill(TITLE);
      await m.locator('textarea[name=body]').fill('清河县组织各乡镇开展冬季农田水利建设，新修渠道、整治塘堰，受益农田面积持续扩大。');
      const signer = m.locator('select[name=signer_post] option', { hasText: /办主任）$/ }).first();
      await m.locator('select[name=signer_post]').selectOption(await signer.getAttribute('value'));
      assert.ok(await m.locator('input[name=office]').first().isChecked(), 'the city office is chosen');
      await screenshot(m, shot('information-form-phone'));
      await navigating(m, () => m.locator('#information-form button[type=submit]').click());
      await expectText(m.locator('.notice'), '等待本单位领导签发', { hint: 'submitted' });
      await expectText(m.locator('#item-state'), '待签发', { hint: 'state' });
      await nothingWider(m, 'the item on a phone');
      const itemPath = new URL(m.url()).pathname;

      // 签发 by the county office's 主任 on the 办理 page.
      const z = zhuren.page;
      await z.goto(`${server.url}${itemPath}`);
      await navigating(z, () => z.locator('a', { hasText: '办理过程' }).click());
      const form = z.locator('form.act-complete');
      await form.getByLabel('同意', { exact: true }).check();
      await form.locator('textarea[name=opinion]').fill('同意报送');
      await navigating(z, () => form.locator('button[type=submit]').click());
      await z.goto(`${server.url}${itemPath}`);
      await expectText(z.locator('#item-state'), '已报送', { hint: 'sent' });

      // The city's 信息科: a new issue, then 签收, 采用 and 本级刊物采用 into it.
      const s = section.page;
      await s.goto(`${server.url}/information/periodicals`);
      await navigating(s, () => s.locator('button[id^=new-issue-]').first().click());
      await expectText(s.locator('.notice'), '已新建一期', { hint: 'new-issue' });
      const issuePath = new URL(s.url()).pathname;
      const issueLabel = (await s.locator('h1').innerText()).trim();
      await s.goto(`${server.url}/information`);
      const row = s.locator('#backlog a', { hasText: TITLE });
      await expectText(row, TITLE, { hint: 'backlog' });
      await navigating(s, () => row.click());
      await navigating(s, () => s.locator('#sign').click());
      await expectText(s.locator('.notice'), '已签收', { hint: 'signed' });
      await s.locator('#screen-form select[name=decision]').selectOption('采用');
      await navigating(s, () => s.locator('#screen').click());
      await s.locator('#level').selectOption('periodical');
      const option = s.locator('#issue option', { hasText: issueLabel });
      await s.locator('#issue').selectOption(await option.first().getAttribute('value'));
      await navigating(s, () => s.locator('#adopt').click());
      await expectText(s.locator('.notice'), '采用层级已记录', { hint: 'adopted' });
      await expectText(s.locator('.receipt'), '本级刊物采用', { hint: 'adoption' });
      await s.goto(`${server.url}${issuePath}`);
      await expectText(s.locator('.issue-items'), TITLE, { hint: 'in-issue' });
      await navigating(s, () => s.locator('#publish').click());
      await expectText(s.locator('.notice'), '本期已印发', { hint: 'published' });
      const pdf = await s.request.get(`${server.url}${issuePath}/pdf`);
      assert.equal(pdf.status(), 200);
      assert.ok((await pdf.body()).subarray(0, 4).toString() === '%PDF', 'the issue as PDF');
      await screenshot(s, shot('information-issue'));

      // The county sees its points.
      await m.goto(`${server.url}/information/ranking`);
      await expectText(m.locator('h1'), '信息计分排名', { hint: 'ranking' });
      const county = m.locator('#ranking tr', { hasText: '清河县人民政府办公室' });
      await county.locator('summary').click();
      await expectText(county, '本级刊物采用', { hint: 'points-lines' });
      await nothingWider(m, 'the ranking on a phone');
      await screenshot(m, shot('information-ranking-phone'));
    } finally {
      await mishu.context.close();
      await zhuren.context.close();
      await section.context.close();
    }
  });
}

onEngines(import.meta.url, 'information journeys', journeys);

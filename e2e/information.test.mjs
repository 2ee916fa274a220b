// 信息 in real headless Chromium: the city office's 信息科 chief (xinxi) asks 清河县 for
// information on a topic (约稿); 清河县's 秘书 answers it from a phone (390×844), nothing wider
// than the screen; the county office's 主任 signs it off (签发) on the 办理 page; xinxi signs for
// it, adopts it and puts it into a new issue of 《东川政务信息》, prints the issue and downloads
// its PDF, sees the commission answered, and records the 市长's 批示 on it; kezhang, as 督查科
// 副科长, follows the notice to the 立项 form drafted from the 批示 and opens a 督办 item linked
// back to the information; the 秘书 then sees the county's points under 计分排名 and signs for
// the issue sent to the county, which the section then sees signed. On the engines
// scripts/e2e chooses (e2e/lib.mjs, onEngines).

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
const TOPIC = '冬季农田水利建设的进展和做法';
const INSTRUCTION = '此做法好，请市水利局总结推广。';

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

  async function signIn(login, screen, post) {
    const context = await browser.newContext(screen);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await submitLogin(page, login);
    if (post && new URL(page.url()).pathname === '/choose-post') {
      await navigating(page, () => page.getByRole('button', { name: post }).click());
    }
    await expectText(page.locator('h1'), '我的工作台', { hint: `${login}-workbench` });
    return { context, page };
  }

  test('a county reports an item from a phone, the city adopts it into an issue, the county sees its points', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const mishu = await signIn('qinghe.mishu', PHONE);
    const zhuren = await signIn('qinghe.zhuren', DESKTOP);
    const section = await signIn('xinxi', DESKTOP);
    try {
      // 约稿: the city's 信息科 asks 清河县 for information on a topic within a week.
      const s = section.page;
      await s.goto(`${server.url}/information`);
      await navigating(s, () => s.locator('#commissions').click());
      await expectText(s.locator('h1'), '约稿', { hint: 'commissions' });
      await s.locator('#ask summary').click();
      await s.locator('input[name=topic]').fill(TOPIC);
      const due = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
      await s.locator('input[name=due_on]').fill(due);
      await s.locator('#ask-form label.check', { hasText: '清河县人民政府办公室' }).locator('input').check();
      await navigating(s, () => s.locator('#ask-submit').click());
      await expectText(s.locator('.notice'), '约稿已发出', { hint: 'asked' });
      await expectText(s.locator('#asked-units'), '未报送', { hint: 'not-yet' });
      const commissionPath = new URL(s.url()).pathname;

      // 报送 from the phone, answering the commission.
      const m = mishu.page;
      await m.goto(`${server.url}/information`);
      await expectText(m.locator('h1'), '政务信息', { hint: 'information-phone' });
      await navigating(m, () => m.locator('#commissions').click());
      await navigating(m, () => m.locator('#asking a', { hasText: TOPIC }).click());
      await nothingWider(m, 'a commission on a phone');
      await navigating(m, () => m.locator('#answer').click());
      await expectText(m.locator('h1'), '报送信息', { hint: 'form-phone' });
      assert.match(await m.locator('#commission option:checked').innerText(), new RegExp(TOPIC));
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

      // The commission shows 清河县 answered.
      await s.goto(`${server.url}${commissionPath}`);
      await expectText(s.locator('#asked-units'), '已报送', { hint: 'answered' });
      await expectText(s.locator('#answers'), TITLE, { hint: 'answer-listed' });

      // The 市长's 批示 on it, recorded by the section.
      await s.goto(`${server.url}${itemPath}`);
      await s.locator('#level').selectOption('instruction');
      const mayor = s.locator('#leader-post option', { hasText: '市长' });
      await s.locator('#leader-post').selectOption(await mayor.first().getAttribute('value'));
      await s.locator('#adopt-form input[name=note]').fill(INSTRUCTION);
      await navigating(s, () => s.locator('#adopt').click());
      await expectText(s.locator('.receipt'), INSTRUCTION, { hint: 'instruction' });

      // The county sees its points.
      await m.goto(`${server.url}/information/ranking`);
      await expectText(m.locator('h1'), '信息计分排名', { hint: 'ranking' });
      const county = m.locator('#ranking tr', { hasText: '清河县人民政府办公室' });
      await county.locator('summary').click();
      await expectText(county, '本级刊物采用', { hint: 'points-lines' });
      await nothingWider(m, 'the ranking on a phone');
      await screenshot(m, shot('information-ranking-phone'));
      // The issue reached the county: it signs for it on the phone; the section sees it signed.
      await m.goto(`${server.url}/information`);
      const received = m.locator('#received-issues tr', { hasText: issueLabel });
      await expectText(received, '未签收', { hint: 'issue-received' });
      await navigating(m, () => received.locator('a').click());
      await navigating(m, () => m.locator('#receive').click());
      await expectText(m.locator('.notice'), '已签收本期刊物', { hint: 'issue-signed' });
      await nothingWider(m, 'the issue on a phone');
      await s.goto(`${server.url}${issuePath}`);
      const signed = s.locator('#recipients tr', { hasText: '清河县人民政府办公室' });
      await expectText(signed, '已签收', { hint: 'recipient-signed' });
      // kezhang, as 督查科副科长, follows the notice to the drafted 立项 form: one step.
      const supervisor = await signIn('kezhang', DESKTOP, '督查科 · 副科长（兼）');
      try {
        const k = supervisor.page;
        const notice = k.locator('.notice-list a', { hasText: '转为督办事项' }).first();
        await k.locator('details.notices summary').click();
        await navigating(k, () => notice.click());
        await expectText(k.locator('h1'), '立项督办', { hint: 'sv-form' });
        assert.equal(await k.getByLabel('督办内容').inputValue(), INSTRUCTION);
        const lead = k.locator('#lead-post option', { hasText: '清河县' }).first();
        await k.locator('#lead-post').selectOption({ label: (await lead.innerText()).trim() });
        await navigating(k, () => k.getByRole('button', { name: '立项并交办' }).click());
        await expectText(k.locator('.notice'), '已立项', { hint: 'sv-opened' });
        // Linked both ways: the item names the information, the information lists the item.
        await navigating(k, () => k.locator('#source-information').click());
        await expectText(k.locator('.supervision-link'), '落实', { hint: 'info-links-item' });
      } finally {
        await supervisor.context.close();
      }
    } finally {
      await mishu.context.close();
      await zhuren.context.close();
      await section.context.close();
    }
  });
}

onEngines(import.meta.url, 'information journeys', journeys);

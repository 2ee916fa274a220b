// A 发文 in real headless Chromium, from the secretary's draft at the city office to its
// handling in a county: 拟稿 → 核稿 (科长) → 签发 (主任) → 复核, 登记 (the number appears),
// 印制, 核发 by the 文电科 clerk → 清河县's 文书 signs for it and registers it (收文号) → the
// 股长 screens it → the county office's 主任 proposes and picks the 县长 → the 县长 instructs
// and picks the 股长 as lead → the 股长 handles it and writes the result → the city sees
// 清河县 handled, with the reply. On SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set
// (under CI=true it must be).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  createPostgresDatabase,
  expectText,
  launch,
  navigating,
  screenshot,
  signIn as signInAt,
  startServer,
  onEngines,
} from './lib.mjs';

const JOURNEY_TIMEOUT_MS = 240_000;

const TITLE = '东川市人民政府办公室关于做好冬季森林防火工作的通知';
const BODY = '为切实做好今冬明春森林防火工作，现将有关事项通知如下。\n一、压实防火责任\n（一）落实属地管理责任。\n1.各县区于12月10日前完成隐患排查。';
const REPLY = '已完成隐患排查，共整改隐患12处，12月9日报送排查情况。';

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `documents-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 240_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  async function signIn(login) {
    return signInAt(browser, server.url, login);
  }

  /** Signs in, opens the document's case from 待办 and completes its step. */
  async function act(login, { decision, opinion, pick } = {}) {
    const { context, page } = await signIn(login);
    try {
      const link = page.locator('table.queue td.title a', { hasText: TITLE });
      await expectText(link, TITLE, { hint: `${login}-queue` });
      await navigating(page, () => link.first().click());
      const form = page.locator('form.act-complete');
      if (decision) {
        const radio = form.getByLabel(decision, { exact: true });
        if (await radio.count()) await radio.check();
      }
      if (pick) {
        const select = form.locator('select[name=choices]').first();
        const option = select.locator('option', { hasText: pick });
        await select.selectOption({ label: (await option.first().innerText()).trim() });
      }
      if (opinion) await form.locator('textarea[name=opinion]').fill(opinion);
      await navigating(page, () => form.locator('button[type=submit]').click());
      const error = page.locator('#act-error');
      if (await error.count()) assert.fail(`${login}: ${await error.innerText()}`);
      await expectText(page.locator('.notice'), '已办理', { hint: `${login}-done` });
    } finally {
      await context.close();
    }
  }

  test('a notice is drafted, signed off, numbered, dispatched and handled in a county', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const secretary = await signIn('mishu');
    const s = secretary.page;
    try {
      // 拟稿.
      await navigating(s, () => s.locator('nav.areas a', { hasText: '办文' }).click());
      await expectText(s.locator('h1'), '办文', { hint: 'documents' });
      await navigating(s, () => s.locator('#new-draft').click());
      await s.getByLabel('标题', { exact: true }).fill(TITLE);
      await s.locator('fieldset.recipients').first().getByLabel('清河县人民政府', { exact: true }).check();
      await s.locator('#body').fill(BODY);
      await navigating(s, () => s.locator('#save-draft').click());
      await expectText(s.locator('.notice'), '已保存', { hint: 'saved' });
      await expectText(s.locator('.doc-body .level-1'), '一、压实防火责任', { hint: 'heading' });
      const docUrl = new URL(s.url());
      docUrl.search = '';

      // Submit, proposing the director as signer.
      await s.getByLabel('拟请签发').selectOption({ label: (await s.locator('select[name=signoff_post] option', { hasText: '周志远' }).first().innerText()).trim() });
      await navigating(s, () => s.locator('#submit-document').click());
      await expectText(s.locator('.notice'), '事项已发起', { hint: 'submitted' });

      await act('kezhang', { decision: '同意', opinion: '核稿无误，请主任签发' });
      await act('zhuren', { decision: '同意', opinion: '同意印发' });
      // The security administrator uploads the city office's seal: a sealed document is not
      // printed without it.
      const admin = await signIn('secadmin');
      try {
        const a = admin.page;
        await a.goto(`${server.url}/admin/seals`);
        const row = a.locator('#seals tr', { hasText: '东川市人民政府办公室' }).first();
        await row.locator('input[type=file]').setInputFiles(new URL('./seal.png', import.meta.url).pathname);
        await navigating(a, () => row.locator('button[type=submit]').click());
        await expectText(a.locator('.notice'), '印章图像已加密保存', { hint: 'seal-uploaded' });
      } finally {
        await admin.context.close();
      }
      for (const step of ['复核', '登记', '印制', '核发']) {
        await act('wenshu', { hint: step });
      }

      // The number and the delivery, as the drafter sees them.
      await s.goto(docUrl.href);
      await expectText(s.locator('#doc-number'), '东政办发〔2026〕', { hint: 'number' });
      await expectText(s.locator('#signoff'), '周志远：同意印发', { hint: 'signoff' });
      await expectText(s.locator('#exchanges'), '清河县人民政府', { hint: 'dispatched' });
      await expectText(s.locator('#exchanges'), '已送达', { hint: 'delivered' });
      await screenshot(s, shot('documents-dispatched'));
      // The dispatched text laid out by GB/T 9704 and the 发文稿纸 download from the page.
      for (const [link, name] of [['#download-pdf', '东政办发'], ['#download-sheet', '发文稿纸']]) {
        const [download] = await Promise.all([s.waitForEvent('download'), s.locator(link).click()]);
        assert.ok(download.suggestedFilename().includes(name), download.suggestedFilename());
        assert.ok(download.suggestedFilename().endsWith('.pdf'), download.suggestedFilename());
        const path = await download.path();
        const bytes = readFileSync(path);
        assert.equal(bytes.subarray(0, 4).toString(), '%PDF', `${name} is a PDF`);
      }

      // 清河县: signed for, registered, screened, proposed, instructed, handled.
      await act('qinghe.wenshu', { hint: '签收' });
      await act('qinghe.wenshu', { hint: '登记' });
      await act('qinghe.guzhang', { decision: '通过', opinion: '属我县办理事项' });
      await act('qinghe.zhuren', { opinion: '拟请县长阅示，由秘书股牵头办理', pick: '· 县长' });
      await act('qinghe.xianzhang', { decision: '批示', opinion: '请秘书股抓好落实', pick: '秘书股 · 股长' });
      await act('qinghe.guzhang', { opinion: REPLY });

      // The county's registry clerk finds the 收文 she registered in the 收文 list.
      const countyClerk = await signIn('qinghe.wenshu');
      try {
        const q = countyClerk.page;
        await q.goto(`${server.url}/documents/incoming`);
        await expectText(q.locator('table.documents'), TITLE, { hint: 'county-incoming-list' });
      } finally {
        await countyClerk.context.close();
      }

      // The city sees it handled, with the reply.
      await s.goto(docUrl.href);
      await expectText(s.locator('#exchanges'), '已办结', { hint: 'handled' });
      await expectText(s.locator('#exchanges'), REPLY, { hint: 'reply' });
      await screenshot(s, shot('documents-handled'));

      // The ledger lists the number against the document.
      await s.goto(`${server.url}/documents/ledger`);
      await expectText(s.locator('#ledger'), TITLE, { hint: 'ledger' });

      // 归档 by the 文电科 clerk, then the archive package download.
      const clerk = await signIn('wenshu');
      try {
        const c = clerk.page;
        await c.goto(docUrl.href);
        await c.locator('#retention').selectOption('D30');
        await navigating(c, () => c.locator('#archive-submit').click());
        await expectText(c.locator('#archive-no'), '-2026-D30-0001', { hint: 'archived' });
        const [download] = await Promise.all([c.waitForEvent('download'), c.locator('#download-archive').click()]);
        assert.ok(download.suggestedFilename().endsWith('-2026-D30-0001.zip'), download.suggestedFilename());
        const bytes = readFileSync(await download.path());
        assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'the archive package is a zip');
      } finally {
        await clerk.context.close();
      }
    } finally {
      await secretary.context.close();
    }
  });
}

onEngines(import.meta.url, 'document journeys', journeys);

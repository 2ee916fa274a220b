// The 办理 page in real headless Chromium, at 1366×768 and on a 390×844 phone: the 主任 signs a
// 发文 reading its 正文 on the same page (the form beside the text on the desk, below it on the
// phone; 同意 / 不同意, no 圈阅); the 文电科 clerk sees the 文号 登记 will take, then the 文号 on the
// page and in the timeline, and previews at 印制 the PDF that will be sealed; a county 秘书 opens
// a 督办事项 from 待办, is refused 申请办结 before any report, files one and then applies; a secretary
// corrects a returned request on her phone, and the 科长 switches post without losing the page. On every
// phone page, no element is wider than the screen. On SQLite, and on PostgreSQL when
// TEST_POSTGRES_URL is set (under CI=true it must be).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PHONE,
  createPostgresDatabase,
  expectText,
  launch,
  navigating,
  repoRoot,
  screenshot,
  startServer,
  submitLogin,
  onEngines,
} from './lib.mjs';

const JOURNEY_TIMEOUT_MS = 240_000;
const OFFICE_SCREEN = { viewport: { width: 1366, height: 768 } };

const TITLE = '东川市人民政府办公室关于开展冬季安全大检查的通知';
const BODY = '为做好冬季安全生产工作，现将有关事项通知如下。\n一、突出检查重点\n（一）燃气和消防安全。\n1.各县区于12月15日前完成自查。';
const ITEM = '落实冬季安全大检查部署';
const REPORT = '已完成县城区燃气管网排查，整改隐患5处';

/** Elements sticking out of the screen sideways (outside any container that scrolls). */
async function wider(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const scrolls = (el) => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
      }
      return false;
    };
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if ((r.right > width + 1 || r.left < -1) && !scrolls(el)) {
        out.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className} (${Math.round(r.left)}–${Math.round(r.right)})`);
      }
    }
    if (document.documentElement.scrollWidth > width + 1) out.push(`page scrollWidth ${document.documentElement.scrollWidth}`);
    return out;
  });
}

/**
 * With XN_SCREENSHOTS=1, the README's pictures of the desk: the first screen of `page` saved as
 * docs/screenshots/<name>.png (SQLite run only, so that one run writes one set).
 */
async function readmeShot(page, backend, name) {
  if (process.env.XN_SCREENSHOTS !== '1' || backend !== 'SQLite') return;
  const dir = join(repoRoot, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}

/** Controls one touches that are less than 44 px high (visible ones only). */
async function smallTargets(page) {
  return page.evaluate(() => {
    const out = [];
    const sel = 'button, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), nav.areas a, .queue-tabs a, table.queue td.title a';
    for (const el of document.querySelectorAll(sel)) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      if (el.closest('details:not([open])')) continue;
      if (r.height < 43.5) out.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.name || '').slice(0, 12)}" ${Math.round(r.height)} px`);
    }
    return out;
  });
}

/** A fresh folder for the files a journey uploads. */
function mkdtempDir() {
  const dir = join(tmpdir(), `xn-e2e-files-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The header on one line: the brand, the person and 退出 share a row. */
async function headerOnOneLine(page, hint) {
  const brand = await page.locator('header.top .brand').boundingBox();
  const logout = await page.locator('header.top form[action="/logout"] button').boundingBox();
  const header = await page.locator('header.top').boundingBox();
  assert.ok(logout.y < brand.y + brand.height && header.height < 64,
    `${hint}: the header wraps (header ${Math.round(header.height)} px, 退出 at y ${Math.round(logout.y)})`);
}

/** The sign-in form: one field a line, labels and boxes aligned on the left, nothing wider. */
async function signInFormAligned(browser, url, screen, hint) {
  const context = await browser.newContext(screen);
  try {
    const page = await context.newPage();
    await page.goto(`${url}/login`);
    const login = await page.getByLabel('登录名').boundingBox();
    const password = await page.getByLabel('口令').boundingBox();
    const button = await page.getByRole('button', { name: '登录' }).boundingBox();
    assert.ok(Math.abs(login.x - password.x) < 1 && Math.abs(login.width - password.width) < 1,
      `${hint}: the two boxes are aligned (${login.x}/${login.width} vs ${password.x}/${password.width})`);
    assert.ok(password.y > login.y + login.height && button.y > password.y + password.height,
      `${hint}: 口令 below 登录名 and 登录 below 口令`);
    if (screen === PHONE) {
      await fitsThePhone(page, `${hint}-login`);
      assert.deepEqual(await smallTargets(page), [], `${hint}: touch targets`);
    }
  } finally {
    await context.close();
  }
}

async function fitsThePhone(page, hint) {
  const out = await wider(page);
  if (out.length) {
    const shot = await screenshot(page, `failed-wider-${hint}`);
    assert.fail(`${hint}: wider than the ${PHONE.viewport.width} px screen: ${out.slice(0, 10).join('; ')}; screenshot ${shot}`);
  }
}

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `desk-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 240_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  /** A browser context signed in as `login` on the given screen, on the workbench. */
  async function signIn(login, screen = OFFICE_SCREEN, post = '秘书一科 · 科长') {
    const context = await browser.newContext(screen);
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

  /** Opens the item titled `title` from the 待办 of the page's workbench. */
  async function openFromQueue(page, title, hint) {
    const link = page.locator('table.queue td.title a', { hasText: title });
    await expectText(link, title, { hint: `${hint}-queue` });
    await navigating(page, () => link.first().click());
    assert.match(new URL(page.url()).pathname, /^\/cases\/\d+$/);
  }

  /** The first 待办 row is on the first screen of the workbench, without scrolling. */
  async function rowOnFirstScreen(page, height, hint) {
    const row = page.locator('table.queue tbody tr').first();
    await row.waitFor({ state: 'visible' });
    const box = await row.boundingBox();
    const scrolled = await page.evaluate(() => window.scrollY);
    if (scrolled !== 0 || box.y + box.height > height) {
      const shot = await screenshot(page, `failed-fold-${hint}`);
      assert.fail(`${hint}: the 待办 row ends at ${Math.round(box.y + box.height)} px (scrolled ${scrolled}), below the ${height} px screen; screenshot ${shot}`);
    }
  }

  /** Completes the step open on the case page, with an optional decision and opinion. */
  async function completeHere(page, { decision, opinion } = {}) {
    const form = page.locator('form.act-complete').first();
    if (decision) await form.getByLabel(decision, { exact: true }).check();
    if (opinion) await form.locator('textarea[name=opinion]').fill(opinion);
    await navigating(page, () => form.locator('button[type=submit]').click());
  }

  async function actFromQueue(login, title, options = {}) {
    const { context, page } = await signIn(login);
    try {
      await openFromQueue(page, title, login);
      await completeHere(page, options);
      if (await page.locator('#act-error').count()) assert.fail(`${login}: ${await page.locator('#act-error').innerText()}`);
      await expectText(page.locator('.notice'), '已办理', { hint: `${login}-done` });
    } finally {
      await context.close();
    }
  }

  test('the director signs a 发文 reading its text; the clerk sees its number and previews its print', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    // 拟稿 and submission by the secretary, 核稿 by the 科长.
    const secretary = await signIn('mishu');
    try {
      const s = secretary.page;
      await s.goto(`${server.url}/documents/new`);
      await s.getByLabel('标题', { exact: true }).fill(TITLE);
      await s.locator('fieldset.recipients').first().getByLabel('清河县人民政府', { exact: true }).check();
      await s.locator('#body').fill(BODY);
      await navigating(s, () => s.locator('#save-draft').click());
      await expectText(s.locator('.notice'), '已保存', { hint: 'desk-saved' });
      const signer = s.locator('select[name=signoff_post] option', { hasText: '周志远' }).first();
      await s.getByLabel('拟请签发').selectOption({ label: (await signer.innerText()).trim() });
      await navigating(s, () => s.locator('#submit-document').click());
      await expectText(s.locator('.notice'), '事项已发起', { hint: 'desk-submitted' });
    } finally {
      await secretary.context.close();
    }
    // 退回 asks first: dismissed, nothing is sent.
    const checker = await signIn('kezhang');
    try {
      const k = checker.page;
      await openFromQueue(k, TITLE, 'kezhang-return');
      const here = k.url();
      await k.locator('form.act-return textarea[name=opinion]').fill('请补充经费保障内容');
      let asked = '';
      k.once('dialog', (d) => { asked = d.message(); d.dismiss(); });
      await k.locator('form.act-return button[type=submit]').click();
      assert.match(asked, /确定退回吗/);
      assert.equal(k.url(), here);
      assert.equal(await k.locator('.notice').count(), 0, 'a dismissed 退回 sends nothing');
      // Enter in a field of the form does not send it.
      const agree = k.locator('form.act-complete').getByLabel('同意', { exact: true });
      await agree.check();
      await agree.press('Enter');
      assert.equal(k.url(), here);
      assert.equal(await k.locator('.notice').count(), 0, 'Enter sends nothing');
    } finally {
      await checker.context.close();
    }
    await actFromQueue('kezhang', TITLE, { decision: '同意', opinion: '核稿无误，请主任签发' });

    for (const [screen, hint] of [[OFFICE_SCREEN, 'desk'], [PHONE, 'phone']]) {
      await signInFormAligned(browser, server.url, screen, hint);
    }

    // 签发 on the phone: the text first, the decision below it, nothing wider than the screen.
    let caseUrl;
    const phone = await signIn('zhuren', PHONE);
    try {
      const p = phone.page;
      await rowOnFirstScreen(p, PHONE.viewport.height, 'zhuren-phone');
      // The 待办 is a card: title, 环节, 办理时限 and its mark on the screen, none cut off.
      const card = p.locator('table.queue tbody tr', { hasText: TITLE }).first();
      for (const cell of ['td.title', 'td[data-label="环节"]', 'td[data-label="办理时限"]']) {
        const box = await card.locator(cell).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.viewport.width + 1, `the card's ${cell} is on the screen`);
      }
      await fitsThePhone(p, 'workbench-phone');
      await headerOnOneLine(p, 'workbench-phone');
      assert.deepEqual(await smallTargets(p), [], 'touch targets on the phone workbench');
      await readmeShot(p, backend, 'workbench-phone');
      await openFromQueue(p, TITLE, 'zhuren-phone');
      caseUrl = p.url();
      await expectText(p.locator('#desk-document'), '第 1 稿', { hint: 'phone-version' });
      await expectText(p.locator('.desk .doc-body .level-1'), '一、突出检查重点', { hint: 'phone-text' });
      await expectText(p.locator('#desk-document'), '清河县人民政府', { hint: 'phone-main' });
      const text = await p.locator('.desk .doc-body').boundingBox();
      const form = await p.locator('#act').boundingBox();
      assert.ok(form.y > text.y + text.height - 1, `on the phone the form is below the text (${form.y} vs ${text.y + text.height})`);
      await fitsThePhone(p, 'signoff-phone');
      await headerOnOneLine(p, 'signoff-phone');
      await screenshot(p, shot('desk-signoff-phone'));
      await readmeShot(p, backend, 'desk-signoff-phone');
    } finally {
      await phone.context.close();
    }

    // 签发 at the office: the form beside the text; 同意 / 不同意, no 圈阅.
    const director = await signIn('zhuren');
    try {
      const d = director.page;
      await rowOnFirstScreen(d, OFFICE_SCREEN.viewport.height, 'zhuren-desk');
      await expectText(d.locator('#instructions li'), '签发', { hint: 'instructions-block' });
      await screenshot(d, shot('workbench-director'));
      await readmeShot(d, backend, 'workbench');
      await d.goto(caseUrl);
      const decisions = await d.locator('form.act-complete input[name=decision]').evaluateAll((xs) => xs.map((x) => x.value));
      assert.deepEqual(decisions, ['同意', '不同意']);
      const text = await d.locator('.desk .doc-body').boundingBox();
      const form = await d.locator('#act').boundingBox();
      assert.ok(form.x >= text.x + text.width - 1, `on the desk the form is beside the text (${form.x} vs ${text.x + text.width})`);
      assert.ok(form.y < 768, 'the form starts on the first screen');
      await expectText(d.locator('.desk .doc-body'), '1.各县区于12月15日前完成自查。', { hint: 'desk-text' });
      // The box asks for a 签发意见; a 常用意见 goes into it with one click and is edited there.
      await expectText(d.locator('form.act-complete .opinion-label'), '签发意见', { hint: 'opinion-label' });
      await d.locator('form.act-complete .common-opinions .chip', { hasText: '同意。' }).first().click();
      const box = d.locator('form.act-complete textarea[name=opinion]');
      assert.equal(await box.inputValue(), '同意。');
      await box.press('End');
      await box.pressSequentially('请抓紧印发。');
      assert.equal(await box.inputValue(), '同意。请抓紧印发。');
      await readmeShot(d, backend, 'desk-signoff');
      await screenshot(d, shot('desk-signoff'));
      await box.fill('');
      await completeHere(d, { decision: '同意', opinion: '同意印发' });
      await expectText(d.locator('.notice'), '已办理', { hint: 'signed' });
    } finally {
      await director.context.close();
    }

    // The city office's seal, without which a sealed document is not printed.
    const admin = await signIn('secadmin');
    try {
      const a = admin.page;
      await a.goto(`${server.url}/admin/seals`);
      const row = a.locator('#seals tr', { hasText: '东川市人民政府办公室' }).first();
      await row.locator('input[type=file]').setInputFiles(new URL('./seal.png', import.meta.url).pathname);
      await navigating(a, () => row.locator('button[type=submit]').click());
      await expectText(a.locator('.notice'), '印章图像已加密保存', { hint: 'desk-seal' });
    } finally {
      await admin.context.close();
    }

    await actFromQueue('wenshu', TITLE);
    // 登记: the number it will take, then the number it took, on the page and in the timeline.
    const clerk = await signIn('wenshu');
    try {
      const c = clerk.page;
      await openFromQueue(c, TITLE, 'wenshu-register');
      await expectText(c.locator('#number-to-take'), '东政办发〔2026〕', { hint: 'number-to-take' });
      const number = (await c.locator('#number-to-take strong').innerText()).trim();
      await completeHere(c);
      await expectText(c.locator('.notice'), '已办理', { hint: 'registered' });
      await expectText(c.locator('#desk-number'), number, { hint: 'number-taken' });
      await expectText(c.locator('.timeline .tl-note'), `文号：${number}`, { hint: 'number-in-timeline' });
      // 印制: the PDF that will be sealed, shown on the page.
      const frame = c.locator('#print-preview iframe');
      await frame.waitFor({ state: 'visible' });
      const src = await frame.getAttribute('src');
      const res = await c.request.get(new URL(src, server.url).href);
      assert.equal(res.status(), 200);
      assert.equal(res.headers()['content-type'], 'application/pdf');
      assert.match(res.headers()['content-disposition'], /^inline/);
      assert.equal((await res.body()).subarray(0, 4).toString(), '%PDF');
      await screenshot(c, shot('desk-print'));
      const phoneClerk = await browser.newContext(PHONE);
      try {
        await phoneClerk.addCookies(await clerk.context.cookies());
        const pc = await phoneClerk.newPage();
        await pc.goto(c.url());
        await pc.locator('#print-preview iframe').waitFor({ state: 'visible' });
        await fitsThePhone(pc, 'print-phone');
        await screenshot(pc, shot('desk-print-phone'));
      } finally {
        await phoneClerk.close();
      }
      await completeHere(c);
      await expectText(c.locator('.notice'), '已办理', { hint: 'printed' });
    } finally {
      await clerk.context.close();
    }
  });

  test('a returned request is corrected on the phone, its files too; switching post to 督查科 keeps the case page', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const first = '关于购置档案柜的请示';
    const corrected = '关于购置档案柜（附报价单）的请示';
    const files = mkdtempDir();
    const list = join(files, '档案柜清单.txt');
    writeFileSync(list, '档案柜清单\n五节柜 两组\n');
    const quote = join(files, '三家报价单.txt');
    writeFileSync(quote, '三家报价单\n甲 4,800 元；乙 5,200 元；丙 5,600 元\n');
    const secretary = await signIn('mishu');
    try {
      const s = secretary.page;
      await s.goto(`${server.url}/cases/new`);
      await s.getByLabel('标题').fill(first);
      await s.getByLabel('正文').fill('申请购置档案柜两组。');
      await s.locator('input[type=file][name=file]').setInputFiles(list);
      await navigating(s, () => s.getByRole('button', { name: '提交审批' }).click());
      await expectText(s.locator('.notice'), '事项已发起', { hint: 'request-started' });
      await expectText(s.locator('#case-files'), '档案柜清单.txt', { hint: 'started-with-file' });
    } finally {
      await secretary.context.close();
    }
    // The 科长 reads the list beside the decision, downloads it, and returns the request for
    // a quotation.
    const chief = await signIn('kezhang');
    try {
      const k = chief.page;
      await openFromQueue(k, first, 'chief-return');
      const link = k.locator('#case-files a', { hasText: '档案柜清单.txt' });
      const res = await k.request.get(new URL(await link.getAttribute('href'), k.url()).href);
      assert.equal(res.status(), 200, 'the 科长 downloads the file');
      assert.match((await res.body()).toString(), /五节柜/);
      const back = k.locator('form.act-return');
      await back.getByLabel('退回到').selectOption({ label: '拟稿' });
      await back.getByLabel('退回理由').fill('请补充报价单');
      k.once('dialog', (d) => d.accept());
      await navigating(k, () => back.getByRole('button', { name: '退回' }).click());
      await expectText(k.locator('.notice'), '已退回', { hint: 'request-returned' });
    } finally {
      await chief.context.close();
    }
    // On her phone the secretary corrects the title and body there, then submits it again.
    const phone = await signIn('mishu', PHONE);
    try {
      const p = phone.page;
      await openFromQueue(p, first, 'mishu-returned');
      const form = p.locator('#revise');
      await form.getByLabel('标题').fill(corrected);
      await form.getByLabel('正文').fill('申请购置档案柜两组。\n附：三家报价单，最低价 4,800 元。');
      // The list goes, the quotation comes.
      await form.locator('label.check', { hasText: '档案柜清单.txt' }).locator('input[type=checkbox]').check();
      await form.locator('input[type=file][name=file]').setInputFiles(quote);
      await fitsThePhone(p, 'revise-phone');
      assert.deepEqual(await smallTargets(p), [], 'revise: touch targets');
      await navigating(p, () => form.getByRole('button', { name: '保存修改' }).click());
      await expectText(p.locator('.notice'), '已保存修改', { hint: 'revised' });
      await expectText(p.locator('h1'), corrected, { hint: 'revised-title' });
      const kept = await p.locator('#revise label.check').allInnerTexts();
      assert.equal(kept.length, 1, `one file left: ${kept}`);
      assert.match(kept[0], /三家报价单\.txt/);
      await completeHere(p, { opinion: '已补充报价单' });
      await expectText(p.locator('.notice'), '已办理', { hint: 'resubmitted' });
    } finally {
      await phone.context.close();
    }
    // The 科长 finds it under its new title, and switches to 督查科 from its page to 立项:
    // the page stays, and says what changed.
    const again = await signIn('kezhang');
    try {
      const k = again.page;
      await openFromQueue(k, corrected, 'chief-again');
      await expectText(k.locator('#case-files'), '三家报价单.txt', { hint: 'chief-sees-quotation' });
      assert.equal(await k.locator('#case-files li').count(), 1, 'the list was taken off');
      const at = k.url();
      const option = k.locator('#post-switch option', { hasText: '督查科' });
      await k.locator('#post-switch').selectOption({ label: (await option.first().innerText()).trim() });
      await navigating(k, () => k.locator('form.switch button').click());
      assert.equal(k.url(), at, 'switching post keeps the case page');
      await expectText(k.locator('#flash'), '已切换为', { hint: 'switched' });
    } finally {
      await again.context.close();
    }
  });

  test('a county secretary opens a 督办 item from 待办, reports, and only then applies to close', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    // The city's 督查科 opens an item for 清河县's 秘书股.
    const supervisor = await signIn('kezhang', OFFICE_SCREEN, '督查科 · 副科长（兼）');
    try {
      const k = supervisor.page;
      await k.goto(`${server.url}/supervision/new`);
      await k.locator('select[name=source_kind]').selectOption('meeting');
      await k.getByLabel('事项名称').fill(ITEM);
      await k.getByLabel('督办内容').fill('按市政府常务会议部署，开展冬季安全大检查。');
      await k.getByLabel('办理要求').fill('每周五报送检查进展，年底前完成全部整改。');
      const lead = k.locator('#lead-post');
      const option = lead.locator('option', { hasText: '清河县秘书股' }).filter({ hasText: '赵雨欣' });
      await lead.selectOption({ label: (await option.first().innerText()).trim() });
      await navigating(k, () => k.getByRole('button', { name: '立项并交办' }).click());
      await expectText(k.locator('.notice'), '已立项', { hint: 'desk-opened' });
    } finally {
      await supervisor.context.close();
    }

    // At the office: the item beside its form, its deadline in the header.
    const desk = await signIn('qinghe.mishu');
    let caseUrl;
    try {
      const d = desk.page;
      await openFromQueue(d, ITEM, 'qinghe-desk');
      caseUrl = d.url();
      await expectText(d.locator('#desk-supervision'), '每周五报送检查进展', { hint: 'requirements' });
      assert.ok(!(await d.locator('.case-facts').innerText()).includes('无时限'), 'the item\'s deadline is shown');
      const item = await d.locator('#desk-supervision').boundingBox();
      const form = await d.locator('#act').boundingBox();
      assert.ok(form.x >= item.x + item.width - 1, 'on the desk the form is beside the item');
      await screenshot(d, shot('desk-supervision'));
    } finally {
      await desk.context.close();
    }

    // On the phone: 签收, a refused closing, a report, then the closing.
    const phone = await signIn('qinghe.mishu', PHONE);
    try {
      const p = phone.page;
      await openFromQueue(p, ITEM, 'qinghe-phone');
      assert.equal(p.url(), caseUrl);
      await fitsThePhone(p, 'supervision-phone');
      await completeHere(p);
      await expectText(p.locator('.notice'), '已办理', { hint: 'qinghe-signed' });
      await expectText(p.locator('#closing-refusal'), '请先报送进展', { hint: 'warned' });
      await completeHere(p, { opinion: '全部检查整改完毕' });
      await expectText(p.locator('#act-error'), '尚未报送任何办理进展', { hint: 'refused' });
      await fitsThePhone(p, 'supervision-refused-phone');
      await p.locator('#report-form textarea').fill(REPORT);
      await navigating(p, () => p.locator('#file-report').click());
      await expectText(p.locator('.notice'), '进展已报送', { hint: 'qinghe-reported' });
      await expectText(p.locator('#sv-counts'), '已报 1 次', { hint: 'counts' });
      await expectText(p.locator('#reports'), REPORT, { hint: 'report-listed' });
      await fitsThePhone(p, 'supervision-reported-phone');
      await screenshot(p, shot('desk-supervision-phone'));
      await completeHere(p, { opinion: '全部检查整改完毕，附整改台账' });
      await expectText(p.locator('.notice'), '已办理', { hint: 'applied' });
    } finally {
      await phone.context.close();
    }
  });
}

onEngines(import.meta.url, 'desk journeys', journeys);

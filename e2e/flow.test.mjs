// An internal request (内部事项审批) in real headless Chromium, from the secretary's draft to the
// director's approval: the 科长 returns it with an opinion, it comes straight back to her once
// resubmitted, a page left open while the case moved shows the conflict instead of acting, the
// secretary's open workbench announces the returned item by itself, and the closed case's
// timeline keeps every opinion. On SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set
// (under CI=true it must be).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE,
  createPostgresDatabase,
  expectText,
  launch,
  navigating,
  screenshot,
  signIn as signInAt,
  startServer,
  onEngines,
} from './lib.mjs';

const JOURNEY_TIMEOUT_MS = 180_000;

const TITLE = '关于购置会议室投影设备的请示';
const BODY = '三楼会议室投影仪已使用八年，亮度不足，影响视频会议。\n拟购置新投影仪一台，请审批。';
const RETURN_OPINION = '请补充经费预算';
const RESUBMIT_OPINION = '已补充经费预算：约1.2万元，列支办公设备购置费';
const CHIEF_OPINION = '同意，报主任';
const DIRECTOR_OPINION = '同意购置，按政府采购程序办理';

function journeys(backend, { databaseUrl } = {}) {
  const shot = (name) => (backend === 'SQLite' ? name : `${backend.toLowerCase()}-${name}`);
  let server;
  let browser;
  let database;

  before(async () => {
    if (databaseUrl) database = createPostgresDatabase(databaseUrl);
    server = await startServer({ databaseUrl: database?.url, label: `flow-${backend.toLowerCase()}` });
    browser = await launch();
  }, { timeout: 240_000 });

  after(async () => {
    await browser?.close();
    await server?.stop();
    database?.drop();
  });

  /** A desktop browser signed in as `login` (the 科长 chooses her 秘书一科 post). */
  async function signIn(login) {
    return signInAt(browser, server.url, login);
  }

  /** Opens a workbench tab and the case of TITLE in it. */
  async function openFromQueue(page, tab, hint) {
    await navigating(page, () => page.locator('nav.queue-tabs a', { hasText: tab }).click());
    const link = page.locator('table.queue td.title a', { hasText: TITLE });
    await expectText(link, TITLE, { hint: `${hint}-queue` });
    await navigating(page, () => link.first().click());
    await expectText(page.locator('h1'), TITLE, { hint: `${hint}-case` });
  }

  /** Submits the completion form of the case page with a decision and an opinion. */
  async function complete(page, decision, opinion) {
    const form = page.locator('form.act-complete');
    if (decision) await form.getByLabel(decision, { exact: true }).check();
    await form.locator('textarea[name=opinion]').fill(opinion);
    await navigating(page, () => form.locator('button[type=submit]').click());
  }

  test('an internal request is returned, resubmitted, approved twice and closed with every opinion on record', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const secretary = await signIn('mishu');
    const chief = await signIn('kezhang');
    let director;
    try {
      // The secretary starts the request from the workbench.
      const s = secretary.page;
      await navigating(s, () => s.getByRole('link', { name: '发起内部事项' }).click());
      await expectText(s.locator('h1'), '发起内部事项', { hint: 'new-case' });
      await s.getByLabel('标题').fill(TITLE);
      await s.getByLabel('正文').fill(BODY);
      await navigating(s, () => s.getByRole('button', { name: '提交审批' }).click());
      await expectText(s.locator('h1'), TITLE, { hint: 'started' });
      await expectText(s.locator('.notice'), '事项已发起', { hint: 'started-notice' });
      assert.equal(await s.locator('.body-text').innerText(), BODY, 'the body keeps its line break');
      const caseUrl = new URL(s.url());
      caseUrl.search = '';

      await navigating(s, () => s.locator('nav.areas a', { hasText: '工作台' }).click());
      await navigating(s, () => s.locator('nav.queue-tabs a', { hasText: '我发起的' }).click());
      const mine = s.locator('table.queue tbody tr', { hasText: TITLE });
      await expectText(mine, '科长审核', { hint: 'started-queue' });
      await expectText(mine, '办理中', { hint: 'started-status' });

      // Her workbench stays open on 待办 while the 科长 works.
      await navigating(s, () => s.locator('nav.queue-tabs a', { hasText: '待办' }).click());
      // Nothing of this request waits for her (the demo may give her other work).
      assert.equal(
        await s.locator('table.queue tbody tr', { hasText: TITLE }).count(),
        0,
        'the request is not in the secretary\'s 待办 while the 科长 works',
      );
      const todoBefore = Number((await s.locator('[data-count=todo]').innerText()).trim());

      // The 科长 finds it in 待办 and returns it to 拟稿 with an opinion.
      const k = chief.page;
      await openFromQueue(k, '待办', 'chief');
      const back = k.locator('form.act-return');
      await back.getByLabel('退回到').selectOption({ label: '拟稿' });
      await back.getByLabel('退回理由').fill(RETURN_OPINION);
      // 退回 asks first; the 科长 confirms.
      k.once('dialog', (d) => d.accept());
      await navigating(k, () => back.getByRole('button', { name: '退回' }).click());
      assert.equal(new URL(k.url()).pathname, '/', 'with nothing left to do the 科长 is back on the workbench');
      await expectText(k.locator('.notice'), '已退回', { hint: 'returned-notice' });

      // The secretary's open workbench says so by itself; she follows the banner.
      await expectText(s.locator('#queue-banner'), '有新的待办，点击刷新', { timeout: 20_000, hint: 'live-banner' });
      await expectText(s.locator('[data-count=todo]'), String(todoBefore + 1), { hint: 'live-count' });
      await navigating(s, () => s.locator('#queue-banner a').click());
      await openFromQueue(s, '待办', 'secretary-returned');
      await expectText(s.locator('.timeline blockquote.opinion'), RETURN_OPINION, { hint: 'return-opinion' });
      await complete(s, null, RESUBMIT_OPINION);
      await expectText(s.locator('.notice'), '已办理', { hint: 'resubmitted' });

      // It comes straight back to the 科长. She opens it; meanwhile the secretary pauses and
      // resumes the case, so the page the 科长 has open is out of date.
      await navigating(k, () => k.locator('nav.areas a', { hasText: '工作台' }).click());
      await openFromQueue(k, '待办', 'chief-again');
      await expectText(k.locator('.case-actions h3'), '科长审核', { hint: 'chief-step' });
      const form = k.locator('form.act-complete');
      await form.getByLabel('同意', { exact: true }).check();
      await form.locator('textarea[name=opinion]').fill(CHIEF_OPINION);

      await s.goto(caseUrl.href);
      const pause = s.locator('details.more', { hasText: '挂起事项' });
      await pause.locator('summary').click();
      await pause.getByLabel('挂起原因').fill('等待财务科确认预算');
      await navigating(s, () => pause.getByRole('button', { name: '挂起' }).click());
      await expectText(s.locator('.notice'), '事项已挂起', { hint: 'paused' });
      await navigating(s, () => s.getByRole('button', { name: '恢复办理' }).click());
      await expectText(s.locator('.notice'), '事项已恢复办理', { hint: 'resumed' });

      const answer = k.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/act'));
      await navigating(k, () => form.locator('button[type=submit]').click());
      assert.equal((await answer).status(), 409, 'acting on an out-of-date page is a conflict');
      await expectText(k.locator('#act-error'), '该事项已被他人更新', { hint: 'stale' });
      assert.equal(await k.locator('form.act-complete textarea[name=opinion]').inputValue(), CHIEF_OPINION, 'the opinion typed is kept');
      assert.ok(await k.locator('form.act-complete').getByLabel('同意', { exact: true }).isChecked(), 'so is the decision');
      await screenshot(k, shot('flow-stale'));
      await navigating(k, () => k.locator('form.act-complete button[type=submit]').click());
      await expectText(k.locator('.notice'), '已办理', { hint: 'chief-approved' });

      // The director approves.
      director = await signIn('zhuren');
      const z = director.page;
      await openFromQueue(z, '待办', 'director');
      await expectText(z.locator('.case-actions h3'), '主任审批', { hint: 'director-step' });
      for (const opinion of [RETURN_OPINION, RESUBMIT_OPINION, CHIEF_OPINION]) {
        await expectText(z.locator('.timeline blockquote.opinion'), opinion, { hint: 'director-reads' });
      }
      await complete(z, '同意', DIRECTOR_OPINION);
      await expectText(z.locator('.notice'), '已办理', { hint: 'director-approved' });

      // The case is closed; its timeline holds every opinion and decision.
      await s.goto(caseUrl.href);
      await expectText(s.locator('.case-facts'), '已办结', { hint: 'closed' });
      const timeline = s.locator('.timeline');
      for (const opinion of [RETURN_OPINION, RESUBMIT_OPINION, CHIEF_OPINION, DIRECTOR_OPINION]) {
        await expectText(timeline.locator('blockquote.opinion'), opinion, { hint: 'closed-opinions' });
      }
      await expectText(timeline.locator('.tl-text'), '退回「拟稿」', { hint: 'timeline-return' });
      await expectText(timeline.locator('.tl-decision'), '同意', { hint: 'timeline-decision' });
      await expectText(timeline.locator('.tl-text'), '办结', { hint: 'timeline-closed' });
      assert.equal(await s.locator('.case-actions').count(), 0, 'nothing is left to do on a closed case');
      await screenshot(s, shot('flow-case-closed'));

      await navigating(s, () => s.locator('nav.areas a', { hasText: '工作台' }).click());
      await navigating(s, () => s.locator('nav.queue-tabs a', { hasText: '我发起的' }).click());
      await expectText(s.locator('table.queue tbody tr', { hasText: TITLE }), '已办结', { hint: 'started-closed' });
      await navigating(k, () => k.locator('nav.areas a', { hasText: '工作台' }).click());
      await navigating(k, () => k.locator('nav.queue-tabs a', { hasText: '已办' }).click());
      await expectText(k.locator('table.queue tbody'), CHIEF_OPINION, { hint: 'chief-done' });

      // A leader reads the closed case on a phone: nothing wider than the screen.
      const phone = await browser.newContext({ ...PHONE, storageState: await secretary.context.storageState() });
      try {
        const small = await phone.newPage();
        await small.goto(caseUrl.href);
        await expectText(small.locator('h1'), TITLE, { hint: 'phone-case' });
        const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 1, `the case page fits a 390 px screen (overflow ${overflow} px)`);
        await screenshot(small, shot('flow-case-phone'));
        await small.goto(`${server.url}/?queue=started`);
        await expectText(small.locator('h1'), '我的工作台', { hint: 'phone-workbench' });
        const benchOverflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(benchOverflow <= 1, `the workbench fits a 390 px screen (overflow ${benchOverflow} px)`);
        await screenshot(small, shot('flow-workbench-phone'));
      } finally {
        await phone.close();
      }
    } finally {
      await director?.context.close();
      await chief.context.close();
      await secretary.context.close();
    }
  });
}

onEngines(import.meta.url, 'flow journeys', journeys);

// Helpers for the browser journeys: start the real `xiaoneng` binary on a free port with the
// demo organisation, launch Debian's headless Chromium through playwright-core, sign in, and
// keep screenshots and server logs under e2e/test-results/.
//
// Nothing here knows a page's layout; the journeys (*.test.mjs) hold every selector.

import { spawn, execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chromium } from 'playwright-core';

/** The repository's root folder. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where screenshots and server logs go (ignored by git). */
export const resultsDir = join(repoRoot, 'e2e', 'test-results');

/** The binary under test: $XIAONENG_BIN (relative to the repository root) or the debug build. */
export const binaryPath = resolve(repoRoot, process.env.XIAONENG_BIN || 'target/debug/xiaoneng');

/** The demo accounts' password (xn-service's demo data). */
export const DEMO_PASSWORD = 'Xiaoneng@2026';

/** The second factor's secret of the demo's three administrators (README). */
export const DEMO_FACTOR_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** The demo accounts that must give the second factor at sign-in. */
export const DEMO_FACTOR_LOGINS = ['sysadmin', 'secadmin', 'auditor'];

/** The bytes of a base32 (RFC 4648) text. */
function base32Bytes(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The six-digit TOTP code (RFC 6238: HMAC-SHA1, 30 s steps) of a base32 secret at time step `step`. */
export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Bytes(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(value % 1_000_000).padStart(6, '0');
}

// The last step used per server and login: the server accepts a code once, so a second
// sign-in within the same step takes the next step's code (the server allows one step ahead),
// and a third waits for the clock.
const usedSteps = new Map();

/**
 * A code of `secret` for `login` at the server `origin` that the server has not accepted yet;
 * waits for the next 30 s step when this one and the next are spent.
 */
export async function factorCode(origin, login, secret = DEMO_FACTOR_SECRET) {
  const key = `${origin} ${login}`;
  for (;;) {
    const now = Math.floor(Date.now() / 30_000);
    const step = Math.max(now, (usedSteps.get(key) ?? 0) + 1);
    if (step <= now + 1) {
      usedSteps.set(key, step);
      return totp(secret, step);
    }
    // Waiting for the clock's next TOTP step: there is no event to wait for.
    await delay((now + 1) * 30_000 - Date.now() + 100);
  }
}

/** The phone viewport for mobile screenshots. */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** The desktop viewport. */
export const DESKTOP = { viewport: { width: 1280, height: 800 } };

// The demo city loads a year of every area's work through the services: in a debug build about
// 40 s on SQLite and 2–3 minutes on PostgreSQL while the other engine's template loads beside it
// (e2e/template.mjs); a journey's server from a template answers in seconds.
const READY_TIMEOUT_MS = 360_000;
const STOP_TIMEOUT_MS = 10_000;

async function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

/**
 * Creates an empty UTF-8 database on the PostgreSQL server of `baseUrl` (for example
 * TEST_POSTGRES_URL) and returns `{ url, drop() }`, `url` pointing at the new database.
 */
export function createPostgresDatabase(baseUrl, { fresh = false } = {}) {
  const base = new URL(baseUrl);
  const name = `xn_e2e_${randomBytes(6).toString('hex')}`;
  const host = base.hostname || '127.0.0.1';
  const port = base.port || '5432';
  const user = decodeURIComponent(base.username || 'postgres');
  const adminDb = decodeURIComponent(base.pathname.replace(/^\//, '')) || 'postgres';
  const env = { ...process.env };
  if (base.password) env.PGPASSWORD = decodeURIComponent(base.password);
  const psql = (sql) =>
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', port, '-U', user, '-d', adminDb, '-c', sql], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  // A demo city made once for the whole run (scripts/e2e, e2e/template.mjs) is copied;
  // otherwise the server loads the demo itself.
  const template = fresh ? null : process.env.XN_E2E_PG_TEMPLATE;
  if (template && /^[a-z0-9_]+$/.test(template)) {
    psql(`create database ${name} template ${template}`);
  } else {
    psql(`create database ${name} template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop() {
      try {
        psql(`drop database if exists ${name} with (force)`);
      } catch (err) {
        console.error(`could not drop ${name}: ${err.stderr || err}`);
      }
    },
  };
}

/**
 * Starts `xiaoneng serve --demo` on a free loopback port, on a fresh SQLite data directory or,
 * with `databaseUrl`, on that database. Resolves once `GET /readyz` answers 200 (at most 60 s).
 * The server's output goes to e2e/test-results/server-<label>.log.
 *
 * @param {{ databaseUrl?: string, label?: string }} [options]
 * @returns {Promise<{ url: string, stop: () => Promise<void>, console: (args: string[]) => string }>}
 */
export async function startServer({ databaseUrl, label, keepData = false } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'xn-e2e-'));
  // A demo city made once for the whole run is copied (the server then finds it loaded).
  // On PostgreSQL the server's directory still holds its keys (the seal key that encrypts
  // the second factors and seals the audit chain): the template's are copied with it.
  const template = databaseUrl ? process.env.XN_E2E_PG_TEMPLATE_DIR : process.env.XN_E2E_SQLITE_TEMPLATE;
  if (template && existsSync(template) && (!databaseUrl || process.env.XN_E2E_PG_TEMPLATE)) {
    cpSync(template, dataDir, { recursive: true });
  }
  const args = ['serve', '--demo', '--addr', `127.0.0.1:${port}`];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  else args.push('--data-dir', dataDir);

  mkdirSync(resultsDir, { recursive: true });
  const logPath = join(resultsDir, `server-${label || (databaseUrl ? 'postgres' : 'sqlite')}-${port}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(binaryPath, args, {
    cwd: dataDir,
    env: { ...process.env, XIAONENG_HASH_MEMORY_KIB: '1024' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let exited = null;
  const exit = new Promise((ok) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      ok(exited);
    });
    child.on('error', (err) => {
      exited = { error: err };
      ok(exited);
    });
  });

  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exit;
      clearTimeout(timer);
    }
    log.end();
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
  };

  // `xiaoneng <args…>` at the server's console, on the server's data; answers its output.
  const runConsole = (consoleArgs) => {
    const where = databaseUrl ? ['--database-url', databaseUrl] : ['--data-dir', dataDir];
    return execFileSync(binaryPath, [...consoleArgs, ...where], { cwd: dataDir, encoding: 'utf8' });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited) {
      await stop();
      throw new Error(`xiaoneng (${binaryPath} ${args.join(' ')}) exited before it was ready: ` +
        `${JSON.stringify(exited.error ? String(exited.error) : exited)}; see ${logPath}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return { url, stop, console: runConsole, dataDir };
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err.cause?.code || err.message || err);
    }
    // Polling a starting process: there is no event to wait for.
    await delay(200);
  }
  await stop();
  throw new Error(`xiaoneng did not answer GET /readyz with 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last}); see ${logPath}`);
}

/** Launches Debian's Chromium, headless, with the flags this closed network needs. */
export async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Saves a full-page screenshot to e2e/test-results/<name>.png and returns its path. A long page
 * at phone width (the auditor's log) can take longer than an action's ten seconds to capture on
 * a busy machine; the picture is evidence, not an assertion, so it gets a minute.
 */
export async function screenshot(page, name) {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true, timeout: 60_000 });
  return path;
}

/**
 * Waits until some element matched by `locator` is visible and contains `text`; otherwise fails
 * with what the page did show, and saves a screenshot named `failed-<hint>`.
 */
export async function expectText(locator, text, { timeout = 10_000, hint } = {}) {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout });
  } catch {
    const page = locator.page();
    const found = await locator.allInnerTexts().catch(() => []);
    const shot = await screenshot(page, `failed-${hint || 'expect-text'}`).catch(() => '(no screenshot)');
    assert.fail(`expected ${locator} to contain ${JSON.stringify(text)} on ${page.url()}; ` +
      `found ${JSON.stringify(found)}; screenshot ${shot}`);
  }
}

/**
 * Runs `action` (which submits a form or follows a link) and resolves once the page that
 * replaced the current document has loaded.
 */
export async function navigating(page, action, { timeout = 15_000 } = {}) {
  await page.evaluate(() => {
    window.__xnOldDocument = true;
  });
  await action();
  try {
    await page.waitForFunction(() => !window.__xnOldDocument && document.readyState === 'complete', null, { timeout });
  } catch (err) {
    const shot = await screenshot(page, 'failed-navigation').catch(() => '(no screenshot)');
    assert.fail(`expected a new page to load after the action on ${page.url()} (${err.message.split('\n')[0]}); screenshot ${shot}`);
  }
}

/**
 * Signs in on the login page already open in `page`; resolves when the next page has loaded.
 * The demo's administrators then give their second factor, computed here from the demo secret.
 */
export async function submitLogin(page, login, password = DEMO_PASSWORD) {
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill(password);
  await navigating(page, () => page.getByRole('button', { name: '登录', exact: true }).click());
  const url = new URL(page.url());
  if (url.pathname === '/login/factor' && DEMO_FACTOR_LOGINS.includes(login)) {
    await submitFactor(page, await factorCode(url.origin, login));
  }
}

/** Gives a code on the second step of signing in (`/login/factor`, open in `page`). */
export async function submitFactor(page, code) {
  await page.locator('input[name=code]').fill(code);
  await navigating(page, () => page.getByRole('button', { name: '验证并登录' }).click());
}

/**
 * A desktop browser context of `browser` signed in as `login` at the server `url`, on the
 * workbench. A person with several posts (the demo's 科长) takes her 秘书一科 post.
 */
export async function signIn(browser, url, login) {
  const context = await browser.newContext(DESKTOP);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto(`${url}/login`);
  await submitLogin(page, login);
  if (new URL(page.url()).pathname === '/choose-post') {
    await navigating(page, () => page.getByRole('button', { name: '秘书一科 · 科长' }).click());
  }
  await expectText(page.locator('h1'), '我的工作台', { hint: `${login}-workbench` });
  return { context, page };
}

/** The journey files in the order the alternation counts them (a file not listed counts last). */
const JOURNEY_FILES = ['calendar', 'complaints', 'desk', 'documents', 'efficiency', 'factor', 'flow', 'foundation', 'information', 'management', 'meetings', 'research', 'service', 'supervision', 'minutes', 'schedule', 'study', 'topics', 'yearsum', 'satisfaction'];

/**
 * Registers a file's journeys on the engines this run covers: `journeys(label, options)`
 * registers its tests for one engine (options carry `databaseUrl` for PostgreSQL).
 *
 * By default every journey runs on SQLite and, with TEST_POSTGRES_URL, on PostgreSQL; in CI
 * (CI=true) a missing TEST_POSTGRES_URL fails instead of skipping. With
 * XN_E2E_ENGINES=alternate (what CI runs, to keep its time), each file's journeys run on one
 * engine: the files alternate between the engines in JOURNEY_FILES order, and the assignment
 * flips with the parity of XN_E2E_ROUND (scripts/e2e passes the commit count), so two
 * consecutive rounds run every journey on both. The integration tests keep both engines on every
 * run.
 *
 * @param {string} fileUrl the file's `import.meta.url`
 * @param {string} name what the journeys are, e.g. 'desk journeys'
 * @param {(label: string, options?: { databaseUrl?: string }) => void} journeys
 */
export function onEngines(fileUrl, name, journeys) {
  const postgresUrl = process.env.TEST_POSTGRES_URL;
  const inCi = process.env.CI === 'true';
  const file = fileURLToPath(fileUrl).split('/').pop().replace(/\.test\.mjs$/, '');
  let sqlite = true;
  let postgres = true;
  if (process.env.XN_E2E_ENGINES === 'alternate') {
    const index = JOURNEY_FILES.includes(file) ? JOURNEY_FILES.indexOf(file) : JOURNEY_FILES.length;
    const round = Number.parseInt(process.env.XN_E2E_ROUND || '0', 10) || 0;
    const onPostgres = (index + round) % 2 === 1;
    sqlite = !onPostgres || !postgresUrl;
    postgres = onPostgres;
  }
  if (sqlite) {
    describe(`${name} on SQLite`, () => journeys('SQLite'));
  }
  if (!postgres) return;
  if (postgresUrl) {
    describe(`${name} on PostgreSQL`, () => journeys('PostgreSQL', { databaseUrl: postgresUrl }));
  } else if (inCi) {
    test(`${name} on PostgreSQL`, () => {
      assert.fail('CI=true but TEST_POSTGRES_URL is not set: the PostgreSQL journeys may not be skipped in CI');
    });
  } else {
    test(`${name} on PostgreSQL`, { skip: 'TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres)' }, () => {});
  }
}

/** Fails when the page is wider than the screen (something would need sideways scrolling). */
export async function nothingWider(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width + 1, `${what}: the page is ${scroll} px wide on a ${width} px screen`);
}

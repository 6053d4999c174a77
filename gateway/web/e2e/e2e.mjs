// End-to-end test of the web UI in a real browser (Debian's chromium, driven by playwright-core) against a
// running stack: PostgreSQL, sync_service, a worker, and the gateway serving gateway/web/dist.
//
//   SYNCD_GATEWAY_URL=http://127.0.0.1:8080 node gateway/web/e2e/e2e.mjs [main|unreachable]
//
// The C++ test tests/integration/web_e2e_test.cc starts the stack and runs this twice: `main` (the user
// journeys of issue 6) with everything up, then `unreachable` after stopping sync_service. Screenshots go to
// SYNCD_E2E_ARTIFACTS (default build/test-artifacts/web). Exits 0 when every step passed; otherwise prints
// the failed step, saves a screenshot of the page as it was, and exits 1.
import { mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const base = (process.env.SYNCD_GATEWAY_URL ?? '').replace(/\/$/, '');
const phase = process.argv[2] ?? 'main';
const artifacts = resolve(process.env.SYNCD_E2E_ARTIFACTS ?? 'build/test-artifacts/web');
const chromiumPath = process.env.SYNCD_CHROMIUM ?? '/usr/bin/chromium';
// How long a step waits for the UI to show something that should take a second or two.
const kWait = Number(process.env.SYNCD_E2E_WAIT_MS ?? 30000);

if (!base) {
  console.error('SYNCD_GATEWAY_URL is not set (e.g. http://127.0.0.1:8080)');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
// Failure screenshots of an earlier run would pass for this one's.
for (const f of readdirSync(artifacts)) {
  if (f.startsWith(`failure-${phase}-`)) rmSync(join(artifacts, f));
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

class StepFailure extends Error {}

function check(condition, message) {
  if (!condition) throw new StepFailure(message);
}

/** Polls `probe` until it returns a truthy value; fails with `what` and the last value seen after kWait. */
async function until(what, probe, timeout = kWait) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) throw new StepFailure(`timed out waiting for ${what} (last seen: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the locator's text matches `pattern`; returns the text. */
async function textMatches(locator, pattern, what) {
  let text;
  await until(`${what} to match ${pattern}`, async () => {
    text = (await locator.textContent({ timeout: 2000 })) ?? '';
    return pattern.test(text) ? text : false;
  });
  return text;
}

async function api(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new StepFailure(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

let page;
let stepCount = 0;
async function step(name, body) {
  stepCount++;
  const started = Date.now();
  try {
    await body();
    console.log(`ok ${stepCount} - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    console.log(`not ok ${stepCount} - ${name}`);
    console.log(`  ${e instanceof Error ? e.message : String(e)}`);
    if (!(e instanceof StepFailure) && e instanceof Error && e.stack) console.log(e.stack);
    if (page) {
      const shot = join(artifacts, `failure-${phase}-step${stepCount}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      console.log(`  screenshot of the page: ${shot}`);
    }
    throw e;
  }
}

const card = (name) => page.locator('article[data-testid="integration-card"]', { has: page.getByRole('heading', { name, exact: true }) });
const light = (c) => c.getByTestId('status-light');
const dialog = () => page.getByRole('dialog');

async function lightIs(c, color, what) {
  await until(`${what}: status light ${color}`, async () => ((await light(c).getAttribute('data-light')) === color ? true : `${await light(c).getAttribute('data-light')} (${await light(c).textContent()})`));
}

/** Fills the New integration form (DEMO) and submits it. */
async function fillDemoForm({ name, records, latencyMs, failureRate, errorCode, interval }) {
  const form = dialog();
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Type').selectOption('DEMO');
  if (records !== undefined) await form.getByLabel('Records', { exact: true }).fill(String(records));
  if (latencyMs !== undefined) await form.getByLabel('Latency (ms)').fill(String(latencyMs));
  if (failureRate !== undefined) await form.getByLabel('Failure rate').fill(String(failureRate));
  if (errorCode !== undefined) await form.getByLabel('Error code of failures').fill(errorCode);
  if (interval !== undefined) await form.getByLabel('Sync interval').selectOption({ label: interval });
}

/**
 * The error text shown for a field, found through the control's aria-describedby as a screen reader would,
 * and its aria-invalid; read in one go in the page, so both come from the same render.
 */
async function errorBeside(label) {
  return dialog()
    .getByLabel(label, { exact: true })
    .evaluate((control) => {
      const ids = (control.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
      const error = ids.map((id) => document.getElementById(id)).find((el) => el?.classList.contains('field-error'));
      return { invalid: control.getAttribute('aria-invalid'), text: error?.textContent ?? '' };
    });
}

async function waitRunEnded(integrationId, runId) {
  return until(`run ${runId} to end`, async () => {
    const history = await api('GET', `/api/integrations/${integrationId}/sync-history?page=1&pageSize=20`);
    const run = (history.logs ?? []).find((r) => r.id === runId);
    return run && !['PENDING', 'RUNNING'].includes(run.status) ? run : false;
  });
}

// ---------------------------------------------------------------------------------------------------------
// The journeys

async function mainPhase() {
  const demo = 'E2E demo orders';
  const failing = 'E2E failing source';
  let demoId;

  await step('the main screen loads with the workers panel', async () => {
    await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
    await page.getByRole('heading', { name: 'syncd', level: 1 }).waitFor({ timeout: kWait });
    await textMatches(page.getByTestId('workers-summary'), /^1 connected · running \d+ of \d+ slots$/, 'the workers summary');
    check(await page.getByTestId('worker').count() === 1, 'one worker is listed');
    check(await page.getByTestId('unreachable-banner').count() === 0, 'no unreachable banner while everything is up');
  });

  await step('a server validation error appears beside the field it names', async () => {
    await page.getByRole('button', { name: 'New integration' }).click();
    await dialog().waitFor({ timeout: kWait });
    await fillDemoForm({ name: '', failureRate: 2 });
    await dialog().getByRole('button', { name: 'Create integration' }).click();
    const rate = await until('an error beside Failure rate', async () => {
      const e = await errorBeside('Failure rate');
      return e.text ? e : false;
    });
    check(/between 0 and 1/.test(rate.text), `the failure rate error says the range: "${rate.text}"`);
    check(rate.invalid === 'true', 'the failure rate field is marked invalid');
    const name = await errorBeside('Name');
    check(/required|empty/.test(name.text), `the name error says it is needed: "${name.text}"`);
    check((await errorBeside('Records')).text === '', 'a valid field shows no error');
    await textMatches(dialog().getByTestId('form-summary'), /Not saved/, 'the form summary');
    check(await dialog().getByLabel('Failure rate').inputValue() === '2', 'what was typed is kept');
  });

  await step('create a DEMO integration through the form; it syncs and turns green', async () => {
    await fillDemoForm({ name: demo, records: 25, latencyMs: 1500, failureRate: 0 });
    const preview = await dialog().getByTestId('next-sync-preview').textContent();
    check(/first sync starts as soon as you save/.test(preview ?? ''), `the form says when the first sync is: "${preview}"`);
    check((await dialog().getByLabel('Sync interval').locator('option:checked').textContent()) === 'Every hour', 'an hour is the default interval');
    await dialog().getByRole('button', { name: 'Create integration' }).click();
    await dialog().waitFor({ state: 'detached', timeout: kWait });
    const c = card(demo);
    await c.waitFor({ timeout: kWait });
    demoId = await c.getAttribute('data-integration-id');
    await lightIs(c, 'green', 'the new integration after its first sync');
    await textMatches(c.getByTestId('last-synced'), /^Last synced (just now|\d+ s ago)$/, 'last synced');
    await textMatches(c.getByTestId('next-sync'), /^Next sync in (59 min|1 h)$/, 'the countdown');
    await textMatches(c.getByTestId('interval'), /^Every hour$/, 'the interval');
  });

  await step('Sync now shows the run going, then its outcome, without a reload', async () => {
    const c = card(demo);
    const navigations = [];
    page.on('framenavigated', (f) => f === page.mainFrame() && navigations.push(f.url()));
    await c.getByRole('button', { name: 'Sync now' }).click();
    await c.getByTestId('sync-running').waitFor({ timeout: kWait });
    await lightIs(c, 'yellow', 'while the sync runs');
    await textMatches(c.getByTestId('sync-outcome'), /^Sync succeeded in [\d.]+ s: 25 records \(0 new, 0 updated\)\.$/, 'the outcome');
    check(navigations.length === 0, `the page did not reload (${navigations.join(', ')})`);
    await lightIs(c, 'green', 'after Sync now');
  });

  await step('the records preview lists the synced records', async () => {
    await card(demo).getByRole('button', { name: 'Records' }).click();
    const table = dialog().getByTestId('records-table');
    await table.waitFor({ timeout: kWait });
    await textMatches(dialog().getByTestId('pager-position'), /^Page 1 of 2 · 25 records$/, 'the records pager');
    check((await table.locator('tbody tr').count()) === 20, 'a page of 20 records');
    check(/Demo record/.test((await table.textContent()) ?? ''), 'records show their data');
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached', timeout: kWait });
  });

  await step('the history pages through the runs, newest first', async () => {
    // Ten more manual runs through the gateway's API, as a script would; the UI shows them.
    for (let i = 0; i < 10; i++) {
      const answer = await api('POST', `/api/integrations/${demoId}/sync`, {});
      await waitRunEnded(demoId, answer.run.id);
    }
    await card(demo).getByRole('button', { name: 'History' }).click();
    const table = dialog().getByTestId('history-table');
    await table.waitFor({ timeout: kWait });
    await textMatches(dialog().getByTestId('pager-position'), /^Page 1 of 2 · 12 runs$/, 'the history pager');
    const rows = table.getByTestId('history-row');
    check((await rows.count()) === 10, 'ten runs on the first page');
    const first = await rows.first().textContent();
    check(/Succeeded/.test(first) && /Manual/.test(first) && /\d+ \/ 0/.test(first), `the newest run is a successful manual run: "${first}"`);
    await page.screenshot({ path: join(artifacts, 'history.png'), fullPage: true });

    await dialog().getByRole('button', { name: 'Older →' }).click();
    await textMatches(dialog().getByTestId('pager-position'), /^Page 2 of 2 · 12 runs$/, 'the second page');
    await until('two runs on the last page', async () => (await rows.count()) === 2);
    const oldest = await rows.last().textContent();
    check(/Scheduled/.test(oldest) && /25 \/ 0/.test(oldest), `the oldest run is the first scheduled sync, 25 inserted: "${oldest}"`);
    check((await dialog().getByRole('button', { name: 'Older →' }).getAttribute('aria-disabled')) === 'true', 'no page after the last');
    await dialog().getByRole('button', { name: '← Newer' }).click();
    await textMatches(dialog().getByTestId('pager-position'), /^Page 1 of 2/, 'back on the first page');
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached', timeout: kWait });
  });

  await step('changing the interval moves the next sync time', async () => {
    const c = card(demo);
    await textMatches(c.getByTestId('next-sync'), /^Next sync in (59 min|1 h)$/, 'the hourly countdown');
    await c.getByRole('button', { name: 'Edit' }).click();
    await dialog().waitFor({ timeout: kWait });
    const before = await dialog().getByTestId('next-sync-preview').textContent();
    check(/\(in (59 min|1 h)\)/.test(before), `the form shows the current next sync: "${before}"`);
    await dialog().getByLabel('Sync interval').selectOption({ label: 'Every 5 minutes' });
    await textMatches(dialog().getByTestId('next-sync-preview'), /\(in [34] min\)/, 'the form’s new next sync');
    await dialog().getByRole('button', { name: 'Save changes' }).click();
    await dialog().waitFor({ state: 'detached', timeout: kWait });
    await textMatches(c.getByTestId('interval'), /^Every 5 minutes$/, 'the new interval');
    await textMatches(c.getByTestId('next-sync'), /^Next sync in [34] min$/, 'the countdown after the change');
    const fromApi = await api('GET', `/api/integrations/${demoId}`);
    check(fromApi.syncInterval === 300, `the API has the new interval (${fromApi.syncInterval})`);
  });

  await step('pause and resume', async () => {
    const c = card(demo);
    await c.getByRole('button', { name: 'Pause' }).click();
    await lightIs(c, 'grey', 'paused');
    await textMatches(light(c), /^Paused$/, 'the status label');
    await textMatches(c.getByTestId('next-sync'), /^Paused: no scheduled syncs$/, 'the next sync while paused');
    check((await api('GET', `/api/integrations/${demoId}`)).syncEnabled === false, 'the API says paused');
    await c.getByRole('button', { name: 'Resume' }).click();
    await lightIs(c, 'green', 'resumed');
    await textMatches(c.getByTestId('next-sync'), /^Next sync in [34] min$/, 'the countdown after resuming');
  });

  await step('a failing integration shows its error and the suggested fix in the history', async () => {
    await page.getByRole('button', { name: 'New integration' }).click();
    await dialog().waitFor({ timeout: kWait });
    // Scheduled (a manual-only integration has no schedule to pause): its first sync starts at once, fails
    // with an error retrying cannot fix, and pauses the schedule.
    await fillDemoForm({ name: failing, records: 5, failureRate: 1, errorCode: 'AUTH_FAILED', interval: 'Daily' });
    await textMatches(dialog().getByTestId('next-sync-preview'), /first sync starts as soon as you save/, 'the preview');
    await dialog().getByRole('button', { name: 'Create integration' }).click();
    await dialog().waitFor({ state: 'detached', timeout: kWait });
    const c = card(failing);
    await c.waitFor({ timeout: kWait });
    await textMatches(c.getByTestId('next-sync'), /Paused: no scheduled syncs/, 'no countdown once paused');
    // A sync by hand of the paused integration fails the same way.
    await c.getByRole('button', { name: 'Sync now' }).click();
    await textMatches(c.getByTestId('sync-outcome'), /^Sync failed \(AUTH_FAILED\): The demo source failed this sync on purpose/, 'the failed outcome');
    await lightIs(c, 'red', 'after the failure');

    await c.getByRole('button', { name: 'History' }).click();
    const row = dialog().getByTestId('history-row').first();
    await row.waitFor({ timeout: kWait });
    check((await row.getAttribute('data-status')) === 'FAILED', 'the newest run failed');
    const toggle = row.getByRole('button', { name: /^AUTH_FAILED:/ });
    check((await toggle.getAttribute('aria-expanded')) === 'false', 'the error starts collapsed');
    await toggle.focus();
    await page.keyboard.press('Enter');
    await textMatches(dialog().getByTestId('run-error'), /AUTH_FAILED: The demo source failed this sync on purpose/, 'the error message');
    await textMatches(dialog().getByTestId('run-suggestion'), /^Suggested fix: The source rejected the credentials/, 'the suggestion');
    await page.screenshot({ path: join(artifacts, 'history-failure.png'), fullPage: true });
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached', timeout: kWait });
  });

  await step('paused by a failure: the card says why and how to fix it, and Resume resumes', async () => {
    const c = card(failing);
    // AUTH_FAILED cannot be fixed by retrying: syncd pauses the schedule at once.
    await textMatches(light(c), /^Paused after failures$/, 'the status label');
    await textMatches(c.getByTestId('paused-reason'), /AUTH_FAILED.*Suggested fix: The source rejected the credentials/, 'the paused reason');
    await c.getByTestId('paused-reason').getByRole('button', { name: 'Resume' }).click();
    await until('the paused reason to go', async () => (await c.getByTestId('paused-reason').count()) === 0);
    await textMatches(light(c), /^Last sync failed$/, 'the status label after resuming');
    // The Sync now outcome stands in for the warning until it is dismissed.
    await c.getByRole('button', { name: 'Dismiss the sync outcome' }).click();
    await textMatches(c.getByTestId('last-failure'), /^Last sync failed: The demo source failed this sync on purpose/, 'the last failure warning');
    const fromApi = await api('GET', `/api/integrations/${await c.getAttribute('data-integration-id')}`);
    check(fromApi.syncEnabled === true && fromApi.pausedReason === undefined, `the API says resumed: ${JSON.stringify(fromApi)}`);
  });

  await step('HTTP_JSON: a bad URL is refused beside its field; a token is shown as set, never echoed', async () => {
    const secret = 'e2e-s3cr3t-token-value';
    const name = 'E2E billing API';
    await page.getByRole('button', { name: 'New integration' }).click();
    await dialog().waitFor({ timeout: kWait });
    const form = dialog();
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Type').selectOption('HTTP_JSON');
    await form.getByLabel('URL').fill('ftp://example.com/items');
    await form.getByLabel('Authentication').selectOption('bearer');
    await form.getByLabel('Token').fill(secret);
    await form.getByLabel('Records path').fill('/data');
    await form.getByLabel('ID field').fill('/id');
    await form.getByLabel('Sync interval').selectOption({ label: 'Manual only' });
    await form.getByRole('button', { name: 'Create integration' }).click();
    const url = await until('an error beside URL', async () => {
      const e = await errorBeside('URL');
      return e.text ? e : false;
    });
    check(/http/.test(url.text), `the URL error says what is allowed: "${url.text}"`);
    await form.getByLabel('URL').fill('http://127.0.0.1:9/items');
    await form.getByRole('button', { name: 'Create integration' }).click();
    await dialog().waitFor({ state: 'detached', timeout: kWait });
    const c = card(name);
    await c.waitFor({ timeout: kWait });
    const id = await c.getAttribute('data-integration-id');
    check((await api('GET', `/api/integrations/${id}`)).config.auth.token === '********', 'the API masks the token');

    await c.getByRole('button', { name: 'Edit' }).click();
    await dialog().waitFor({ timeout: kWait });
    const token = dialog().getByLabel('Token');
    check((await token.inputValue()) === '', 'the token field is empty');
    check((await token.getAttribute('placeholder')) === 'set', 'the token field says it is set');
    check(!(await page.content()).includes(secret), 'the secret is nowhere in the page');
    // Save without touching the token: it is kept (the worker still has it; the API still masks it).
    await dialog().getByRole('button', { name: 'Save changes' }).click();
    await dialog().waitFor({ state: 'detached', timeout: kWait });
    check((await api('GET', `/api/integrations/${id}`)).config.auth.token === '********', 'the token is still set');
  });

  await step('keyboard: the New integration dialog opens with Enter and closes with Escape, focus returns', async () => {
    const button = page.getByRole('button', { name: 'New integration' });
    await button.focus();
    await page.keyboard.press('Enter');
    await dialog().waitFor({ timeout: kWait });
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('id') ?? '');
    const nameId = await dialog().getByLabel('Name', { exact: true }).getAttribute('id');
    check(focused === nameId, 'the name field has the focus');
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached', timeout: kWait });
    check(await page.evaluate(() => document.activeElement?.textContent) === 'New integration', 'focus is back on the button');
  });

  await step('screenshots of the main screen at laptop and phone widths', async () => {
    await page.screenshot({ path: join(artifacts, 'main.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await lightIs(card(demo), 'green', 'at phone width');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 0, `nothing is wider than a phone screen (overflow ${overflow}px)`);
    await page.screenshot({ path: join(artifacts, 'main-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });
}

async function unreachablePhase() {
  await step('with sync_service down the page says so and keeps retrying', async () => {
    await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
    await textMatches(page.getByTestId('unreachable-banner'), /The gateway cannot reach sync_service/, 'the unreachable banner');
    await page.screenshot({ path: join(artifacts, 'unreachable.png'), fullPage: true });
  });
}

// ---------------------------------------------------------------------------------------------------------

const profile = mkdtempSync(join(tmpdir(), 'syncd-e2e-chromium-'));
let context;
let failed = false;
const pageErrors = [];
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
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
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  console.log(`# ${phase}: ${base} in ${chromiumPath} (${context.browser()?.version() ?? 'chromium'})`);
  if (phase === 'main') await mainPhase();
  else if (phase === 'unreachable') await unreachablePhase();
  else throw new Error(`unknown phase ${phase}: main or unreachable`);
  check(pageErrors.length === 0, `the page threw no errors: ${pageErrors.join('; ')}`);
  console.log(`# ${stepCount} steps passed; screenshots in ${artifacts}`);
} catch (e) {
  failed = true;
  if (pageErrors.length) console.log(`# errors the page threw: ${pageErrors.join('; ')}`);
  if (stepCount === 0) console.log(`# could not start: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

// The browser checks of e2e/browser/run, in headless Chromium. Each check is independent
// enough to report on its own; the line at the end counts them.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const ADMIN = process.env.FLUX_WEB_ADMIN_URL;
const VIEWER = process.env.FLUX_WEB_VIEWER_URL;
const NOBODY = process.env.FLUX_WEB_NOBODY_URL;
const SHOTS = process.env.SCREENSHOTS;
const KS = '/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps';
const REPO = '/source.toolkit.fluxcd.io/GitRepository/flux-system/flux-system';
const WEB = '/apps/Deployment/demo-apps/web';
const REPORT = '/batch/CronJob/demo-apps/report';
// The bed's Flux controllers leave objects with a shard key alone (see e2e/testbed): these checks
// set the statuses themselves.
const INERT = { 'sharding.fluxcd.io/key': 'inert' };

/** Reads an object from kube-apiserver as the bed's admin. */
async function kube(path) {
  const response = await fetch(process.env.APISERVER + path, {
    headers: { Authorization: `Bearer ${process.env.ADMIN_TOKEN}` },
  });
  return { status: response.status, body: await response.json() };
}

/** Deletes an object as the bed's admin. */
async function kubeDelete(path) {
  const response = await fetch(process.env.APISERVER + path, {
    method: 'DELETE', headers: { Authorization: `Bearer ${process.env.ADMIN_TOKEN}` },
  });
  assert.equal(response.status, 200, `${path}: ${await response.text()}`);
}

/** Merge-patches an object's status as the bed's admin, as its controller would. */
async function kubeStatus(path, status) {
  const response = await fetch(`${process.env.APISERVER}${path}/status`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${process.env.ADMIN_TOKEN}`, 'Content-Type': 'application/merge-patch+json' },
    body: JSON.stringify({ status }),
  });
  assert.equal(response.status, 200, `${path}: ${await response.text()}`);
}

/** Creates an object as the bed's admin. */
async function kubeCreate(path, body) {
  const response = await fetch(process.env.APISERVER + path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, `${path}: ${await response.text()}`);
}

async function until(what, check, timeout = 10000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'flux-web-chromium-')), {
  executablePath: process.env.CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 860 },
  acceptDownloads: true,
});
const page = context.pages()[0] ?? (await context.newPage());
const consoleErrors = [];
// Errors of flux-web's pages only (the identity provider's login page fetches web fonts it
// cannot reach here); a 401 before logging in is how the API asks for a login.
const ours = (url) => [ADMIN, VIEWER, NOBODY, process.env.FLUX_WEB_OIDC_URL].some((base) => url.startsWith(base));
// Refusals a check provokes on purpose, as [url pattern, status]: the answer it tests.
const provoked = [[/\/nope(\/timeline)?$/, 404], [/\/actions\/reconcile(\?wait=\d+s)?$/, 403],
  [/\/resources\?sort=size$/, 400], [/\/actions\/suspend\?dryRun=true$/, 400]];
page.on('console', (m) => {
  const url = m.location().url || '';
  const expected = provoked.some(([path, status]) => path.test(url) && m.text().includes(`status of ${status}`));
  if (m.type() === 'error' && ours(page.url()) && ours(url || page.url()) && !/status of 401/.test(m.text()) && !expected) {
    consoleErrors.push(`${m.location().url}: ${m.text()}`);
  }
});
page.on('pageerror', (e) => consoleErrors.push(e.message));

/** Saves a screenshot of the page under docs/screenshots/. Times are masked: a screenshot
 * changes when the page does, not because an age moved on. */
async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), mask: [page.locator('time')], maskColor: '#888' });
}

async function toast(text, timeout = 10000) {
  const found = page.locator('.toast', { hasText: text }).first();
  await found.waitFor({ timeout });
  return found.innerText();
}

const checks = [];
const check = (name, fn) => checks.push([name, fn]);

check('the resources page lists the Kustomization, filtered by the query string', async () => {
  await page.goto(`${ADMIN}/resources?namespace=flux-system&kind=Kustomization`);
  const row = page.locator('tr', { hasText: 'apps' }).first();
  await row.waitFor();
  assert.match(await row.innerText(), /Kustomization\s+flux-system\s+apps/);
  assert.equal(await page.locator('tr', { hasText: 'demo-apps' }).count(), 0, 'other namespaces filtered out');
  assert.equal(await page.locator('select').first().inputValue(), 'Kustomization');
});

check('a first load reads the list once, its icon is ours, and its JSON comes compressed', async () => {
  const lists = [];
  const icons = [];
  const seen = (request) => {
    if (request.url().includes('/api/v1/resources')) lists.push(request.url());
    if (/favicon/.test(request.url())) icons.push(request.url());
  };
  page.on('request', seen);
  try {
    await page.goto(`${ADMIN}/resources?namespace=flux-system`);
    await page.locator('tbody tr').first().waitFor();
    await page.waitForTimeout(2000); // longer than the stream's wait and a settle
    assert.equal(lists.length, 1, lists.join('\n'));
    const answer = await page.evaluate(async () => {
      const r = await fetch('/api/v1/resources?limit=500');
      return { ok: r.ok, encoding: r.headers.get('content-encoding') };
    });
    assert.ok(answer.ok && ['br', 'gzip'].includes(answer.encoding), JSON.stringify(answer));
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    assert.match(icon, /^\/favicon-[0-9a-f]{12}\.svg$/);
  } finally {
    page.off('request', seen);
  }
  assert.ok(icons.every((url) => !url.endsWith('/favicon.ico')), icons.join('\n'));
});

check('first load: at most 400 KiB over the wire until the list shows, and how long it takes (printed)', async () => {
  // A browser of its own: nothing cached, no session; the same measure as make bench's.
  const out = execFileSync(process.execPath, [new URL('first-load.mjs', import.meta.url).pathname,
    `${ADMIN}/resources?namespace=flux-system`, 'apps'], { encoding: 'utf8', timeout: 120000 });
  const { bytes, requests, rendered_ms: rendered } = JSON.parse(out.trim().split('\n').pop());
  console.log(`     first load: ${bytes} B on the wire (${(bytes / 1024).toFixed(1)} of 400 KiB), ${requests} requests, `
    + `the list rendered after ${Math.round(rendered)} ms`);
  assert.ok(bytes <= 400 * 1024, `${bytes} B`);
});

check('reconcile: the annotation appears in the cluster and kustomize-controller answers it', async () => {
  await page.goto(`${ADMIN}${KS}`);
  await page.getByRole('button', { name: 'Reconcile' }).click();
  await toast('reconcil');
  const requested = await until('requestedAt on the Kustomization', async () => {
    const { body } = await kube('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps');
    return body.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
  });
  await until('lastHandledReconcileAt', async () => {
    const { body } = await kube('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps');
    return body.status?.lastHandledReconcileAt === requested;
  });
  // The controller's answer, as the page shows it: the revision it applied from the bed's Git server.
  await page.locator('.object-header .message', { hasText: /^Applied revision: main@sha1:[0-9a-f]{40}$/ }).waitFor({ timeout: 10000 });
});

check('pull: the source fetches again before the Kustomization reconciles, and the toast has the controller\'s answer', async () => {
  const repo = '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system';
  const before = (await kube(repo)).body.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
  await page.goto(`${ADMIN}${KS}`);
  await page.getByRole('button', { name: 'Pull', exact: true }).click();
  assert.match(await toast('The controller handled it', 40000), /Ready: True/);
  const after = (await kube(repo)).body.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
  assert.ok(after && after !== before, `the GitRepository was asked too: ${before} -> ${after}`);
});

check('suspend with a reason, shown after a reload; Escape closes the dialog; resume', async () => {
  await page.goto(`${ADMIN}${KS}`);
  await page.getByRole('button', { name: 'Suspend' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Suspend' }).click();
  await page.getByLabel(/Reason/).fill('freeze for the audit, ticket 7');
  await dialog.getByRole('button', { name: 'Suspend' }).click();
  await toast('suspend');
  await page.reload();
  await page.getByText('Suspended by admin: freeze for the audit, ticket 7').waitFor();
  await page.getByRole('button', { name: 'Resume' }).click();
  await toast('resume');
  await page.reload();
  await page.getByRole('button', { name: 'Suspend' }).waitFor();
  assert.equal(await page.getByText('Suspended by').count(), 0);
});

check('a confirmation: what the action does, its dry run refusing a bad end with nothing written, and copy as flux, kubectl, curl', async () => {
  const path = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps';
  const before = (await kube(path)).body.metadata.resourceVersion;
  await page.goto(`${ADMIN}${KS}`);
  await page.getByRole('button', { name: 'Suspend' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm' });
  await dialog.locator('.confirm-what', { hasText: 'Suspend Kustomization flux-system/apps' }).waitFor();
  const verdict = dialog.locator('.dry-run');
  await verdict.locator('.would', { hasText: /^dry run: / }).waitFor();
  const confirm = dialog.getByRole('button', { name: 'Suspend Kustomization flux-system/apps' });
  assert.equal(await confirm.getAttribute('aria-disabled'), 'false');
  // An end beyond the server's maximum: the dry run refuses it, says why, and the button stays
  // marked until the end is fixed.
  await page.getByLabel(/Until/).fill('9999h');
  await page.getByLabel(/Reason/).focus();
  await verdict.locator('.error', { hasText: /^The server would refuse it: .*until/ }).waitFor();
  assert.equal(await confirm.getAttribute('aria-disabled'), 'true');
  assert.equal(await confirm.getAttribute('aria-describedby'), 'dry-run');
  await dialog.getByText(/^Copy as/).click();
  assert.equal(await dialog.getByTestId('copy-flux').innerText(), 'flux suspend kustomization apps -n flux-system');
  assert.match(await dialog.getByTestId('copy-kubectl').innerText(),
    /^kubectl -n flux-system patch kustomization apps --type merge -p '\{"spec":\{"suspend":true\}\}'$/);
  const curl = await dialog.getByTestId('copy-curl').innerText();
  assert.match(curl, /\/api\/v1\/kustomize\.toolkit\.fluxcd\.io\/Kustomization\/flux-system\/apps\/actions\/suspend'/);
  assert.match(curl, /"until": "9999h"/, 'the curl follows the fields');
  await shot('confirm-light.png');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  const after = (await kube(path)).body;
  assert.equal(after.metadata.resourceVersion, before, 'dry runs wrote nothing');
  assert.equal(after.spec.suspend ?? false, false);
});

check('suspend until: the end and its countdown on the page, then the resumer lifts it by itself', async () => {
  // Event times have whole seconds: a suspend in the second after the last check's resume
  // sorts after it in the timeline check below.
  await page.waitForTimeout(1100);
  await page.goto(`${ADMIN}${KS}`);
  await page.getByRole('button', { name: 'Suspend' }).click();
  await page.getByLabel(/Reason/).fill('maintenance window');
  await page.getByLabel(/Until/).fill('6s');
  await page.getByRole('dialog').getByRole('button', { name: 'Suspend' }).click();
  await toast('suspended until');
  await page.reload();
  const suspended = page.locator('p.suspended', { hasText: 'Suspended by admin: maintenance window until' });
  await suspended.waitFor();
  assert.match(await suspended.innerText(), /until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \((in \d+s|now)\)\.$/,
    'the end, its countdown, and no warning: a resumer runs');
  // The resumer (period 1 s here) resumes it; the page follows over SSE, without a reload.
  const resumed = await until('the resumer\'s resume', async () => {
    const { body } = await kube('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps');
    return body.spec.suspend === undefined && body;
  }, 20000);
  assert.equal(resumed.metadata.annotations?.['web.fluxcd.controlplane.io/suspendedUntil'], undefined);
  await suspended.waitFor({ state: 'detached', timeout: 10000 });
  await page.reload();
  assert.ok(await page.getByRole('button', { name: 'Suspend' }).isEnabled(), 'suspend offered again');
});

check('timeline: the resumer\'s resume and the admin\'s suspend in order, filtered to people', async () => {
  await page.goto(`${ADMIN}${KS}?tab=timeline`);
  const rows = page.locator('section[aria-labelledby="timeline-title"] tbody tr');
  await rows.first().waitFor();
  await page.getByRole('button', { name: 'People' }).click();
  assert.equal(await page.getByRole('button', { name: 'People' }).getAttribute('aria-pressed'), 'true');
  const people = await rows.allInnerTexts();
  assert.ok(people.length >= 2, people.join('\n'));
  assert.match(people[0], /flux-web:resumer: resume.*on behalf of 'admin'/s, 'newest first: the scheduled resume');
  assert.match(people[1], /admin: suspend/);
  await page.getByRole('button', { name: 'Controller' }).click();
  for (const row of await rows.allInnerTexts()) assert.doesNotMatch(row, /\baction\b/);
});

check('events page: the audit trail across namespaces filtered by the URL; a new Event arrives live', async () => {
  await page.goto(`${ADMIN}/events?reason=WebAction`);
  const rows = page.locator('table.events tbody tr');
  await rows.first().waitFor();
  const texts = await rows.allInnerTexts();
  for (const row of texts) assert.match(row, /WebAction/);
  assert.match(texts.join('\n'), /User 'admin' performed action 'resume'/);
  await page.getByLabel('Severity').selectOption('Warning');
  await page.waitForURL(/severity=Warning/);
  assert.match(page.url(), /reason=WebAction/, 'the other filters stay in the URL');
  // Live: an action writes its audit Event, which the page shows at its top without a reload.
  await page.goto(`${ADMIN}/events?namespace=flux-system&reason=WebAction`);
  await rows.first().waitFor();
  const top = () => rows.first().getAttribute('data-id');
  const before = await top();
  const act = (action) => page.evaluate(async ([path, action]) => {
    const r = await fetch(`/api/v1${path}/actions/${action}`, { method: 'POST' });
    if (!r.ok) throw new Error(await r.text());
  }, [KS, action]);
  await act('suspend');
  await until('the suspend at the top, live', async () => (await top()) !== before
    && /action 'suspend'/.test(await rows.first().innerText()));
  await act('resume');
  await until('the resume at the top, live', async () => /action 'resume'/.test(await rows.first().innerText()));
  assert.match(await rows.first().innerText(), /Kustomization flux-system\/apps/);
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await shot(`events-${scheme}.png`);
  }
  await page.emulateMedia({ colorScheme: null });
});

check('palette: Ctrl+K, type, Enter runs "reconcile all failed in view" (a failure retried too) through its pre-flight', async () => {
  // A namespace of its own with two failing Kustomizations, one of them retried as
  // kustomize-controller reports it (Ready False, Reconciling True), and one ready: what the
  // demo world's are by now depends on the checks and runs before.
  const ns = `palette-${Date.now().toString(36)}`;
  await kubeCreate('/api/v1/namespaces', { metadata: { name: ns } });
  for (const [name, ready, retried] of [['infra', 'False', false], ['retried', 'False', true], ['apps', 'True', false]]) {
    const path = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations`;
    await kubeCreate(path, {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, labels: INERT },
      spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'repo' } },
    });
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await kubeStatus(`${path}/${name}`, { conditions: [{
      type: 'Ready', status: ready, reason: ready === 'True' ? 'Succeeded' : 'BuildFailed', message: 'set by the check',
      lastTransitionTime: at,
    }, ...(retried ? [{
      type: 'Reconciling', status: 'True', reason: 'ProgressingWithRetry', message: 'retrying', lastTransitionTime: at,
    }] : [])] });
  }
  await page.goto(`${ADMIN}/resources?namespace=${ns}&kind=Kustomization`);
  await page.locator('tbody tr').nth(2).waitFor();
  assert.equal(await page.locator('tbody tr', { hasText: 'retried' }).locator('.badge').innerText(), 'failed · retrying');
  await page.keyboard.press('Control+k');
  const input = page.getByRole('combobox', { name: 'Command' });
  await input.waitFor();
  await input.fill('rec fail');
  assert.equal(await page.getByRole('listbox', { name: 'Commands' }).getByRole('option').count(), 1);
  await shot('palette-light.png');
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Bulk action' });
  await dialog.getByText('Reconcile — 2 will change').waitFor();
  const rows = await dialog.locator('tbody tr').allInnerTexts();
  for (const name of ['infra', 'retried']) {
    assert.ok(rows.some((row) => new RegExp(`Kustomization/${ns}/${name}\\s+will change`).test(row)), rows.join(' | '));
  }
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
});

check('bulk: shift-click a range, pre-flight, confirm, rows complete, the report; copy as flux', async () => {
  await page.goto(`${ADMIN}/resources?namespace=flux-system&kind=Kustomization`);
  const boxes = page.locator('tbody input[type="checkbox"]');
  await boxes.first().waitFor();
  assert.equal(await boxes.count(), 2, 'apps and infra');
  await boxes.nth(0).click();
  await boxes.nth(1).click({ modifiers: ['Shift'] });
  const bar = page.getByRole('toolbar', { name: 'Bulk actions' });
  await bar.getByText('2 selected').waitFor();
  await boxes.nth(1).click();
  await bar.getByText('1 selected').waitFor();
  await page.getByRole('checkbox', { name: 'Select every object on this page' }).click();
  await bar.getByText('2 selected').waitFor();
  await bar.getByRole('button', { name: 'Reconcile' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Reconcile — 2 will change').waitFor();
  assert.match(await dialog.locator('tr', { hasText: 'infra' }).innerText(), /will change/);
  await dialog.getByText('Copy as curl or flux').click();
  assert.match(await page.getByTestId('copy-flux').innerText(), /flux reconcile kustomization apps -n flux-system/);
  assert.match(await page.getByTestId('copy-curl').innerText(), /\/api\/v1\/actions\/reconcile/);
  await shot('bulk-preflight-light.png');
  await dialog.getByRole('button', { name: 'Reconcile 2 objects' }).click();
  await dialog.getByText('done: 2 changed').waitFor({ timeout: 15000 });
  await shot('bulk-report-light.png');
  assert.equal(await dialog.locator('tr[data-fate="changed"]').count(), 2);
  const { body } = await kube('/api/v1/namespaces/flux-system/events');
  const run = body.items.filter((e) => e.reason === 'WebAction' && e.involvedObject.name === 'infra')
    .map((e) => e.metadata.annotations?.['event.toolkit.fluxcd.io/bulk-run']).filter(Boolean);
  assert.ok(run.length >= 1, 'the audit Event carries the run id');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await bar.count(), 0, 'the selection is cleared after the run');
});

let suspendedByAdmin;
check('bulk: select all matching the filters, suspend 55 with a reason until 1h, watch them complete', async () => {
  const ns = `bulk-ui-${Date.now().toString(36)}`;
  suspendedByAdmin = ns;
  await kubeCreate('/api/v1/namespaces', { metadata: { name: ns } });
  const ks = '/apis/kustomize.toolkit.fluxcd.io/v1';
  for (let i = 0; i < 55; i++) {
    await kubeCreate(`${ks}/namespaces/${ns}/kustomizations`, {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: `app-${i}`, labels: INERT },
      spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'repo' } },
    });
  }
  await page.goto(`${ADMIN}/resources?namespace=${ns}`);
  await page.locator('tbody tr').first().waitFor();
  await page.getByRole('checkbox', { name: 'Select every object on this page' }).click();
  await page.getByRole('button', { name: 'Select all 55 matching the filters' }).click();
  const bar = page.getByRole('toolbar', { name: 'Bulk actions' });
  await bar.getByText('All 55 matching the filters').waitFor();
  await bar.getByRole('button', { name: 'Suspend' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Suspend — 55 will change').waitFor();
  await dialog.getByLabel(/Reason/).fill('INC-123 freeze');
  await dialog.getByLabel(/Until/).fill('1h');
  await dialog.getByRole('button', { name: 'Suspend 55 objects' }).click();
  await dialog.getByText('done: 55 changed').waitFor({ timeout: 30000 });
  const { body } = await kube(`${ks}/namespaces/${ns}/kustomizations`);
  const suspended = body.items.filter((k) => k.spec.suspend
    && k.metadata.annotations?.['fluxcd.controlplane.io/suspendedReason'] === 'INC-123 freeze');
  assert.equal(suspended.length, 55);
  const ends = new Set(suspended.map((k) => k.metadata.annotations['web.fluxcd.controlplane.io/suspendedUntil']));
  assert.equal(ends.size, 1, `one end for the run: ${[...ends]}`);
  const ahead = (Date.parse([...ends][0]) - Date.now()) / 1000;
  assert.ok(ahead > 3500 && ahead <= 3601, `ends in ${ahead} s, not 1 h`);
  await dialog.getByRole('button', { name: 'Close' }).click();
});

check('palette: "resume all suspended by me" finds the 55 the admin suspended and resumes them', async () => {
  await page.goto(`${ADMIN}/resources`);
  await page.locator('tbody tr').first().waitFor();
  await page.getByRole('button', { name: 'Commands' }).click();
  await page.getByRole('combobox', { name: 'Command' }).fill('resume me');
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Bulk action' });
  // The 55 of the check before, and any a run before this one on the same bed left.
  const title = await dialog.getByText(/Resume — \d+ will change/).textContent({ timeout: 15000 });
  const count = Number(/(\d+) will change/.exec(title)[1]);
  assert.ok(count >= 55, title);
  await dialog.getByRole('button', { name: `Resume ${count} objects` }).click();
  await dialog.getByText(`done: ${count} changed`).waitFor({ timeout: 60000 });
  await dialog.getByRole('button', { name: 'Close' }).click();
  const { body } = await kube(`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${suspendedByAdmin}/kustomizations`);
  assert.equal(body.items.filter((k) => k.spec.suspend).length, 0, 'all 55 resumed');
});

check('bulk: a viewer\'s pre-flight names the missing rule and offers nothing to confirm', async () => {
  await page.goto(`${VIEWER}/resources?namespace=flux-system&kind=Kustomization`);
  await page.getByRole('checkbox', { name: 'Select every object on this page' }).click();
  await page.getByRole('toolbar', { name: 'Bulk actions' }).getByRole('button', { name: 'Suspend' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Suspend — 2 refused').waitFor();
  assert.match(await dialog.locator('tr', { hasText: 'apps' }).innerText(), /missing RBAC rule: verb 'suspend'/);
  assert.equal(await dialog.getByRole('button', { name: /Suspend \d/ }).count(), 0);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
});

check('download of the GitRepository artifact: the bytes of storage, the server\'s filename', async () => {
  await page.goto(`${ADMIN}${REPO}`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download' }).click(),
  ]);
  const saved = join(mkdtempSync(join(tmpdir(), 'flux-web-download-')), download.suggestedFilename());
  await download.saveAs(saved);
  const { body } = await kube('/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system');
  const original = Buffer.from(await (await fetch(body.status.artifact.url)).arrayBuffer());
  assert.ok(download.suggestedFilename().endsWith('.tar.gz'), download.suggestedFilename());
  assert.ok(readFileSync(saved).equals(original), 'downloaded bytes differ from storage');
});

check('run a Job from the CronJob: the toast names it and the page lists it', async () => {
  await page.goto(`${ADMIN}${REPORT}`);
  await page.getByRole('button', { name: 'Run job' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Run job CronJob demo-apps/report' }).click();
  const text = await toast('Job ');
  assert.equal(text.match(/created/g)?.length, 1, `the toast says it once: ${text}`);
  const job = /Job demo-apps\/(report-[a-z0-9-]+)/.exec(text)?.[1];
  assert.ok(job, text);
  await page.getByRole('heading', { name: `Job ${job}` }).waitFor({ timeout: 10000 });
  assert.equal((await kube(`/apis/batch/v1/namespaces/demo-apps/jobs/${job}`)).status, 200);
});

check('rollout restart of the Deployment sets restartedAt on its template', async () => {
  await page.goto(`${ADMIN}${WEB}`);
  const since = Date.now();
  await page.getByRole('button', { name: 'Rollout restart' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Rollout restart Deployment demo-apps/web' }).click();
  await toast('restart');
  const { body } = await kube('/apis/apps/v1/namespaces/demo-apps/deployments/web');
  assert.ok(body.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']);
  // The audit Event of this restart stays on the Kustomization that manages the Deployment,
  // and its message names both (Events of earlier runs on the same bed do not count).
  const said = "User 'admin' performed action 'restart' for 'Deployment/demo-apps/web' managed by 'Kustomization/flux-system/apps' on the web UI";
  const event = await until('the audit Event of this restart', async () => {
    const { body: events } = await kube('/api/v1/namespaces/flux-system/events');
    return events.items.find((e) => e.reason === 'WebAction' && e.involvedObject.name === 'apps'
      && e.metadata.annotations?.['event.toolkit.fluxcd.io/subject'] === 'Deployment/demo-apps/web'
      && Date.parse(e.lastTimestamp) >= since - 1000);
  });
  assert.equal(event.message, said);
  await page.goto(`${ADMIN}${KS}?tab=timeline`);
  await page.getByText(said).first().waitFor();
});

check('logs after the restart: every Pod in its colour, filtered as you type, followed, downloaded', async () => {
  // The page draws the object anew on each live update, the log viewer and its filter with
  // it: the rollout of the restart settles first, so no update comes while the filter is used.
  await until('the restart rolled out', async () => {
    const { body: d } = await kube('/apis/apps/v1/namespaces/demo-apps/deployments/web');
    const { body: pods } = await kube('/api/v1/namespaces/demo-apps/pods?labelSelector=app%3Dweb');
    const s = d.status ?? {};
    return s.observedGeneration === d.metadata.generation && s.updatedReplicas === d.spec.replicas
      && s.readyReplicas === d.spec.replicas && s.replicas === d.spec.replicas
      && pods.items.every((p) => !p.metadata.deletionTimestamp);
  }, 60000);
  await page.goto(`${ADMIN}${WEB}?tab=logs`);
  const logs = page.getByRole('region', { name: 'Logs' });
  const lines = logs.locator('.log-line');
  await until('log lines of the restarted Pods', async () => (await lines.count()) > 0);
  const pods = await until('the Pods of the Deployment, Ready on the kwok Node', async () => {
    const { body } = await kube('/api/v1/namespaces/demo-apps/pods?labelSelector=app%3Dweb');
    const ready = body.items.filter((p) => !p.metadata.deletionTimestamp
      && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length > 0 && ready.map((p) => p.metadata.name);
  });
  const gutter = await logs.locator('.log-pod').allInnerTexts();
  assert.ok(pods.some((pod) => gutter.some((g) => g.startsWith(`${pod}/`))), `${pods} in ${gutter.slice(0, 3)}`);
  await logs.getByRole('searchbox', { name: 'Filter log lines' }).fill('line 200');
  await until('only the matching lines', async () => {
    const texts = await lines.allInnerTexts();
    return texts.length > 0 && texts.every((t) => t.includes('line 200'));
  });
  await logs.getByText(/\d+ of \d+ lines/).waitFor();
  const download = page.waitForEvent('download');
  await logs.getByRole('button', { name: 'Download' }).click();
  assert.match((await download).suggestedFilename(), /^apps-Deployment-demo-apps-web\.log$/);
  await logs.getByRole('searchbox', { name: 'Filter log lines' }).fill('');
  await logs.getByRole('checkbox', { name: 'Follow' }).check();
  await until('followed lines', async () => (await lines.count()) > 0);
  await shot('logs-light.png');
  await logs.getByRole('checkbox', { name: 'Follow' }).uncheck();
});

check('delete a pod after a confirmation that names it and its dry run', async () => {
  await page.goto(`${ADMIN}${WEB}`);
  const first = page.locator('tbody tr', { has: page.locator('button[data-action="delete"]') }).first();
  await first.waitFor();
  const pod = (await first.locator('td').first().innerText()).trim();
  await first.getByRole('button', { name: `Delete pod ${pod}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('The Pod is deleted; if a controller owns it, a new one takes its place.').waitFor();
  await dialog.getByRole('button', { name: `Delete Pod demo-apps/${pod}` }).click();
  await toast('delete');
  await until(`pod ${pod} gone`, async () => {
    const { status, body } = await kube(`/api/v1/namespaces/demo-apps/pods/${pod}`);
    return status === 404 || body.metadata?.deletionTimestamp;
  });
});

check('a user without the verb reaches the refused action by keyboard and reads the missing rule', async () => {
  await page.goto(`${VIEWER}${KS}`);
  const reconcile = page.getByRole('button', { name: 'Reconcile' });
  await reconcile.waitFor();
  // Marked, not disabled: it takes the focus, and what describes it is the reason, on the page.
  assert.equal(await reconcile.getAttribute('aria-disabled'), 'true');
  assert.equal(await reconcile.evaluate((b) => b.disabled), false, 'focusable: not the disabled attribute');
  await reconcile.focus();
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'reconcile');
  const why = page.locator(`#${await reconcile.getAttribute('aria-describedby')}`);
  assert.ok(await why.isVisible());
  assert.match(await why.innerText(), /missing RBAC rule: verb 'reconcile' on 'kustomizations'/);
  // Pressed anyway, it does nothing: no request, no toast.
  const version = (await kube('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps')).body.metadata.resourceVersion;
  await page.keyboard.press('Enter');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await page.locator('.toast').count(), 0);
  assert.equal((await kube('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps')).body.metadata.resourceVersion, version);
  await page.getByRole('button', { name: 'vic' }).click();
  assert.equal((await page.getByTestId('impersonated-user').innerText()).trim(), 'vic');
  await page.keyboard.press('Escape');
  await page.getByTestId('impersonated-user').waitFor({ state: 'hidden' });
});

check('OIDC: a deep link logged out offers one way in, and the login comes back to it', async () => {
  const OIDC = process.env.FLUX_WEB_OIDC_URL;
  const deep = `${OIDC}/resources?namespace=flux-system&kind=Kustomization`;
  await page.goto(deep);
  await page.waitForURL((url) => url.pathname === '/login');
  assert.equal(await page.getByRole('link', { name: /Log in/ }).count(), 1, 'one way in');
  assert.equal(await page.title(), 'Log in · flux-web');
  await page.getByRole('link', { name: 'Log in with your identity provider' }).click();
  // The provider's own login form.
  await page.locator('input[name="login"]').fill('alice');
  await page.locator('input[name="password"]').fill('any');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.waitForURL(deep);
  await page.getByRole('button', { name: 'Alice Liddell' }).click();
  assert.equal((await page.getByTestId('impersonated-user').innerText()).trim(), 'alice@example.com');
  await page.getByText('Groups: devs').waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL((url) => !url.href.startsWith(OIDC));
  await page.goto(`${OIDC}/resources`);
  await page.getByRole('link', { name: 'Log in with your identity provider' }).waitFor();
});

check('status words: replicas on a Deployment, a CronJob\'s schedule, an Alert ready as flux get says', async () => {
  await page.goto(`${ADMIN}${WEB}`);
  const badge = page.locator('h1 .badge');
  await badge.waitFor();
  assert.match(await badge.innerText(), /^(ready|progressing)$/);
  await page.locator('.object-header .message', { hasText: /\d+\/\d+ ready/ }).waitFor();
  await page.goto(`${ADMIN}${REPORT}`);
  await page.locator('.object-header .message', { hasText: /schedule .+, (last run|not run yet)/ }).waitFor();
  await page.goto(`${ADMIN}/resources?namespace=flux-system&kind=Alert`);
  assert.equal(await page.locator('tbody tr .badge').first().innerText(), 'ready');
  await page.locator('tbody tr', { hasText: 'keeps no status' }).first().waitFor();
});

check('empty lists say why: no match, a namespace you may not list, no RBAC at all', async () => {
  await page.goto(`${VIEWER}/resources?namespace=flux-system&q=zzzz`);
  await page.getByText('No Flux object matches these filters.').waitFor();
  await page.getByRole('link', { name: 'Clear the filters' }).waitFor();
  await page.goto(`${VIEWER}/resources?namespace=flux-sytem`);
  await page.getByText('You may not list Flux objects in namespace “flux-sytem”, or it does not exist.').waitFor();
  await page.getByRole('link', { name: 'flux-system' }).click();
  await page.waitForURL(`${VIEWER}/resources?namespace=flux-system`);
  await page.goto(`${NOBODY}/resources`);
  await page.getByText('Your RBAC lets you list no Flux objects.').waitFor();
});

check('a missing object: one heading, one message, a way back', async () => {
  await page.goto(`${ADMIN}/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/nope`);
  await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
  assert.equal(await page.getByRole('alert').count(), 1);
  assert.equal(await page.title(), 'Not found · flux-web');
  await page.getByRole('link', { name: 'Back to the resources' }).click();
  await page.waitForURL(`${ADMIN}/resources`);
});

check('a permission revoked while the page is open: after the 403 the button is marked refused, no reload', async () => {
  const binding = '/apis/rbac.authorization.k8s.io/v1/namespaces/flux-system/rolebindings';
  await kubeCreate(binding, {
    metadata: { name: 'vic-for-a-while' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flux-web-admin' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'vic' }],
  });
  await page.goto(`${VIEWER}${KS}`);
  const reconcile = page.getByRole('button', { name: 'Reconcile' });
  await until('vic may reconcile', async () => {
    await page.reload();
    await reconcile.waitFor();
    return (await reconcile.getAttribute('aria-disabled')) === 'false';
  });
  await kubeDelete(`${binding}/vic-for-a-while`);
  await new Promise((r) => setTimeout(r, 1000));
  await reconcile.click();
  await toast('Reconcile failed');
  await until('the button marked refused', async () => (await reconcile.getAttribute('aria-disabled')) === 'true');
});

check('focus and titles: back on the button after an action, on the heading after navigation; skip link; menu', async () => {
  await page.goto(`${ADMIN}/resources?namespace=flux-system&kind=Kustomization`);
  await page.getByRole('link', { name: 'apps' }).click();
  await page.getByRole('heading', { level: 1, name: /apps/ }).waitFor();
  await until('focus on the heading', async () => page.evaluate(() => document.activeElement?.tagName === 'H1'));
  assert.equal(await page.title(), 'Kustomization flux-system/apps · flux-web');
  await page.getByRole('button', { name: 'Reconcile' }).focus();
  await page.keyboard.press('Enter');
  await toast('reconcile');
  await until('focus back on Reconcile', async () =>
    page.evaluate(() => document.activeElement?.getAttribute('data-action') === 'reconcile'));
  await page.goto(`${ADMIN}/resources`);
  await page.locator('h1').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  await until('the skip link to move focus to the content', async () =>
    page.evaluate(() => document.activeElement?.tagName === 'MAIN'));
  await page.getByRole('button', { name: 'admin' }).click();
  await page.getByTestId('impersonated-user').waitFor();
  await page.getByRole('heading', { level: 1 }).click();
  await page.getByTestId('impersonated-user').waitFor({ state: 'hidden' });
  assert.equal(await page.locator('[role="menu"], [role="menuitem"]').count(), 0, 'no menu roles on a disclosure');
});

check('overview: a card a kind with its states, the newest failures, recent actions, the stream live', async () => {
  await page.goto(`${ADMIN}/`);
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  assert.equal(await page.title(), 'Overview · flux-web');
  const card = page.locator('.card', { has: page.locator('.card-title', { hasText: /\bKustomization$/ }) });
  await card.waitFor();
  // Its count is what the resource list says it holds.
  const count = Number(await card.locator('.card-count').innerText());
  const listed = await page.evaluate(async () => (await (await fetch('/api/v1/resources?kind=Kustomization&limit=1')).json()).total);
  assert.equal(count, listed);
  await page.locator('.recent li').first().waitFor();
  assert.match(await page.locator('.recent li').first().innerText(), /\b(reconcile|suspend|resume|pull|restart|run-job|delete)\b/);
  await until('the live stream connected', async () => (await page.locator('.live').innerText()).includes('Live'));
  await card.locator('.card-title').click();
  await page.waitForURL(`${ADMIN}/resources?kind=Kustomization`);
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${ADMIN}/`);
    await page.locator('.card').first().waitFor();
    await page.locator('.recent li').first().waitFor();
    await shot(`overview-${scheme}.png`);
  }
  await page.emulateMedia({ colorScheme: null });
});

check('resources: columns sort by a click and reverse by a second, in the URL; chips count and filter; arrows walk the rows', async () => {
  await page.goto(`${ADMIN}/resources?namespace=flux-system`);
  await page.locator('tbody tr').nth(2).waitFor();
  const names = async () => page.locator('tbody tr td:nth-child(4)').allInnerTexts();
  await page.getByRole('link', { name: 'Name', exact: true }).click();
  await page.waitForURL(/sort=name/);
  await page.locator('th[aria-sort="ascending"]', { hasText: 'Name' }).waitFor();
  await until('names ascending', async () => { const n = await names(); return n.join() === [...n].sort().join(); });
  await page.getByRole('link', { name: 'Name', exact: true }).click();
  await page.waitForURL(/sort=-name/);
  await page.locator('th[aria-sort="descending"]', { hasText: 'Name' }).waitFor();
  await until('names descending', async () => { const n = await names(); return n.join() === [...n].sort().reverse().join(); });
  // The URL alone reproduces the view.
  await page.goto(page.url());
  await page.locator('th[aria-sort="descending"]', { hasText: 'Name' }).waitFor();
  // Chips: "all" counts what the filters match; one chip filters by its status.
  const all = page.locator('.chips a', { hasText: 'all' });
  const total = Number(await all.locator('.chip-count').innerText());
  assert.match(await page.locator('.pager').innerText(), new RegExp(`of ${total}$`));
  const ready = page.locator('.chips a.badge-ready');
  const readyCount = Number(await ready.locator('.chip-count').innerText());
  await ready.click();
  await page.waitForURL(/status=ready/);
  await until('only ready rows', async () => (await page.locator('tbody .badge').allInnerTexts()).every((t) => t === 'ready'));
  assert.match(await page.locator('.pager').innerText(), new RegExp(`of ${readyCount}$`));
  assert.match(await page.locator('.chips a[aria-current="true"]').innerText(), new RegExp(`^${readyCount}\\s+ready$`));
  // Keyboard: down and up from a row's link to the next row's.
  await page.locator('tbody tr').first().locator('a').focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.closest('tr').rowIndex), 2);
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() => document.activeElement.closest('tr').rowIndex), 1);
  // A sort the API does not know is a 400 that names the ones it does.
  const refused = await page.evaluate(async () => { const r = await fetch('/api/v1/resources?sort=size'); return [r.status, (await r.json()).detail]; });
  assert.equal(refused[0], 400);
  assert.match(refused[1], /sort: one of namespace, kind, name, status, updated/);
});

check('keyboard: / searches with kind: and ns:, ? lists every shortcut, g o / g r / g e go, f stars', async () => {
  await page.goto(`${ADMIN}/events`);
  await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor();
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'quick-search');
  await page.keyboard.type('kind:kustomizations ns:flux-system app');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${ADMIN}/resources?kind=Kustomization&namespace=flux-system&q=app`);
  await page.locator('tbody tr', { hasText: 'apps' }).waitFor();
  assert.equal(await page.locator('select').first().inputValue(), 'Kustomization');
  // A key typed into a field is the field's.
  await page.locator('#quick-search').focus();
  await page.keyboard.type('g');
  await page.keyboard.type('o');
  assert.match(page.url(), /\/resources\?/);
  await page.locator('#quick-search').fill('');
  await page.locator('main h1').click();
  await page.keyboard.press('?');
  const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await sheet.waitFor();
  assert.equal(await sheet.locator('dt').count(), 10);
  await shot('shortcuts-light.png');
  await page.keyboard.press('Escape');
  await sheet.waitFor({ state: 'hidden' });
  for (const [key, path] of [['e', '/events'], ['o', '/'], ['r', '/resources']]) {
    await page.keyboard.press('g');
    await page.keyboard.press(key);
    await page.waitForURL(`${ADMIN}${path}`);
  }
  // Favourites: f on an object's page stars it; the overview lists it; f again takes it off.
  await page.goto(`${ADMIN}${KS}`);
  const star = page.getByRole('button', { name: 'Favourite' });
  await star.waitFor();
  assert.equal(await star.getAttribute('aria-pressed'), 'false');
  await page.locator('main h1').click();
  await page.keyboard.press('f');
  await until('starred', async () => (await star.getAttribute('aria-pressed')) === 'true');
  await page.goto(`${ADMIN}/`);
  await page.locator('.starred a', { hasText: 'Kustomization flux-system/apps' }).click();
  await page.waitForURL(`${ADMIN}${KS}`);
  await star.click();
  await until('unstarred', async () => (await star.getAttribute('aria-pressed')) === 'false');
});

check('an object\'s page: the pipeline from source to workloads; the palette runs its action and waits for the controller', async () => {
  await page.goto(`${ADMIN}${KS}`);
  const pipeline = page.getByRole('list', { name: 'Pipeline' });
  await pipeline.waitFor();
  const steps = await pipeline.locator(':scope > li').allInnerTexts();
  assert.match(steps[0], /^Source\s+GitRepository\s+flux-system\/flux-system\s+ready$/i);
  assert.match(steps[1], /^This\s+Kustomization\s+apps\s+ready$/i);
  assert.match(steps[2], /^Workloads\s+\d+ workloads\s+\d+ healthy$/i);
  await pipeline.getByRole('link', { name: 'flux-system/flux-system' }).click();
  await page.waitForURL(`${ADMIN}${REPO}`);
  await page.goto(`${ADMIN}${KS}`);
  await pipeline.waitFor();
  await page.keyboard.press('Control+k');
  await page.getByRole('combobox', { name: 'Command' }).fill('reconcile kustomization');
  await page.keyboard.press('Enter');
  // A typed command asks first: the dry run's answer, then Enter on the focused button.
  const dialog = page.getByRole('dialog', { name: 'Confirm' });
  await dialog.locator('.dry-run .would', { hasText: /^dry run: / }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()),
    'Reconcile Kustomization flux-system/apps');
  await page.keyboard.press('Enter');
  await page.locator('.progress', { hasText: 'waiting for the controller' }).waitFor();
  assert.match(await toast('The controller handled it'), /Ready: True/);
});

check('an object\'s tabs: in the URL, by arrows from the keyboard, and each shows its part', async () => {
  await page.goto(`${ADMIN}${KS}`);
  const tabs = page.getByRole('tablist', { name: 'Sections' });
  await tabs.waitFor();
  assert.deepEqual(await tabs.getByRole('tab').allInnerTexts(), ['Overview', 'Timeline', 'Inventory', 'Spec']);
  const overview = tabs.getByRole('tab', { name: 'Overview' });
  assert.equal(await overview.getAttribute('aria-selected'), 'true');
  await page.getByRole('tabpanel', { name: 'Overview' }).getByRole('heading', { name: 'Conditions' }).waitFor();
  // Keyboard: focus the selected tab, arrows move and show, End goes to the last.
  await overview.focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForURL(/\?tab=timeline$/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-timeline');
  await page.getByRole('tabpanel', { name: 'Timeline' }).locator('tbody tr').first().waitFor();
  assert.ok(await page.getByRole('tabpanel', { name: 'Overview', includeHidden: true }).isHidden());
  await page.keyboard.press('End');
  await page.waitForURL(/\?tab=spec$/);
  assert.match(await page.getByRole('region', { name: 'Spec', exact: true }).innerText(), /"sourceRef": \{/);
  await page.keyboard.press('ArrowRight');
  await page.waitForURL((url) => !url.search);
  // The pipeline's workloads lead to the inventory; a reload keeps the tab.
  await page.getByRole('list', { name: 'Pipeline' }).getByRole('link', { name: /\d+ workloads/ }).click();
  await page.waitForURL(/\?tab=inventory$/);
  await page.reload();
  await page.getByRole('tabpanel', { name: 'Inventory' }).getByRole('link', { name: 'demo-apps/web' }).waitFor();
  await shot('kustomization-inventory-light.png');
});

check('works at 360 px wide without the page scrolling sideways', async () => {
  await page.setViewportSize({ width: 360, height: 740 });
  for (const path of ['/', '/resources', KS, WEB, '/events']) {
    await page.goto(`${ADMIN}${path}`);
    await page.locator('h1').first().waitFor();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 360, `${path} is ${wide} px wide`);
  }
  await page.goto(`${ADMIN}/resources?namespace=flux-system`);
  await page.locator('tbody tr').first().waitFor();
  await shot('resources-360-light.png');
  await page.setViewportSize({ width: 1280, height: 860 });
});

check('the header names the cluster, as userinfo says it (the bed\'s kubeconfig context)', async () => {
  await page.goto(`${ADMIN}/`);
  const name = page.locator('header.top .cluster');
  await name.waitFor();
  const info = await page.evaluate(async () => (await fetch('/api/v1/userinfo')).json());
  assert.equal(info.cluster, 'testbed');
  assert.equal(await name.textContent(), 'Cluster testbed', 'the name, read as "Cluster testbed"');
});

check('works at 1440 px wide: the header on one row, nothing scrolling sideways', async () => {
  await page.setViewportSize({ width: 1440, height: 900 });
  try {
    for (const path of ['/', '/resources', KS, WEB, '/events']) {
      await page.goto(`${ADMIN}${path}`);
      await page.locator('h1').first().waitFor();
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 1440, `${path} is ${wide} px wide`);
      const header = await page.locator('header.top').boundingBox();
      assert.ok(header.height < 64, `${path}: the header is ${header.height} px high`);
    }
    await page.goto(`${ADMIN}/`);
    await page.locator('.cards').waitFor();
    await shot('overview-1440-light.png');
  } finally {
    await page.setViewportSize({ width: 1280, height: 860 });
  }
});

check('screenshots of the resource and workload pages, light and dark', async () => {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${ADMIN}/resources?namespace=flux-system`);
    await page.locator('tbody tr').first().waitFor();
    await shot(`resources-${scheme}.png`);
    await page.goto(`${ADMIN}${KS}`);
    await page.locator('h2', { hasText: 'Conditions' }).waitFor();
    await shot(`kustomization-${scheme}.png`);
    await page.goto(`${ADMIN}${WEB}`);
    await page.locator('h2', { hasText: 'Workload' }).first().waitFor();
    await shot(`workload-${scheme}.png`);
  }
  await page.emulateMedia({ colorScheme: null });
});

check('the Updated column fills, and its ages move on without a reload', async () => {
  // The clock a page installs is its whole browser context's: this check comes after the
  // screenshots, so that no age in them is two hours off.
  const later = await context.newPage();
  try {
    await later.clock.install();
    await later.goto(`${ADMIN}/resources?namespace=flux-system&kind=GitRepository`);
    const updated = later.locator('tbody tr').first().locator('td').last();
    await updated.waitFor();
    const before = await updated.innerText();
    assert.ok(before.trim(), 'the Updated column has a time');
    await later.clock.fastForward('02:00:00');
    await until('the age to move on without a reload', async () => (await updated.innerText()) !== before);
  } finally {
    await later.close();
  }
});

// axe-core runs inside the page through the DevTools protocol, which the page's content
// security policy (no inline script) does not govern.
const AXE = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

/** What axe-core finds wrong on the page as it is now, one line a rule and node. */
async function axeViolations(on) {
  await on.evaluate(AXE);
  return on.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1).join(' ')}`));
  });
}

check('axe-core finds nothing on any page, light and dark, with its dialogs open', async () => {
  const found = [];
  const scan = async (what) => {
    for (const v of await axeViolations(page)) found.push(`${what}: ${v}`);
  };
  const pages = [
    ['overview', `${ADMIN}/`, 'main h1:visible'],
    ['resources', `${ADMIN}/resources?namespace=flux-system`, 'tbody tr'],
    ['events', `${ADMIN}/events`, 'main h1:visible'],
    ['kustomization', `${ADMIN}${KS}`, 'main h2:visible'],
    ['git repository', `${ADMIN}${REPO}`, 'main h2:visible'],
    ['deployment', `${ADMIN}${WEB}`, 'main h2:visible'],
    ['cron job', `${ADMIN}${REPORT}`, 'main h2:visible'],
    ['timeline tab', `${ADMIN}${KS}?tab=timeline`, 'section[aria-labelledby="timeline-title"] tbody tr'],
    ['inventory tab', `${ADMIN}${KS}?tab=inventory`, 'main h2:visible'],
    ['logs tab', `${ADMIN}${WEB}?tab=logs`, '.log-line'],
    ['spec tab', `${ADMIN}${REPO}?tab=spec`, 'pre.spec'],
    ['missing object', `${ADMIN}/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/nope`, 'main h1:visible'],
    ['refused actions', `${VIEWER}${KS}`, '.refusals'],
    ['no rbac', `${NOBODY}/resources`, 'main h1:visible'],
    ['login', `${process.env.FLUX_WEB_OIDC_URL}/login`, 'main h1:visible'],
  ];
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [what, url, ready] of pages) {
      await page.goto(url);
      await page.locator(ready).first().waitFor();
      await scan(`${what} (${scheme})`);
    }
    await page.goto(`${ADMIN}${KS}`);
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.locator('dialog .dry-run .would').waitFor();
    await page.getByRole('dialog').getByText(/^Copy as/).click();
    await scan(`suspend dialog (${scheme})`);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+k');
    await page.getByRole('combobox').first().waitFor();
    await scan(`palette (${scheme})`);
    await page.keyboard.press('Escape');
  }
  await page.emulateMedia({ colorScheme: null });
  console.log(`     axe-core: ${found.length} violations on ${pages.length * 2 + 4} views`);
  for (const line of found) console.log(`     ${line}`);
  assert.equal(found.length, 0, found.join('\n'));
});

/** Creates `count` inert Kustomizations in a new namespace `ns`, `parallel` at a time. */
async function manyKustomizations(ns, count, parallel = 32) {
  await kubeCreate('/api/v1/namespaces', { metadata: { name: ns } });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      await kubeCreate(`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations`, {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization',
        metadata: { name: `ks-${String(i).padStart(5, '0')}`, labels: INERT },
        spec: { interval: '1h', path: './', prune: false, sourceRef: { kind: 'GitRepository', name: 'none' } },
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

check('10,000 objects: the list renders, scrolls, pages and sorts without a long task over 200 ms (printed)', async () => {
  const ns = `many-${Date.now().toString(36)}`;
  const count = 10000;
  const created = Date.now();
  await manyKustomizations(ns, count);
  console.log(`     ${count} Kustomizations created in ${((Date.now() - created) / 1000).toFixed(1)} s`);
  try {
    const view = await context.newPage();
    try {
      // Every long task of the page from its first script on (Long Tasks API).
      await view.addInitScript(() => {
        window.longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.longTasks.push(e.duration);
        }).observe({ type: 'longtask', buffered: true });
      });
      const started = Date.now();
      await view.goto(`${ADMIN}/resources?namespace=${ns}`);
      const pager = view.getByRole('navigation', { name: 'Pages of the list' });
      await until('all of them counted', async () => /of 10000\b/.test(await pager.innerText().catch(() => '')), 60000);
      const rendered = Date.now() - started;
      assert.equal(await view.locator('tbody tr').count(), 50, 'a page of 50 rows, not 10,000');
      for (let i = 0; i < 20; i += 1) await view.mouse.wheel(0, 400);
      await view.locator('tbody tr').first().locator('a').first().focus();
      for (let i = 0; i < 60; i += 1) await view.keyboard.press('j');
      await pager.getByRole('link', { name: 'Next' }).click();
      await pager.getByText(/^51–100 of 10000$/).waitFor();
      await view.locator('thead').getByRole('link', { name: 'Name', exact: true }).click();
      await view.waitForURL(/sort=/);
      await view.locator('tbody tr').first().getByText(/^ks-(00000|09999)$/).waitFor({ timeout: 30000 });
      await view.waitForTimeout(500);
      const tasks = await view.evaluate(() => window.longTasks);
      assert.ok(Array.isArray(tasks), 'the Long Tasks API observed the page');
      const longest = Math.round(Math.max(0, ...tasks));
      console.log(`     ${count} objects: list shown after ${rendered} ms; ${tasks.length} long tasks (> 50 ms), the longest ${longest} ms`);
      assert.ok(longest <= 200, `a long task of ${longest} ms`);
    } finally {
      await view.close();
    }
  } finally {
    await kubeDelete(`/api/v1/namespaces/${ns}`);
  }
});

check('no console errors on the way', async () => {
  assert.equal(consoleErrors.length, 0, consoleErrors.join('\n'));
});

let passed = 0;
let failed = 0;
// ONLY=<words> runs the checks whose name holds them, to work on one; CI sets no ONLY.
const only = process.env.ONLY;
if (only) console.log(`ONLY=${only}: ${checks.filter(([name]) => !name.includes(only)).length} checks not run`);
for (const [name, fn] of checks) {
  if (only && !name.includes(only)) continue;
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}\n     ${String(e.stack || e).split('\n').slice(0, 4).join('\n     ')}`);
  }
}
await context.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

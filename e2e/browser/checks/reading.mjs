// Reading (#31): the failing count the overview heads with, the reconciler's facts on object
// pages, a list that fits a screen and a phone, safe confirmations, the header's honesty about
// the stream, long texts, logs that open on the newest line.

import assert from 'node:assert/strict';
import {
  ADMIN, INERT, KS, REPO, REPORT, WEB, act, check, kube, kubeCreate, kubeDelete, kubeStatus, page, shot, until,
} from '../lib.mjs';

const KUSTOMIZATIONS = '/apis/kustomize.toolkit.fluxcd.io/v1';

/** The elements of the page that end past the viewport's right edge. */
const past = () => page.evaluate(() => [...document.querySelectorAll('body *')]
  .filter((e) => e.getClientRects().length > 0 && !e.closest('.visually-hidden, thead'))
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`));

/** The facts of the object page at `path`, as label → value. */
async function facts(path) {
  await page.goto(`${ADMIN}${path}`);
  const list = page.locator('dl.facts');
  await list.waitFor();
  const labels = await list.locator('dt').allInnerTexts();
  const values = await list.locator('dd').allInnerTexts();
  return Object.fromEntries(labels.map((l, i) => [l, values[i]]));
}

/** Creates namespace `name` with `count` inert, suspended Kustomizations named by `named(i)`,
 * each failing with `message` (their controller leaves them alone). */
async function seedFailing(name, count, named, message) {
  await kubeCreate('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (let i = 0; i < count; i++) {
    const path = `${KUSTOMIZATIONS}/namespaces/${name}/kustomizations`;
    await kubeCreate(path, {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization',
      metadata: { name: named(i), labels: INERT },
      spec: { interval: '10m', path: './x', prune: true, suspend: true, sourceRef: { kind: 'GitRepository', name: 'none' } },
    });
    await kubeStatus(`${path}/${named(i)}`, { conditions: [{
      type: 'Ready', status: 'False', reason: 'BuildFailed', message,
      lastTransitionTime: new Date().toISOString(),
    }] });
  }
}

check('overview: the failing count is every Ready=False object, the retried failures too', async () => {
  await page.goto(`${ADMIN}/`);
  const answer = await page.evaluate(async () => (await fetch('/api/v1/resources?status=failed&limit=1')).json());
  const summary = page.locator('main p.summary');
  await summary.waitFor();
  const failing = Number((await summary.innerText()).match(/ · (\d+) failing · /)?.[1]);
  assert.equal(failing, answer.total, await summary.innerText());
  assert.ok(answer.total >= 2, `the demo world fails twice at least (infra, manifests): ${answer.total}`);
});

check('object pages: the reconciler\'s facts of a Kustomization, a HelmRelease, a GitRepository with who uses it, an Alert; spec and status as YAML', async () => {
  const ks = await facts(KS);
  assert.equal(ks.Controller, 'kustomize-controller');
  assert.equal(ks.Path, './apps/production');
  assert.equal(ks.Prune, 'yes');
  assert.equal(ks['Target namespace'], 'demo-apps');
  assert.equal(ks.Interval, '10m');
  assert.match(ks['Last applied revision'], /^main@sha1:[0-9a-f]{40}$/);
  await shot('object-facts-light.png');

  const hr = await facts('/helm.toolkit.fluxcd.io/HelmRelease/demo-apps/podinfo');
  assert.equal(hr.Controller, 'helm-controller');
  assert.equal(hr.Chart, 'podinfo');
  assert.equal(hr['Chart version'], '6.9.0');
  assert.equal(hr['Chart source'], 'HelmRepository/podinfo');

  const git = await facts(REPO);
  assert.equal(git.Controller, 'source-controller');
  assert.match(git.URL, /\/demo\.git$/);
  assert.equal(git.Branch, 'main');
  assert.match(git['Last fetched revision'], /^main@sha1:/);
  const usedBy = await page.locator('.used-by li').allInnerTexts();
  for (const taker of ['Kustomization flux-system/apps', 'Kustomization flux-system/infra', 'Kustomization demo-infra/legacy']) {
    assert.ok(usedBy.includes(taker), `${taker} in ${usedBy}`);
  }
  await page.locator('.used-by').getByRole('link', { name: 'demo-infra/legacy' }).click();
  await page.waitForURL(/\/Kustomization\/demo-infra\/legacy/);

  const alert = await facts('/notification.toolkit.fluxcd.io/Alert/flux-system/deploys');
  assert.equal(alert.Controller, 'notification-controller');
  assert.equal(alert.Provider, 'slack');
  assert.equal(alert['Event sources'], 'Kustomization/*');

  await page.goto(`${ADMIN}${KS}?tab=spec`);
  const yaml = page.getByRole('region', { name: 'Spec and status as YAML' });
  await yaml.waitFor();
  const text = await yaml.innerText();
  assert.match(text, /^spec:\n/m);
  assert.match(text, /^status:\n/m);
  assert.match(text, /^  path: \.\/apps\/production$/m);
  assert.match(text, /^  lastAppliedRevision: main@sha1:/m);
});

check('object pages: a source\'s last run is how long its newest finished reconcile took, read from its timeline', async () => {
  const ns = 'reading-last-run';
  await kubeCreate('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  try {
    await kubeCreate(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories`, {
      apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository',
      metadata: { name: 'repo', labels: INERT },
      spec: { interval: '5m', url: 'https://git.example/repo.git', ref: { branch: 'main' } },
    });
    // source-controller keeps no history in its status: only its Events say how long a run took.
    const finished = (name, took, at) => kubeCreate(`/api/v1/namespaces/${ns}/events`, {
      apiVersion: 'v1', kind: 'Event', metadata: { name },
      involvedObject: { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: 'repo', namespace: ns },
      reason: 'GitOperationSucceeded', type: 'Normal', source: { component: 'source-controller' },
      message: `Reconciliation finished in ${took}, next run in 5m0s`, firstTimestamp: at, lastTimestamp: at,
    });
    await finished('repo.older', '9.87654s', '2026-12-01T10:00:00Z');
    await finished('repo.newer', '812.3456ms', '2026-12-01T11:00:00Z');
    const git = await facts(`/source.toolkit.fluxcd.io/GitRepository/${ns}/repo`);
    assert.equal(git.Interval, '5m');
    assert.equal(git['Last run took'], '812.34ms, finished 2026-12-01T11:00:00Z');
  } finally {
    await kubeDelete(`/api/v1/namespaces/${ns}`);
  }
});

check('the list: failures first, one line a row, 20 rows and more in 1440x900', async () => {
  const ns = 'reading-rows';
  await seedFailing(ns, 30, (i) => `row-${String(i).padStart(2, '0')}`,
    'kustomize build failed: accumulating resources: accumulation err=\'merging resources from ./x\': '.repeat(6));
  await page.setViewportSize({ width: 1440, height: 900 });
  try {
    await page.goto(`${ADMIN}/resources`);
    const rows = page.locator('table.objects tbody tr');
    await rows.first().waitFor();
    // Failures first: the first row is a failure without a ?sort= in the address.
    assert.equal(await rows.first().locator('.badge').first().innerText(), 'failed');
    await page.goto(`${ADMIN}/resources?namespace=${ns}`);
    await until('30 rows', async () => (await rows.count()) === 30);
    const heights = await rows.evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect()));
    const inView = heights.filter((r) => r.bottom <= 900).length;
    await shot('resources-1440-light.png');
    assert.ok(inView >= 20, `${inView} rows in 900 px: the first at ${heights[0].top} px, rows of ${heights[0].height} px`);
    assert.ok(heights.every((r) => r.height < 40), `rows of ${Math.max(...heights.map((r) => r.height))} px`);
    // A clamped message opens on a click, within three lines.
    const message = rows.first().locator('button.clamp');
    await message.click();
    assert.equal(await message.getAttribute('aria-expanded'), 'true');
    const open = await message.boundingBox();
    assert.ok(open.height <= 3 * 22, `an open message is ${open.height} px high`);
    await shot('resources-1440-light.png');
  } finally {
    await page.setViewportSize({ width: 1280, height: 860 });
    await kubeDelete(`/api/v1/namespaces/${ns}`);
  }
});

check('a phone: at 360 px the list is cards, the header one row, the filters folded, and no element ends past the viewport', async () => {
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    for (const path of ['/resources', WEB, `${KS}?tab=overview`, '/events']) {
      await page.goto(`${ADMIN}${path}`);
      await page.locator('h1').first().waitFor();
      await page.locator('main tbody tr, main .notice').first().waitFor();
      assert.deepEqual(await past(), [], `${path}: past the viewport`);
    }
    await page.goto(`${ADMIN}/resources`);
    const row = page.locator('table.objects tbody tr').first();
    await row.waitFor();
    assert.equal(await row.evaluate((tr) => getComputedStyle(tr).display), 'grid');
    const box = await row.boundingBox();
    await shot('resources-360-light.png');
    assert.ok(box.height < 70, `a card of ${box.height} px: two lines`);
    // One row: every visible part of the header shares its vertical middle.
    const middles = await page.locator('header.top > *').evaluateAll((parts) => parts
      .map((e) => e.getBoundingClientRect()).filter((r) => r.height > 0).map((r) => Math.round(r.top + r.height / 2)));
    assert.ok(Math.max(...middles) - Math.min(...middles) <= 4, `the header's parts at ${middles}`);
    // The filters wait behind their button, which says how many are set, and unfold on a tap.
    await page.goto(`${ADMIN}/resources?namespace=flux-system&status=ready`);
    const toggle = page.getByRole('button', { name: 'Filters (2)' });
    await toggle.waitFor();
    assert.equal(await page.locator('form.filters').isVisible(), false);
    await toggle.click();
    await page.locator('form.filters').waitFor();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.deepEqual(await past(), [], 'the filters unfolded: past the viewport');
  } finally {
    await page.setViewportSize({ width: 1280, height: 860 });
  }
});

check('confirmations: Delete opens on Cancel, Enter-Enter deletes nothing; run job\'s dry run names no Job; Suspend and Resume are one button', async () => {
  await page.goto(`${ADMIN}${WEB}`);
  const first = page.locator('tbody tr', { has: page.locator('button[data-action="delete"]') }).first();
  await first.waitFor();
  const pod = (await first.locator('td').first().innerText()).trim();
  const before = (await kube(`/api/v1/namespaces/demo-apps/pods/${pod}`)).body.metadata.resourceVersion;
  await first.getByRole('button', { name: `Delete pod ${pod}` }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await until('focus on Cancel', async () => page.evaluate(() => document.activeElement?.id === 'confirm-cancel'));
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1500);
  const after = await kube(`/api/v1/namespaces/demo-apps/pods/${pod}`);
  assert.equal(after.status, 200);
  assert.equal(after.body.metadata.resourceVersion, before);
  assert.equal(after.body.metadata.deletionTimestamp, undefined);
  if (await dialog.isVisible()) await page.keyboard.press('Escape');

  await page.goto(`${ADMIN}/batch/CronJob/demo-apps/report`);
  await page.locator('button[data-action="run-job"]').click();
  const dry = page.locator('#dry-run .would');
  await dry.waitFor();
  assert.equal(await dry.innerText(), 'dry run: a Job created from CronJob report');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

  await page.goto(`${ADMIN}${KS}`);
  const bar = page.getByRole('toolbar', { name: 'Actions' });
  await bar.locator('button[data-action="suspend"]').waitFor();
  assert.equal(await bar.locator('button[data-action="resume"]').count(), 0);
  await page.goto(`${ADMIN}/kustomize.toolkit.fluxcd.io/Kustomization/demo-infra/legacy`);
  await bar.locator('button[data-action="resume"]').waitFor();
  assert.equal(await bar.locator('button[data-action="suspend"]').count(), 0);
});

check('the header leaves Live within 5 s of the server\'s death, and says offline since when', async () => {
  const doomed = process.env.FLUX_WEB_DOOMED_URL;
  const live = page.locator('header .live');
  try {
    await page.goto(`${doomed}/resources`);
    await until('Live', async () => (await live.innerText()).trim() === 'Live');
    process.kill(Number(process.env.FLUX_WEB_DOOMED_PID), 'SIGKILL');
    const died = Date.now();
    await until('not Live', async () => (await live.innerText()).trim() !== 'Live', 5000);
    console.log(`    the header left Live ${Date.now() - died} ms after the server died`);
    assert.equal((await live.innerText()).trim(), 'Reconnecting…');
    await until('Offline since', async () => /^Offline since \d\d:\d\d$/.test((await live.innerText()).trim()), 20000);
    // A page opened now says what is wrong in words, not the browser's: the events page's
    // code was never fetched from this server, so it is its code that cannot come.
    await page.getByRole('link', { name: 'Events' }).click();
    const failure = page.locator('section.failure');
    await failure.waitFor();
    const words = await failure.innerText();
    assert.match(words, /flux-web is not answering/);
    assert.doesNotMatch(words, /TypeError|Failed to fetch/);
  } finally {
    await page.goto(`${ADMIN}/resources`);
  }
});

check('long texts: a 253-character name, a 63-character namespace, a 2,700-character message scroll nothing sideways; a toast keeps its close button', async () => {
  const ns = `long-${'n'.repeat(58)}`;
  const name = `k${'x'.repeat(251)}z`;
  await seedFailing(ns, 1, () => name, 'm'.repeat(2700));
  try {
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(`${ADMIN}/resources?namespace=${ns}`);
      const row = page.locator('table.objects tbody tr').first();
      await row.waitFor();
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${width}: no sideways scroll`);
      assert.ok((await row.boundingBox()).height <= 80, `${width}: the row is ${(await row.boundingBox()).height} px high`);
      await page.goto(`${ADMIN}/kustomize.toolkit.fluxcd.io/Kustomization/${ns}/${name}`);
      await page.locator('h1').first().waitFor();
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
        `${width}: the object page scrolls sideways: ${await past()}; ${await page.evaluate(() => [...document.querySelectorAll('*')]
          .filter((e) => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
          .map((e) => [e.tagName + '.' + e.className, e.clientWidth, e.scrollWidth]).join(' | '))}`);
    }
    // Resume's toast names the object: it wraps, and its close button stays in view. (Resume
    // waits for the controller, which leaves an inert object alone: the toast comes after 30 s.)
    await page.locator('button[data-action="resume"]').click();
    await page.locator('dialog .dry-run .would').waitFor();
    await page.locator('#confirm-go').click();
    const said = page.locator('.toast', { hasText: 'resume' });
    await said.waitFor({ timeout: 45000 });
    const box = await said.boundingBox();
    const close = await said.getByRole('button', { name: 'Dismiss' }).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `the toast at ${JSON.stringify(box)}`);
    assert.ok(close && close.x + close.width <= 360 && close.y >= 0 && close.y + close.height <= 800,
      `the close button at ${JSON.stringify(close)}`);
  } finally {
    await page.setViewportSize({ width: 1280, height: 860 });
    await kubeDelete(`/api/v1/namespaces/${ns}`);
  }
});

check('a stale page link and a bad filter say what is wrong and offer the way back; an unknown route has its heading', async () => {
  await page.goto(`${ADMIN}/resources?namespace=flux-system&continue=5000`);
  await page.getByText('This page is past the end of the list.').waitFor();
  await page.getByRole('link', { name: 'Go to the first page' }).click();
  await page.locator('table.objects tbody tr').first().waitFor();
  await page.goto(`${ADMIN}/resources?sort=size`);
  const failure = page.locator('section.failure');
  await failure.waitFor();
  assert.doesNotMatch(await failure.innerText(), /Something went wrong|There are no Flux objects/);
  await failure.getByRole('link', { name: 'Clear the filters' }).click();
  await page.locator('table.objects tbody tr').first().waitFor();
  await page.goto(`${ADMIN}/no/such/page/here/at-all`);
  await page.getByRole('heading', { level: 1, name: 'No such page' }).waitFor();
  assert.equal(await page.title(), 'No such page · flux-web');
});

check('logs open on the newest line, on the screen, with pickers, level colours and their tally', async () => {
  await page.goto(`${ADMIN}${WEB}?tab=logs`);
  const logs = page.getByRole('region', { name: 'Logs' });
  const region = logs.getByRole('region', { name: 'Log lines' });
  await until('log lines', async () => (await region.locator('.log-line').count()) > 5, 20000);
  assert.ok(await logs.getByRole('checkbox', { name: 'Follow' }).isChecked(), 'opens following');
  await until('scrolled to the newest line', async () => region.evaluate(
    (pre) => pre.scrollHeight <= pre.clientHeight || pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4));
  await logs.getByLabel('Level').waitFor();
  const box = await region.boundingBox();
  assert.ok(box.height >= 300, `the viewer is ${box.height} px high`);
  // The newest line is on the screen, not only at the bottom of a viewer that ends below it.
  await until('the newest line on the screen', async () => region.locator('.log-line').last().evaluate(
    (line) => line.getBoundingClientRect().bottom <= window.innerHeight + 1));
});

check('quick search suggests objects with their state as you type; arrows and Enter open one', async () => {
  await page.goto(`${ADMIN}/`);
  await page.locator('main h1').first().waitFor();
  await page.keyboard.press('/');
  await page.keyboard.type('kind:HelmRelease podinfo');
  const options = page.getByRole('listbox', { name: 'Objects found' }).getByRole('option');
  await until('a suggestion', async () => (await options.count()) > 0);
  assert.match(await options.first().innerText(), /^HelmRelease demo-apps\/podinfo\s+ready$/);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/helm\.toolkit\.fluxcd\.io\/HelmRelease\/demo-apps\/podinfo$/);
});

check('a workload page offers its manager\'s actions', async () => {
  await page.goto(`${ADMIN}${WEB}`);
  const manager = page.getByRole('toolbar', { name: 'Actions of its manager' });
  await manager.locator('button[data-action="reconcile"]').waitFor();
  await manager.locator('button[data-action="suspend"]').waitFor();
});

check('keys: a digit picks an object\'s tab, l its logs', async () => {
  await page.goto(`${ADMIN}${KS}`);
  await page.getByRole('tab', { name: 'Overview' }).waitFor();
  await page.locator('main h1').first().click();
  await page.keyboard.press('2');
  await page.waitForURL(/\?tab=timeline$/);
  await page.goto(`${ADMIN}${WEB}`);
  await page.getByRole('tab', { name: 'Logs' }).waitFor();
  await page.locator('main h1').first().click();
  await page.keyboard.press('l');
  await page.waitForURL(/\?tab=logs$/);
  await page.getByRole('region', { name: 'Log lines' }).waitFor();
});

check('recent actions name what was touched: a Job run from a CronJob, not only its Kustomization', async () => {
  await page.goto(`${ADMIN}/`);
  await act(REPORT, 'run-job');
  await page.reload();
  const first = page.locator('.recent li').first();
  await until('the run in recent actions', async () => /ran a Job from CronJob demo-apps\/report/.test(await first.innerText()));
  assert.equal(await first.getByRole('link').getAttribute('href'), '/batch/CronJob/demo-apps/report');
});

check('the namespace field offers the namespaces the user may list', async () => {
  await page.goto(`${ADMIN}/resources`);
  const offered = page.locator('datalist#namespaces option');
  await until('namespaces offered', async () => (await offered.count()) > 0);
  const values = await offered.evaluateAll((options) => options.map((o) => o.value));
  for (const ns of ['demo-apps', 'demo-infra', 'flux-system']) assert.ok(values.includes(ns), `${ns} in ${values}`);
  await page.goto(`${process.env.FLUX_WEB_VIEWER_URL}/resources`);
  await page.locator('main h1').first().waitFor();
  await until('the viewer\'s namespaces', async () => (await offered.count()) > 0);
  assert.deepEqual(await offered.evaluateAll((options) => options.map((o) => o.value)), ['flux-system']);
});

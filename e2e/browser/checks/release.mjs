// HelmReleases as a Helm user reads them (#34): its chain from the HelmRepository through
// the HelmChart made for it; the History tab of the demo's podinfo lists
// its releases newest first, each with its action, chart and status and what it changed from
// the one before, its tests; the current attempt and the conditions Helm users read on top.

import assert from 'node:assert/strict';
import { ADMIN, axeViolations, check, page, shot } from '../lib.mjs';

const HR = '/helm.toolkit.fluxcd.io/HelmRelease/demo-apps/podinfo';

check('history: a HelmRelease\'s releases newest first, what each changed, its tests and the attempt', async () => {
  await page.goto(`${ADMIN}${HR}?tab=history`);
  // Its chain: the HelmRepository, the HelmChart made for it, itself.
  const steps = page.getByRole('list', { name: 'Pipeline' }).locator(':scope > li');
  await steps.first().waitFor();
  const chain = (await steps.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  assert.deepEqual(chain.slice(0, 3), ['SOURCE HelmRepository demo-apps/podinfo ready',
    'CHART HelmChart demo-apps/demo-apps-podinfo ready', 'THIS HelmRelease podinfo ready']);
  const tab = page.locator('section[aria-labelledby="history-title"]');
  const releases = tab.getByRole('list', { name: 'Releases, newest first' }).locator(':scope > li');
  await releases.first().waitFor();
  const titles = await releases.locator('.release-title strong').allInnerTexts();
  assert.deepEqual(titles, ['v3 · upgrade · podinfo 6.9.0', 'v2 · upgrade · podinfo 6.8.0', 'v1 · install · podinfo 6.8.0']);
  const changes = await releases.locator('.release-changes').allInnerTexts();
  assert.deepEqual(changes, [
    'chart 6.8.0 → 6.9.0 · app 6.8.0 → 6.9.0 · values unchanged · tests passed (1)',
    'values changed · tests not run',
    'podinfo 6.8.0 (app 6.8.0) · tests not run',
  ]);
  assert.match(await releases.first().locator('.release-status').innerText(), /^deployed$/i);
  assert.match(await releases.first().locator('.release-tests').innerText(), /podinfo-grpc-test-6ubwy Succeeded/);
  assert.equal(await tab.locator('.release-attempt').innerText(),
    'Last attempt: upgrade of chart 6.9.0. Its values are the newest release\'s.');
  const conditions = await tab.locator('.release-conditions dt').allInnerTexts();
  assert.deepEqual(conditions, ['Ready', 'Released', 'TestSuccess']);
  await releases.first().locator('details.release-digests > summary').click();
  assert.match(await releases.first().locator('.release-digests').innerText(), /sha256:bea972bf/);
  await shot('release-history-light.png');
  assert.deepEqual(await axeViolations(page), [], 'axe on the History tab');
  // The tab is the HelmRelease's: a Kustomization has none.
  await page.goto(`${ADMIN}/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps`);
  await page.getByRole('tab', { name: 'Overview' }).waitFor();
  assert.equal(await page.getByRole('tab', { name: 'History' }).count(), 0);
});

check('values: composed as helm-controller composes them, each key\'s sources, a Secret masked until revealed', async () => {
  await page.goto(`${ADMIN}${HR}?tab=values`);
  const tab = page.locator('section[aria-labelledby="values-title"]');
  const rows = tab.locator('table.values-sources tbody tr');
  // The process's first composition compiles the engine first (docs/benchmarks.md).
  await rows.first().waitFor({ timeout: 120000 });
  const sources = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  assert.deepEqual(sources, [
    'ConfigMap podinfo-values values.yaml merged whole read',
    'Secret podinfo-redis password redis.password masked Reveal',
    'spec.values — merged whole read',
  ]);
  // helm-controller's own digest of these values is the newest release's.
  assert.equal(await tab.locator('.badge').innerText(), 'The last release\'s values');
  const keys = await tab.locator('dl.values-keys').innerText();
  assert.match(keys, /redis\s+Secret podinfo-redis/);
  assert.match(keys, /replicaCount\s+spec\.values/);
  assert.match(keys, /ui\s+ConfigMap podinfo-values/);
  const yaml = tab.locator('pre.yaml');
  assert.match(await yaml.innerText(), /password: ••••••/);
  assert.doesNotMatch(await tab.innerText(), /demo-redis-password/);
  await shot('release-values-light.png');
  assert.deepEqual(await axeViolations(page), [], 'axe on the Values tab');
  // The reveal is a request of its own (the server audits it) and shows that Secret's values.
  await tab.getByRole('button', { name: 'Reveal the values of Secret podinfo-redis' }).click();
  await tab.getByText('revealed', { exact: true }).waitFor();
  assert.match(await yaml.innerText(), /password: demo-redis-password/);
  assert.match(await tab.locator('.values-revealed').innerText(), /Secret podinfo-redis: your reveal is in the audit trail/);
  assert.deepEqual(await axeViolations(page), [], 'axe on the revealed values');
  // Masked again on request, without leaving the tab.
  await tab.getByRole('button', { name: 'Mask again' }).click();
  await tab.getByRole('button', { name: 'Reveal the values of Secret podinfo-redis' }).waitFor();
  assert.doesNotMatch(await tab.innerText(), /demo-redis-password/);
});

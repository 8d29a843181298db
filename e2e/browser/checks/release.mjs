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
  assert.match(await releases.first().locator('.release-digests').innerText(), /sha256:b{64}/);
  await shot('release-history-light.png');
  assert.deepEqual(await axeViolations(page), [], 'axe on the History tab');
  // The tab is the HelmRelease's: a Kustomization has none.
  await page.goto(`${ADMIN}/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps`);
  await page.getByRole('tab', { name: 'Overview' }).waitFor();
  assert.equal(await page.getByRole('tab', { name: 'History' }).count(), 0);
});

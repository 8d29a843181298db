// Accessibility: axe-core on every page and dialog, light and dark.

import assert from 'node:assert/strict';
import { ADMIN, KS, NOBODY, REPO, REPORT, VIEWER, WEB, axeViolations, check, page } from '../lib.mjs';

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
    ['suspended kustomization', `${ADMIN}/kustomize.toolkit.fluxcd.io/Kustomization/demo-infra/legacy`, '.suspended'],
    ['unknown route', `${ADMIN}/no/such/page/here/x`, 'main h1:visible'],
    ['git repository', `${ADMIN}${REPO}`, 'main h2:visible'],
    ['deployment', `${ADMIN}${WEB}`, 'main h2:visible'],
    ['cron job', `${ADMIN}${REPORT}`, 'main h2:visible'],
    ['timeline tab', `${ADMIN}${KS}?tab=timeline`, 'section[aria-labelledby="timeline-title"] tbody tr'],
    ['inventory tab', `${ADMIN}${KS}?tab=inventory`, 'table.applied .badge'],
    ['preview tab', `${ADMIN}${KS}?tab=preview`, 'section[aria-labelledby="preview-title"] button'],
    ['controllers', `${ADMIN}/controllers`, 'table.controllers tbody tr'],
    ['graph', `${ADMIN}/graph?namespace=flux-system`, 'ul.graph li'],
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
    await page.goto(`${ADMIN}/resources?namespace=flux-system`);
    await page.locator('tbody input[type="checkbox"]').first().click();
    await page.getByRole('toolbar', { name: 'Bulk actions' }).getByRole('button', { name: 'Reconcile' }).click();
    await page.getByRole('dialog').getByText(/will change/).first().waitFor();
    await scan(`selected row and bulk dialog (${scheme})`);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+k');
    await page.getByRole('combobox').first().waitFor();
    await scan(`palette (${scheme})`);
    await page.keyboard.press('Escape');
  }
  await page.emulateMedia({ colorScheme: null });
  console.log(`     axe-core: ${found.length} violations on ${pages.length * 2 + 6} views`);
  for (const line of found) console.log(`     ${line}`);
  assert.equal(found.length, 0, found.join('\n'));
});

// An object's page: the pipeline and the palette's action, the tabs, and a missing object.

import assert from 'node:assert/strict';
import { ADMIN, KS, REPO, check, page, shot, toast } from '../lib.mjs';

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
  assert.deepEqual(await tabs.getByRole('tab').allInnerTexts(), ['Overview', 'Timeline', 'Inventory', 'Preview', 'Spec']);
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
  assert.match(await page.getByRole('region', { name: 'Spec and status as YAML' }).innerText(), /^  sourceRef:$/m);
  await page.keyboard.press('ArrowRight');
  await page.waitForURL((url) => !url.search);
  // The pipeline's workloads lead to the inventory; a reload keeps the tab.
  await page.getByRole('list', { name: 'Pipeline' }).getByRole('link', { name: /\d+ workloads/ }).click();
  await page.waitForURL(/\?tab=inventory$/);
  await page.reload();
  await page.getByRole('tabpanel', { name: 'Inventory' }).getByRole('link', { name: 'demo-apps/web' }).waitFor();
  await shot('kustomization-inventory-light.png');
});

check('a missing object: one heading, one message, a way back', async () => {
  await page.goto(`${ADMIN}/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/nope`);
  await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
  assert.equal(await page.getByRole('alert').count(), 1);
  assert.equal(await page.title(), 'Not found · flux-web');
  await page.getByRole('link', { name: 'Back to the resources' }).click();
  await page.waitForURL(`${ADMIN}/resources`);
});

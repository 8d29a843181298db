// The preview (#33): a Kustomization's Preview tab builds its source's current artifact on
// request, says that it is the controller's own build of the revision, and lists the objects
// with what a reconcile would do to each (a dry run); a user without the preview verb is told
// why, in words.

import assert from 'node:assert/strict';
import { ADMIN, KS, VIEWER, check, page, shot } from '../lib.mjs';

check('preview: the demo\'s apps Kustomization, built on request, is the controller\'s own build; a viewer is told why not', async () => {
  await page.goto(`${ADMIN}${KS}?tab=preview`);
  const tab = page.locator('section[aria-labelledby="preview-title"]');
  await tab.getByRole('button', { name: 'Build the preview' }).click();
  // The first preview of a process compiles the engine (seconds; tens in a debug build).
  await tab.locator('.preview-fidelity').waitFor({ timeout: 120000 });
  assert.match(await tab.locator('.preview-fidelity').innerText(), /the controller's own build/);
  assert.match(await tab.locator('.preview-summary').innerText(), /^\.\/apps\/production at main@sha1:[0-9a-f]+ · 4 objects · sha256:[0-9a-f]{64}$/);
  // Applied already: the dry run of each object changes nothing.
  assert.equal(await tab.locator('.preview-counts').innerText(), '4 unchanged');
  const kinds = await tab.locator('h3').allInnerTexts();
  for (const kind of ['Deployment (2)', 'StatefulSet (1)', 'CronJob (1)']) {
    assert.ok(kinds.includes(kind), `${kind} in ${kinds}`);
  }
  // Copy as: the API call, and the flux CLI's nearest (a diff of a checkout).
  await tab.locator('details.copy-as > summary').click();
  assert.match(await page.getByTestId('copy-flux').innerText(), /^flux diff kustomization apps -n flux-system --path "\$CHECKOUT\/apps\/production"$/);
  await shot('preview-light.png');
  // The same, dark and on a phone, to look at.
  await tab.locator('.preview-diff, details.copy-as').first().evaluate((d) => { d.open = false; });
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('preview-dark.png');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 360, height: 740 });
  await shot('preview-360-light.png');
  await page.setViewportSize({ width: 1280, height: 860 });

  await page.goto(`${VIEWER}${KS}?tab=preview`);
  await page.getByRole('button', { name: 'Build the preview' }).click();
  const refused = page.locator('section[aria-labelledby="preview-title"] [role="alert"]');
  await refused.waitFor();
  assert.match(await refused.innerText(), /^No preview: .*preview/);
});

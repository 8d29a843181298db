// The events page: the audit trail filtered by the URL, and new Events arriving live.

import assert from 'node:assert/strict';
import { ADMIN, KS, act, check, page, shot, until } from '../lib.mjs';

check('events page: the audit trail across namespaces filtered by the URL; a new Event arrives live', async () => {
  // An action of the admin's to find in the trail.
  await page.goto(`${ADMIN}/events?reason=WebAction`);
  await act(KS, 'suspend');
  await act(KS, 'resume');
  const rows = page.locator('table.events tbody tr');
  await page.reload();
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
  await act(KS, 'suspend');
  await until('the suspend at the top, live', async () => (await top()) !== before
    && /action 'suspend'/.test(await rows.first().innerText()));
  await act(KS, 'resume');
  await until('the resume at the top, live', async () => /action 'resume'/.test(await rows.first().innerText()));
  assert.match(await rows.first().innerText(), /Kustomization flux-system\/apps/);
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await shot(`events-${scheme}.png`);
  }
  await page.emulateMedia({ colorScheme: null });
});

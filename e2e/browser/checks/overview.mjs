// The overview: a card a kind, the newest failures, recent actions, live.

import assert from 'node:assert/strict';
import { ADMIN, KS, act, check, page, shot, until } from '../lib.mjs';

check('overview: a card a kind with its states, the newest failures, recent actions, the stream live', async () => {
  await page.goto(`${ADMIN}/`);
  // A recent action to show.
  await act(KS, 'reconcile');
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  assert.equal(await page.title(), 'Overview · flux-web');
  const card = page.locator('.card', { has: page.locator('.card-title', { hasText: /\bKustomization$/ }) });
  await card.waitFor();
  // Its count is what the resource list says it holds.
  const count = Number(await card.locator('.card-count').innerText());
  const listed = await page.evaluate(async () => (await (await fetch('/api/v1/resources?kind=Kustomization&limit=1')).json()).total);
  assert.equal(count, listed);
  await page.locator('.recent li').first().waitFor();
  assert.match(await page.locator('.recent li').first().innerText(), /\b(reconciled|suspended|resumed|pulled|restarted|ran a Job from|deleted)\b/);
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

// The keyboard: the quick search, the shortcut sheet, g-keys and stars; the focus after an
// action and a navigation, the skip link, the user menu.

import assert from 'node:assert/strict';
import { ADMIN, KS, check, page, shot, toast, until } from '../lib.mjs';

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
  assert.equal(await sheet.locator('dt').count(), 13);
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
  // The overview redraws as live changes come: a click on a list redrawn under it is lost,
  // so it is clicked again until the page opens.
  const starred = page.locator('.starred a', { hasText: 'Kustomization flux-system/apps' });
  await until('the starred object opens', async () => {
    await starred.click({ timeout: 2000 }).catch(() => {});
    return page.url() === `${ADMIN}${KS}`;
  }, 30000);
  await star.click();
  await until('unstarred', async () => (await star.getAttribute('aria-pressed')) === 'false');
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

// Who the user is: logging in with OIDC from a deep link and out, and the cluster named.

import assert from 'node:assert/strict';
import { ADMIN, check, page } from '../lib.mjs';

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

check('the header names the cluster, as userinfo says it (the bed\'s kubeconfig context)', async () => {
  await page.goto(`${ADMIN}/`);
  const name = page.locator('header.top .cluster');
  await name.waitFor();
  const info = await page.evaluate(async () => (await fetch('/api/v1/userinfo')).json());
  assert.equal(info.cluster, 'testbed');
  assert.equal(await name.textContent(), 'Cluster testbed', 'the name, read as "Cluster testbed"');
});

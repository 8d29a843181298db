// Served under a path (issue #37): flux-web with baseURL http://127.0.0.1:<port>/flux/, as
// behind an ingress that routes /flux/ to it. Logging in through the bed's OIDC provider,
// a list, an action, logs followed, a download: every request the page makes to flux-web is
// under /flux/, and so is the session cookie's Path.

import assert from 'node:assert/strict';
import { KS, REPO, WEB, check, context, kube, kubeCreate, kubeDelete, page, toast, until } from '../lib.mjs';

const BASE = process.env.FLUX_WEB_SUBPATH_URL;

/** Waits for the page's address, and says where it is when it does not get there. */
async function at(what, test) {
  await page.waitForURL(test).catch((e) => { throw new Error(`${what}: the page is at ${page.url()}\n${e.message}`); });
}

check('under a path: log in, list, act, follow logs, download, every request beneath it', async () => {
  const { origin, pathname: prefix } = new URL(`${BASE}/`);
  // Bob may do everything here: this check is about where requests go, not who may send them.
  const binding = '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/flux-web-browser-subpath';
  if ((await kube(binding)).status === 200) await kubeDelete(binding);
  await kubeCreate('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
    metadata: { name: 'flux-web-browser-subpath' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob@example.com' }],
  });
  const outside = [];
  const watch = (r) => {
    const url = new URL(r.url());
    if (url.origin === origin && !url.pathname.startsWith(prefix)) outside.push(`${r.method()} ${r.url()}`);
  };
  page.on('request', watch);
  try {
    // Whoever logged in at the provider before is not Bob.
    await context.clearCookies();
    const deep = `${BASE}/resources?namespace=flux-system&kind=Kustomization`;
    await page.goto(deep);
    await at('the login page', (url) => url.pathname === `${prefix}login`);
    await page.getByRole('link', { name: 'Log in with your identity provider' }).click();
    await page.locator('input[name="login"]').fill('bob');
    await page.locator('input[name="password"]').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await at('back on the page asked for', deep);
    // Every cookie of the host, whatever its path.
    const session = (await context.cookies()).filter((c) => c.domain === '127.0.0.1' && c.name.startsWith('flux-web-session'));
    assert.ok(session.length > 0, 'a session cookie');
    assert.deepEqual([...new Set(session.map((c) => c.path))], [prefix], 'the session cookie is the path\'s');

    // The list, and a page reached from it by the router.
    // Its link names the path: the router's own links would leave it.
    const row = page.locator(`a[href="${prefix}${KS.slice(1)}"]`).first();
    await row.waitFor();
    await row.click();
    await at('the Kustomization\'s page', (url) => url.pathname === `${prefix}${KS.slice(1)}`);
    await page.getByRole('button', { name: 'Reconcile' }).click();
    await toast('reconcil');

    // Logs, followed.
    await page.goto(`${BASE}${WEB}?tab=logs`);
    const logs = page.getByRole('region', { name: 'Logs' });
    const lines = logs.locator('.log-line');
    await until('log lines', async () => (await lines.count()) > 0, 30000);
    await logs.getByRole('checkbox', { name: 'Follow' }).check();
    await until('followed lines', async () => (await lines.count()) > 0);
    await logs.getByRole('checkbox', { name: 'Follow' }).uncheck();

    // A download of the source's artifact.
    await page.goto(`${BASE}${REPO}`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download' }).click(),
    ]);
    assert.ok(download.suggestedFilename().endsWith('.tar.gz'), download.suggestedFilename());
    assert.ok(new URL(download.url()).pathname.startsWith(prefix), download.url());
  } finally {
    page.off('request', watch);
    await context.clearCookies();
    await kubeDelete(binding);
  }
  assert.deepEqual(outside, [], 'requests outside the path');
  // Nothing of flux-web's is served outside it but a way in.
  const root = await fetch(`${origin}/api/v1/userinfo`);
  assert.equal(root.status, 404);
});

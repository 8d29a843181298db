// Why is it not ready (#32): a failed object waiting for another says which, with a link, in
// its row and on its page; each page names the other (depends on, required by).

import assert from 'node:assert/strict';
import { ADMIN, INERT, check, kubeCreate, kubeDelete, kubeStatus, page, shot } from '../lib.mjs';

const KUSTOMIZATIONS = '/apis/kustomize.toolkit.fluxcd.io/v1';

/** An inert Kustomization `name` of `ns` (no controller touches it) with `status`. */
async function seed(ns, name, spec, conditions) {
  const path = `${KUSTOMIZATIONS}/namespaces/${ns}/kustomizations`;
  await kubeCreate(path, {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, labels: INERT },
    spec: { interval: '10m', path: './x', prune: true, sourceRef: { kind: 'GitRepository', name: 'none' }, ...spec },
  });
  await kubeStatus(`${path}/${name}`, { conditions: conditions.map((c) => ({ lastTransitionTime: new Date().toISOString(), ...c })) });
}

check('blocked by: a Kustomization waiting for a failing one names it in its row and on its page; each page links the other', async () => {
  const ns = `why-${Date.now().toString(36)}`;
  await kubeCreate('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  try {
    await seed(ns, 'base', {}, [{ type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'kustomize build failed' }]);
    await seed(ns, 'after', { dependsOn: [{ name: 'base' }] }, [
      { type: 'Ready', status: 'False', reason: 'DependencyNotReady', message: `dependency '${ns}/base' is not ready` },
      { type: 'Reconciling', status: 'True', reason: 'ProgressingWithRetry', message: 'retrying' }]);

    // The row: what it waits for instead of the controller's sentence, a link to it.
    await page.goto(`${ADMIN}/resources?namespace=${ns}&sort=name`);
    const named = (name) => page.locator('table.objects tbody tr')
      .filter({ has: page.getByRole('link', { name, exact: true }) });
    const row = named('after');
    await row.locator('.blocked').waitFor();
    assert.equal((await row.locator('.blocked').innerText()).trim(), `Waits for Kustomization ${ns}/base`);
    assert.equal(await named('base').locator('.blocked').count(), 0, 'a build failure is its own');

    // Its page: the line under the title, and the dependency with its state.
    await row.getByRole('link', { name: 'after' }).click();
    await page.locator('.object-header .blocked-by').waitFor();
    assert.equal((await page.locator('.object-header .blocked-by').innerText()).trim(), `Waits for Kustomization ${ns}/base`);
    const dependencies = page.locator('dl.dependencies');
    await dependencies.waitFor();
    assert.match(await dependencies.innerText(), new RegExp(`Depends on\\s+Kustomization ${ns}/base\\s+failed`));
    await shot('blocked-light.png');

    // The dependency's page names who waits for it, a link back.
    await page.locator('.object-header .blocked-by').getByRole('link', { name: `${ns}/base` }).click();
    await page.waitForURL(new RegExp(`/Kustomization/${ns}/base$`));
    const required = page.locator('dl.dependencies');
    await required.waitFor();
    assert.match(await required.innerText(), new RegExp(`Required by\\s+Kustomization ${ns}/after`));
    await required.getByRole('link', { name: `${ns}/after` }).click();
    await page.waitForURL(new RegExp(`/Kustomization/${ns}/after$`));
  } finally {
    await kubeDelete(`/api/v1/namespaces/${ns}`);
  }
});

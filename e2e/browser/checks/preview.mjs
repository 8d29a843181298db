// The preview (#33): a Kustomization's Preview tab builds its source's current artifact on
// request, says that it is the controller's own build of the revision, and lists the objects
// with what a reconcile would do to each (a dry run); a user without the preview verb is told
// why, in words. A staged pull fetches a commit and previews it before anything applies it;
// the confirmations of resume and reconcile show what they would apply.

import assert from 'node:assert/strict';
import { ADMIN, KS, VIEWER, axeViolations, check, commit, kube, kubeCreate, kubeDelete, kubePatch, page, shot, until } from '../lib.mjs';

check('preview: the demo\'s apps Kustomization, built on request, is the controller\'s own build; a viewer is told why not', async () => {
  await page.goto(`${ADMIN}${KS}?tab=preview`);
  const tab = page.locator('section[aria-labelledby="preview-title"]');
  await tab.getByRole('button', { name: 'Build the preview' }).click();
  // The first preview of a process compiles the engine (seconds; tens in a debug build).
  await tab.locator('.preview-fidelity').waitFor({ timeout: 120000 });
  assert.match(await tab.locator('.preview-fidelity').innerText(), /the controller's own build/);
  assert.match(await tab.locator('.preview-summary').innerText(), /^\.\/apps\/production at main@sha1:[0-9a-f]+ · 4 objects · sha256:[0-9a-f]{64}$/);
  // The demo's Kustomization names no account: the dry run was the caller's, said in words.
  assert.match(await tab.locator('.preview-applier').innerText(), /^The dry run applied as you \(the controller applies as itself\)/);
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

check('staged pull: a commit fetched and previewed before anything applies it, then resumed from its preview; the resume\'s and the reconcile\'s confirmations show the counts and a diff', async () => {
  const id = `staged-${Date.now().toString(36)}`;
  const root = `browser/${id}`;
  const configMap = (name, data) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
  const settings = `/api/v1/namespaces/${id}/configmaps/settings`;
  const ksPath = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/${id}`;
  // A source of its own: nothing else asks it to fetch, so R+1 waits for the staged pull.
  const repos = '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories';
  await kubeCreate('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: id } });
  try {
    // Revision R, fetched and applied by the real controllers.
    commit({ [`${root}/settings.yaml`]: configMap('settings', { mode: 'one' }) }, `${id}: R`);
    await kubeCreate(repos, {
      apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: id },
      spec: { interval: '10m', url: `${process.env.GIT_URL}/demo.git`, ref: { branch: 'main' } },
    });
    await kubeCreate('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations', {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: id },
      spec: { interval: '10m', prune: true, path: `./${root}`, targetNamespace: id, sourceRef: { kind: 'GitRepository', name: id } },
    });
    await until('R applied', async () => (await kube(settings)).body.data?.mode === 'one', 60000);
    // Applied, and its source idle at R: R+1 is fetched by the staged pull alone.
    await until('the source idle', async () => {
      const status = (await kube(`${repos}/${id}`)).body.status ?? {};
      return status.artifact && status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    }, 30000);
    // R+1, committed and not fetched: a staged pull fetches it and applies nothing.
    commit({ [`${root}/settings.yaml`]: configMap('settings', { mode: 'two' }), [`${root}/added.yaml`]: configMap('added', { new: 'yes' }) }, `${id}: R+1`);
    const page_ = `${ADMIN}/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/${id}`;
    await page.goto(page_);
    await page.getByRole('button', { name: 'Staged pull', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('.dry-run .would').waitFor();
    assert.match(await dialog.innerText(), /suspended \(reason: preview\)/);
    await dialog.getByRole('button', { name: /^Staged pull/ }).click();
    // The page opens the Preview tab on the revision just fetched, built at once.
    await page.waitForURL(/tab=preview&build=/, { timeout: 45000 });
    const tab = page.locator('section[aria-labelledby="preview-title"]');
    await until('the preview of R+1', async () => /1 create · 1 update/.test(await tab.locator('.preview-counts').innerText().catch(() => '')), 120000);
    const ks = (await kube(ksPath)).body;
    assert.equal(ks.spec.suspend, true);
    assert.equal(ks.metadata.annotations['fluxcd.controlplane.io/suspendedReason'], 'preview');
    assert.equal((await kube(settings)).body.data.mode, 'one', 'nothing applied yet');
    assert.equal((await kube(`/api/v1/namespaces/${id}/configmaps/added`)).status, 404);
    await tab.locator(`summary[aria-label="Diff of ${id}/settings"]`).click();
    const diff = await tab.locator('.preview-diff[open] pre').innerText();
    assert.match(diff, /-\s+mode: one/);
    assert.match(diff, /\+\s+mode: two/);
    assert.match(await tab.locator('.preview-held').innerText(), /applies nothing until it is resumed/);
    await shot('staged-pull-light.png');
    assert.deepEqual(await axeViolations(page), [], 'axe on the staged preview');
    // Resume from the preview: its confirmation shows the same counts, and the diffs.
    await tab.getByRole('button', { name: 'Resume to apply' }).click();
    const forecast = dialog.locator('.forecast');
    await forecast.locator('.preview-counts, .hint').first().waitFor({ timeout: 150000 });
    assert.match(await forecast.innerText(), /\n1 create · 1 update \(main@sha1:[0-9a-f]{40}\)\n/);
    await forecast.locator(`summary[aria-label="Diff of ${id}/settings"]`).click();
    assert.match(await forecast.locator('.preview-diff[open] pre').innerText(), /\+\s+mode: two/);
    await shot('resume-forecast-light.png');
    assert.deepEqual(await axeViolations(page), [], 'axe on the resume\'s confirmation and its forecast');
    await dialog.locator('.dry-run .would').waitFor();
    await dialog.getByRole('button', { name: /^Resume/ }).click();
    await until('R+1 applied once resumed', async () => (await kube(settings)).body.data?.mode === 'two'
      && (await kube(`/api/v1/namespaces/${id}/configmaps/added`)).status === 200, 60000);
    // Drift, and the reconcile's confirmation (the palette asks for everything) shows it.
    await kubePatch(settings, { data: { mode: 'by hand' } });
    await page.goto(page_);
    await page.getByRole('button', { name: 'Commands' }).click();
    const command = `Reconcile Kustomization flux-system/${id}`;
    await page.getByRole('combobox', { name: 'Command' }).fill(command);
    // The page offers its object's commands once it has read it: an Enter before then runs
    // nothing (the race CI lost, on a bed busy with the integration tests' objects).
    await page.getByRole('option', { name: command }).waitFor();
    await page.keyboard.press('Enter');
    await forecast.locator('.preview-counts, .hint').first().waitFor({ timeout: 150000 });
    assert.match(await forecast.innerText(), /\n1 update · 1 unchanged \(/);
    await forecast.locator(`summary[aria-label="Diff of ${id}/settings"]`).click();
    assert.match(await forecast.locator('.preview-diff[open] pre').innerText(), /-\s+mode: by hand/);
    await page.keyboard.press('Escape');
  } finally {
    // Away from its page first: a page open on a deleted object says so, as an error.
    await page.goto(`${ADMIN}/resources`);
    for (const path of [ksPath, `${repos}/${id}`]) {
      await fetch(`${process.env.APISERVER}${path}`, { method: 'DELETE', headers: { Authorization: `Bearer ${process.env.ADMIN_TOKEN}` } });
    }
    await kubeDelete(`/api/v1/namespaces/${id}`);
    commit({ [`${root}/settings.yaml`]: null, [`${root}/added.yaml`]: null }, `${id}: gone`);
  }
});

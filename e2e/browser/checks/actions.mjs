// Actions on one object's page: reconcile, pull, suspend with a reason and an end (lifted by
// the resumer, in the timeline), the confirmation and its dry run, a download, and refusals:
// a missing verb reached by keyboard, a permission revoked while the page is open.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, KS, REPO, VIEWER, check, kube, kubeCreate, kubeDelete, page, shot, toast, until } from '../lib.mjs';

check('reconcile: the annotation appears in the cluster and kustomize-controller answers it', async () => {
  await page.goto(`${ADMIN}${KS}`);
  await page.getByRole('button', { name: 'Reconcile' }).click();
  await toast('reconcil');
  const requested = await until('requestedAt on the Kustomization', async () => {
    const { body } = await kube('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps');
    return body.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
  });
  await until('lastHandledReconcileAt', async () => {
    const { body } = await kube('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps');
    return body.status?.lastHandledReconcileAt === requested;
  });
  // The controller's answer, as the page shows it: the revision it applied from the bed's Git server.
  await page.locator('.object-header .message', { hasText: /^Applied revision: main@sha1:[0-9a-f]{40}$/ }).waitFor({ timeout: 10000 });
});

check('pull: the source fetches again before the Kustomization reconciles, and the toast has the controller\'s answer', async () => {
  const repo = '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system';
  const before = (await kube(repo)).body.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
  await page.goto(`${ADMIN}${KS}`);
  await page.getByRole('button', { name: 'Pull', exact: true }).click();
  assert.match(await toast('The controller handled it', 40000), /Ready: True/);
  const after = (await kube(repo)).body.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
  assert.ok(after && after !== before, `the GitRepository was asked too: ${before} -> ${after}`);
});

check('suspend with a reason, shown after a reload; Escape closes the dialog; resume', async () => {
  await page.goto(`${ADMIN}${KS}`);
  await page.getByRole('button', { name: 'Suspend' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Suspend' }).click();
  await page.getByLabel(/Reason/).fill('freeze for the audit, ticket 7');
  await dialog.getByRole('button', { name: 'Suspend' }).click();
  await toast('suspend');
  await page.reload();
  await page.getByText('Suspended by admin: freeze for the audit, ticket 7').waitFor();
  // A resume of a Kustomization asks: its confirmation shows what it would apply.
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await dialog.locator('.dry-run .would').waitFor();
  await dialog.getByRole('button', { name: /^Resume/ }).click();
  await toast('resume');
  await page.reload();
  await page.getByRole('button', { name: 'Suspend' }).waitFor();
  assert.equal(await page.getByText('Suspended by').count(), 0);
});

check('a confirmation: what the action does, its dry run refusing a bad end with nothing written, and copy as flux, kubectl, curl', async () => {
  const path = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps';
  const before = (await kube(path)).body.metadata.resourceVersion;
  await page.goto(`${ADMIN}${KS}`);
  await page.getByRole('button', { name: 'Suspend' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm' });
  await dialog.locator('.confirm-what', { hasText: 'Suspend Kustomization flux-system/apps' }).waitFor();
  const verdict = dialog.locator('.dry-run');
  await verdict.locator('.would', { hasText: /^dry run: / }).waitFor();
  const confirm = dialog.getByRole('button', { name: 'Suspend Kustomization flux-system/apps' });
  assert.equal(await confirm.getAttribute('aria-disabled'), 'false');
  // An end beyond the server's maximum: the dry run refuses it, says why, and the button stays
  // marked until the end is fixed.
  await page.getByLabel(/Until/).fill('9999h');
  await page.getByLabel(/Reason/).focus();
  await verdict.locator('.error', { hasText: /^The server would refuse it: .*until/ }).waitFor();
  assert.equal(await confirm.getAttribute('aria-disabled'), 'true');
  assert.equal(await confirm.getAttribute('aria-describedby'), 'dry-run');
  await dialog.getByText(/^Copy as/).click();
  assert.equal(await dialog.getByTestId('copy-flux').innerText(), 'flux suspend kustomization apps -n flux-system');
  assert.match(await dialog.getByTestId('copy-kubectl').innerText(),
    /^kubectl -n flux-system patch kustomization apps --type merge -p '\{"spec":\{"suspend":true\}\}'$/);
  const curl = await dialog.getByTestId('copy-curl').innerText();
  assert.match(curl, /\/api\/v1\/kustomize\.toolkit\.fluxcd\.io\/Kustomization\/flux-system\/apps\/actions\/suspend'/);
  assert.match(curl, /"until": "9999h"/, 'the curl follows the fields');
  await shot('confirm-light.png');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  const after = (await kube(path)).body;
  assert.equal(after.metadata.resourceVersion, before, 'dry runs wrote nothing');
  assert.equal(after.spec.suspend ?? false, false);
});

check('suspend until: the end and its countdown on the page, then the resumer lifts it by itself; the timeline has both, filtered to people', async () => {
  // Event times have whole seconds: a suspend in the second after an earlier resume sorts
  // after it in the timeline.
  await page.waitForTimeout(1100);
  await page.goto(`${ADMIN}${KS}`);
  await page.getByRole('button', { name: 'Suspend' }).click();
  await page.getByLabel(/Reason/).fill('maintenance window');
  await page.getByLabel(/Until/).fill('6s');
  await page.getByRole('dialog').getByRole('button', { name: 'Suspend' }).click();
  await toast('suspended until');
  await page.reload();
  const suspended = page.locator('p.suspended', { hasText: 'Suspended by admin: maintenance window until' });
  await suspended.waitFor();
  assert.match(await suspended.innerText(), /until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \((in \d+s|now)\)\.$/,
    'the end, its countdown, and no warning: a resumer runs');
  // The resumer (period 1 s here) resumes it; the page follows over SSE, without a reload.
  const resumed = await until('the resumer\'s resume', async () => {
    const { body } = await kube('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps');
    return body.spec.suspend === undefined && body;
  }, 20000);
  assert.equal(resumed.metadata.annotations?.['web.fluxcd.controlplane.io/suspendedUntil'], undefined);
  await suspended.waitFor({ state: 'detached', timeout: 10000 });
  await page.reload();
  assert.ok(await page.getByRole('button', { name: 'Suspend' }).isEnabled(), 'suspend offered again');
  // The timeline: the resumer's resume on the admin's behalf, then the admin's suspend.
  await page.goto(`${ADMIN}${KS}?tab=timeline`);
  const rows = page.locator('section[aria-labelledby="timeline-title"] tbody tr');
  await rows.first().waitFor();
  await page.getByRole('button', { name: 'People' }).click();
  assert.equal(await page.getByRole('button', { name: 'People' }).getAttribute('aria-pressed'), 'true');
  const people = await rows.allInnerTexts();
  assert.ok(people.length >= 2, people.join('\n'));
  assert.match(people[0], /flux-web:resumer: resume.*on behalf of 'admin'/s, 'newest first: the scheduled resume');
  assert.match(people[1], /admin: suspend/);
  await page.getByRole('button', { name: 'Controller' }).click();
  for (const row of await rows.allInnerTexts()) assert.doesNotMatch(row, /\baction\b/);
});

check('download of the GitRepository artifact: the bytes of storage, the server\'s filename', async () => {
  await page.goto(`${ADMIN}${REPO}`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download' }).click(),
  ]);
  const saved = join(mkdtempSync(join(tmpdir(), 'flux-web-download-')), download.suggestedFilename());
  await download.saveAs(saved);
  const { body } = await kube('/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system');
  const original = Buffer.from(await (await fetch(body.status.artifact.url)).arrayBuffer());
  assert.ok(download.suggestedFilename().endsWith('.tar.gz'), download.suggestedFilename());
  assert.ok(readFileSync(saved).equals(original), 'downloaded bytes differ from storage');
});

check('a user without the verb reaches the refused action by keyboard and reads the missing rule', async () => {
  await page.goto(`${VIEWER}${KS}`);
  const reconcile = page.getByRole('button', { name: 'Reconcile' });
  await reconcile.waitFor();
  // Marked, not disabled: it takes the focus, and what describes it is the reason, on the page.
  assert.equal(await reconcile.getAttribute('aria-disabled'), 'true');
  assert.equal(await reconcile.evaluate((b) => b.disabled), false, 'focusable: not the disabled attribute');
  await reconcile.focus();
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'reconcile');
  const why = page.locator(`#${await reconcile.getAttribute('aria-describedby')}`);
  assert.ok(await why.isVisible());
  assert.match(await why.innerText(), /missing RBAC rule: verb 'reconcile' on 'kustomizations'/);
  // Pressed anyway, it does nothing: no request, no toast.
  const version = (await kube('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps')).body.metadata.resourceVersion;
  await page.keyboard.press('Enter');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await page.locator('.toast').count(), 0);
  assert.equal((await kube('/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps')).body.metadata.resourceVersion, version);
  await page.getByRole('button', { name: 'vic' }).click();
  assert.equal((await page.getByTestId('impersonated-user').innerText()).trim(), 'vic');
  await page.keyboard.press('Escape');
  await page.getByTestId('impersonated-user').waitFor({ state: 'hidden' });
});

check('a permission revoked while the page is open: after the 403 the button is marked refused, no reload', async () => {
  const binding = '/apis/rbac.authorization.k8s.io/v1/namespaces/flux-system/rolebindings';
  await kubeCreate(binding, {
    metadata: { name: 'vic-for-a-while' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flux-web-admin' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'vic' }],
  });
  await page.goto(`${VIEWER}${KS}`);
  const reconcile = page.getByRole('button', { name: 'Reconcile' });
  await until('vic may reconcile', async () => {
    await page.reload();
    await reconcile.waitFor();
    return (await reconcile.getAttribute('aria-disabled')) === 'false';
  });
  await kubeDelete(`${binding}/vic-for-a-while`);
  await new Promise((r) => setTimeout(r, 1000));
  await reconcile.click();
  await toast('Reconcile failed');
  await until('the button marked refused', async () => (await reconcile.getAttribute('aria-disabled')) === 'true');
  // A failure is an alert, and stays until dismissed (a success goes after 8 s).
  const failed = page.locator('.toast-failed', { hasText: 'Reconcile failed' });
  assert.equal(await failed.getAttribute('role'), 'alert');
  await page.waitForTimeout(9000);
  assert.equal(await failed.count(), 1, 'the failure toast stays');
  await failed.getByRole('button', { name: 'Dismiss' }).click();
  await failed.waitFor({ state: 'detached' });
});

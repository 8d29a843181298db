// Workload pages: status words, a Job run from a CronJob, a rollout restart, the logs, and a
// Pod deleted.

import assert from 'node:assert/strict';
import { ADMIN, KS, REPORT, WEB, check, kube, page, shot, toast, until } from '../lib.mjs';

check('status words: replicas on a Deployment, a CronJob\'s schedule, an Alert ready as flux get says', async () => {
  await page.goto(`${ADMIN}${WEB}`);
  const badge = page.locator('h1 .badge');
  await badge.waitFor();
  assert.match(await badge.innerText(), /^(ready|progressing)$/);
  await page.locator('.object-header .message', { hasText: /\d+\/\d+ ready/ }).waitFor();
  await page.goto(`${ADMIN}${REPORT}`);
  await page.locator('.object-header .message', { hasText: /schedule .+, (last run|not run yet)/ }).waitFor();
  await page.goto(`${ADMIN}/resources?namespace=flux-system&kind=Alert`);
  assert.equal(await page.locator('tbody tr .badge').first().innerText(), 'ready');
  await page.locator('tbody tr', { hasText: 'keeps no status' }).first().waitFor();
});

check('run a Job from the CronJob: the toast names it and the page lists it', async () => {
  await page.goto(`${ADMIN}${REPORT}`);
  await page.getByRole('button', { name: 'Run job' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Run job CronJob demo-apps/report' }).click();
  const text = await toast('Job ');
  assert.equal(text.match(/created/g)?.length, 1, `the toast says it once: ${text}`);
  const job = /Job demo-apps\/(report-[a-z0-9-]+)/.exec(text)?.[1];
  assert.ok(job, text);
  await page.getByRole('heading', { name: `Job ${job}` }).waitFor({ timeout: 10000 });
  assert.equal((await kube(`/apis/batch/v1/namespaces/demo-apps/jobs/${job}`)).status, 200);
});

check('rollout restart of the Deployment sets restartedAt on its template', async () => {
  await page.goto(`${ADMIN}${WEB}`);
  const since = Date.now();
  await page.getByRole('button', { name: 'Rollout restart' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Rollout restart Deployment demo-apps/web' }).click();
  await toast('restart');
  const { body } = await kube('/apis/apps/v1/namespaces/demo-apps/deployments/web');
  assert.ok(body.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']);
  // The audit Event of this restart stays on the Kustomization that manages the Deployment,
  // and its message names both (Events of earlier runs on the same bed do not count).
  const said = "User 'admin' performed action 'restart' for 'Deployment/demo-apps/web' managed by 'Kustomization/flux-system/apps' on the web UI";
  const event = await until('the audit Event of this restart', async () => {
    const { body: events } = await kube('/api/v1/namespaces/flux-system/events');
    return events.items.find((e) => e.reason === 'WebAction' && e.involvedObject.name === 'apps'
      && e.metadata.annotations?.['event.toolkit.fluxcd.io/subject'] === 'Deployment/demo-apps/web'
      && Date.parse(e.lastTimestamp) >= since - 1000);
  });
  assert.equal(event.message, said);
  await page.goto(`${ADMIN}${KS}?tab=timeline`);
  await page.getByText(said).first().waitFor();
});

check('logs after the restart: every Pod in its colour, filtered as you type, followed, downloaded', async () => {
  // The page draws the object anew on each live update, the log viewer and its filter with
  // it: the rollout of the restart settles first, so no update comes while the filter is used.
  await until('the restart rolled out', async () => {
    const { body: d } = await kube('/apis/apps/v1/namespaces/demo-apps/deployments/web');
    const { body: pods } = await kube('/api/v1/namespaces/demo-apps/pods?labelSelector=app%3Dweb');
    const s = d.status ?? {};
    return s.observedGeneration === d.metadata.generation && s.updatedReplicas === d.spec.replicas
      && s.readyReplicas === d.spec.replicas && s.replicas === d.spec.replicas
      && pods.items.every((p) => !p.metadata.deletionTimestamp);
  }, 60000);
  await page.goto(`${ADMIN}${WEB}?tab=logs`);
  const logs = page.getByRole('region', { name: 'Logs' });
  const lines = logs.locator('.log-line');
  await until('log lines of the restarted Pods', async () => (await lines.count()) > 0);
  const pods = await until('the Pods of the Deployment, Ready on the kwok Node', async () => {
    const { body } = await kube('/api/v1/namespaces/demo-apps/pods?labelSelector=app%3Dweb');
    const ready = body.items.filter((p) => !p.metadata.deletionTimestamp
      && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length > 0 && ready.map((p) => p.metadata.name);
  });
  const gutter = await logs.locator('.log-pod').allInnerTexts();
  assert.ok(pods.some((pod) => gutter.some((g) => g.startsWith(`${pod}/`))), `${pods} in ${gutter.slice(0, 3)}`);
  await logs.getByRole('searchbox', { name: 'Filter log lines' }).fill('line 200');
  await until('only the matching lines', async () => {
    const texts = await lines.allInnerTexts();
    return texts.length > 0 && texts.every((t) => t.includes('line 200'));
  });
  await logs.getByText(/\d+ of \d+ lines/).waitFor();
  const download = page.waitForEvent('download');
  await logs.getByRole('button', { name: 'Download' }).click();
  assert.match((await download).suggestedFilename(), /^apps-Deployment-demo-apps-web\.log$/);
  await logs.getByRole('searchbox', { name: 'Filter log lines' }).fill('');
  await logs.getByRole('checkbox', { name: 'Follow' }).check();
  await until('followed lines', async () => (await lines.count()) > 0);
  await shot('logs-light.png');
  await logs.getByRole('checkbox', { name: 'Follow' }).uncheck();
});

check('delete a pod after a confirmation that names it and its dry run', async () => {
  await page.goto(`${ADMIN}${WEB}`);
  const first = page.locator('tbody tr', { has: page.locator('button[data-action="delete"]') }).first();
  await first.waitFor();
  const pod = (await first.locator('td').first().innerText()).trim();
  await first.getByRole('button', { name: `Delete pod ${pod}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('The Pod is deleted; if a controller owns it, a new one takes its place.').waitFor();
  await dialog.getByRole('button', { name: `Delete Pod demo-apps/${pod}` }).click();
  await toast('delete');
  await until(`pod ${pod} gone`, async () => {
    const { status, body } = await kube(`/api/v1/namespaces/demo-apps/pods/${pod}`);
    return status === 404 || body.metadata?.deletionTimestamp;
  });
});

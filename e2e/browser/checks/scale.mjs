// Many objects (#35): 10,000 and 50,000 Kustomizations in a namespace of their own, created
// in bulk on the bed and deleted after. The list shows a page of them, counted, and is
// scrolled, walked by keyboard, paged, sorted and searched without a long task over 200 ms.
// Last of a whole run: the namespace controller's 60,000 deletions after are nobody's wait.

import assert from 'node:assert/strict';
import { ADMIN, INERT, check, context, kubeCreate, kubeDelete, until } from '../lib.mjs';

const KUSTOMIZATIONS = '/apis/kustomize.toolkit.fluxcd.io/v1';

/** Creates `count` inert Kustomizations in a new namespace `ns`, `parallel` at a time. */
async function manyKustomizations(ns, count, parallel = 32) {
  await kubeCreate('/api/v1/namespaces', { metadata: { name: ns } });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      await kubeCreate(`${KUSTOMIZATIONS}/namespaces/${ns}/kustomizations`, {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization',
        metadata: { name: `ks-${String(i).padStart(5, '0')}`, labels: INERT },
        spec: { interval: '1h', path: './', prune: false, sourceRef: { kind: 'GitRepository', name: 'none' } },
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** The list of `count` objects, looked through as a user would; the long tasks printed. */
async function many(count) {
  const ns = `many-${count}-${Date.now().toString(36)}`;
  const created = Date.now();
  await manyKustomizations(ns, count);
  console.log(`     ${count} Kustomizations created in ${((Date.now() - created) / 1000).toFixed(1)} s`);
  try {
    const view = await context.newPage();
    try {
      // Every long task of the page from its first script on (Long Tasks API).
      await view.addInitScript(() => {
        window.longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.longTasks.push(e.duration);
        }).observe({ type: 'longtask', buffered: true });
      });
      const started = Date.now();
      await view.goto(`${ADMIN}/resources?namespace=${ns}`);
      const pager = view.getByRole('navigation', { name: 'Pages of the list' });
      const counted = new RegExp(`of ${count}\\b`);
      await until('all of them counted', async () => counted.test(await pager.innerText().catch(() => '')), 60000);
      const rendered = Date.now() - started;
      assert.equal(await view.locator('tbody tr').count(), 50, `a page of 50 rows, not ${count}`);
      for (let i = 0; i < 20; i += 1) await view.mouse.wheel(0, 400);
      await view.locator('tbody tr').first().locator('a').first().focus();
      for (let i = 0; i < 60; i += 1) await view.keyboard.press('j');
      await pager.getByRole('link', { name: 'Next' }).click();
      await pager.getByText(new RegExp(`^51–100 of ${count}$`)).waitFor();
      await view.locator('thead').getByRole('link', { name: 'Name', exact: true }).click();
      await view.waitForURL(/sort=/);
      const last = String(count - 1).padStart(5, '0');
      await view.locator('tbody tr').first().getByText(new RegExp(`^ks-(00000|${last})$`)).waitFor({ timeout: 30000 });
      // Searched by name: the ten whose name holds it, among them all.
      const search = view.getByRole('search', { name: 'Filters' }).getByRole('searchbox');
      await search.fill('ks-0042');
      await search.press('Enter');
      await pager.getByText(/^1–10 of 10$/).waitFor({ timeout: 30000 });
      assert.deepEqual((await view.locator('tbody tr td a').allInnerTexts()).filter((t) => t.startsWith('ks-')).sort(),
        Array.from({ length: 10 }, (_, i) => `ks-0042${i}`));
      await view.waitForTimeout(500);
      const tasks = await view.evaluate(() => window.longTasks);
      assert.ok(Array.isArray(tasks), 'the Long Tasks API observed the page');
      const longest = Math.round(Math.max(0, ...tasks));
      console.log(`     ${count} objects: list shown after ${rendered} ms; ${tasks.length} long tasks (> 50 ms), the longest ${longest} ms`);
      assert.ok(longest <= 200, `a long task of ${longest} ms`);
    } finally {
      await view.close();
    }
  } finally {
    // The namespace controller deletes them after: a minute or more for 50,000 (one
    // deletecollection outlives kube-apiserver's 60 s request timeout).
    await kubeDelete(`/api/v1/namespaces/${ns}`);
  }
}

check('10,000 objects: the list renders, scrolls, pages, sorts and searches without a long task over 200 ms (printed)', () => many(10000));

check('50,000 objects: the list renders, scrolls, pages, sorts and searches without a long task over 200 ms (printed)', () => many(50000));

// The resource list: filters in the URL, one read on a first load and its size, sorting,
// chips and rows by keyboard, why a list is empty, ages that move (many objects: scale.mjs).

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ADMIN, CHROMIUM_ARGS, NOBODY, VIEWER, check, page, until } from '../lib.mjs';

check('the resources page lists the Kustomization, filtered by the query string', async () => {
  await page.goto(`${ADMIN}/resources?namespace=flux-system&kind=Kustomization`);
  const row = page.locator('tr', { hasText: 'apps' }).first();
  await row.waitFor();
  assert.match(await row.innerText(), /Kustomization\s+flux-system\s+apps/);
  assert.equal(await page.locator('tr', { hasText: 'demo-apps' }).count(), 0, 'other namespaces filtered out');
  assert.equal(await page.locator('select').first().inputValue(), 'Kustomization');
});

check('a first load reads the list once, its icon is ours, and its JSON comes compressed', async () => {
  const lists = [];
  const icons = [];
  const seen = (request) => {
    if (request.url().includes('/api/v1/resources')) lists.push(request.url());
    if (/favicon/.test(request.url())) icons.push(request.url());
  };
  page.on('request', seen);
  try {
    await page.goto(`${ADMIN}/resources?namespace=flux-system`);
    await page.locator('tbody tr').first().waitFor();
    await page.waitForTimeout(2000); // longer than the stream's wait and a settle
    assert.equal(lists.length, 1, lists.join('\n'));
    const answer = await page.evaluate(async () => {
      const r = await fetch('/api/v1/resources?limit=500');
      return { ok: r.ok, encoding: r.headers.get('content-encoding') };
    });
    assert.ok(answer.ok && ['br', 'gzip'].includes(answer.encoding), JSON.stringify(answer));
    // Relative to the page's <base href>, which names the path flux-web is served under.
    const icon = await page.evaluate(() => document.querySelector('link[rel="icon"]').href);
    assert.match(new URL(icon).pathname, /^\/favicon-[0-9a-f]{12}\.svg$/);
  } finally {
    page.off('request', seen);
  }
  assert.ok(icons.every((url) => !url.endsWith('/favicon.ico')), icons.join('\n'));
});

check('first load: at most 400 KiB over the wire until the list shows, one WebAssembly module (the pages opened later fetch theirs), and how long it takes (printed)', async () => {
  // A browser of its own: nothing cached, no session; the same measure as make bench's.
  const out = execFileSync(process.execPath, [new URL('../first-load.mjs', import.meta.url).pathname,
    `${ADMIN}/resources?namespace=flux-system`, 'apps'], { encoding: 'utf8', timeout: 120000 });
  const { bytes, requests, rendered_ms: rendered, wasm } = JSON.parse(out.trim().split('\n').pop());
  console.log(`     first load: ${bytes} B on the wire (${(bytes / 1024).toFixed(1)} of 400 KiB), ${requests} requests, `
    + `the list rendered after ${Math.round(rendered)} ms`);
  assert.ok(bytes <= 400 * 1024, `${bytes} B`);
  assert.deepEqual(wasm.map((path) => path.replace(/-[0-9a-f]{12}/, '')), ['/ui.wasm']);
});

check('empty lists say why: no match, a namespace you may not list, no RBAC at all', async () => {
  await page.goto(`${VIEWER}/resources?namespace=flux-system&q=zzzz`);
  await page.getByText('No Flux object matches these filters.').waitFor();
  await page.getByRole('link', { name: 'Clear the filters' }).waitFor();
  await page.goto(`${VIEWER}/resources?namespace=flux-sytem`);
  await page.getByText('You may not list Flux objects in namespace “flux-sytem”, or it does not exist.').waitFor();
  await page.getByRole('link', { name: 'flux-system' }).click();
  await page.waitForURL(`${VIEWER}/resources?namespace=flux-system`);
  await page.goto(`${NOBODY}/resources`);
  await page.getByText('Your RBAC lets you list no Flux objects.').waitFor();
});

check('resources: columns sort by a click and reverse by a second, in the URL; chips count and filter; arrows walk the rows', async () => {
  await page.goto(`${ADMIN}/resources?namespace=flux-system`);
  await page.locator('tbody tr').nth(2).waitFor();
  const names = async () => page.locator('tbody tr td:nth-child(4)').allInnerTexts();
  await page.getByRole('link', { name: 'Name', exact: true }).click();
  await page.waitForURL(/sort=name/);
  await page.locator('th[aria-sort="ascending"]', { hasText: 'Name' }).waitFor();
  await until('names ascending', async () => { const n = await names(); return n.join() === [...n].sort().join(); });
  await page.getByRole('link', { name: 'Name', exact: true }).click();
  await page.waitForURL(/sort=-name/);
  await page.locator('th[aria-sort="descending"]', { hasText: 'Name' }).waitFor();
  await until('names descending', async () => { const n = await names(); return n.join() === [...n].sort().reverse().join(); });
  // The URL alone reproduces the view.
  await page.goto(page.url());
  await page.locator('th[aria-sort="descending"]', { hasText: 'Name' }).waitFor();
  // Chips: "all" counts what the filters match; one chip filters by its status.
  const all = page.locator('.chips a', { hasText: 'all' });
  const total = Number(await all.locator('.chip-count').innerText());
  assert.match(await page.locator('.pager').innerText(), new RegExp(`of ${total}$`));
  const ready = page.locator('.chips a.badge-ready');
  const readyCount = Number(await ready.locator('.chip-count').innerText());
  await ready.click();
  await page.waitForURL(/status=ready/);
  await until('only ready rows', async () => (await page.locator('tbody .badge').allInnerTexts()).every((t) => t === 'ready'));
  assert.match(await page.locator('.pager').innerText(), new RegExp(`of ${readyCount}$`));
  assert.match(await page.locator('.chips a[aria-current="true"]').innerText(), new RegExp(`^${readyCount}\\s+ready$`));
  // Keyboard: down and up from a row's link to the next row's.
  await page.locator('tbody tr').first().locator('a').focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.closest('tr').rowIndex), 2);
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() => document.activeElement.closest('tr').rowIndex), 1);
  // A sort the API does not know is a 400 that names the ones it does.
  const refused = await page.evaluate(async () => { const r = await fetch('/api/v1/resources?sort=size'); return [r.status, (await r.json()).detail]; });
  assert.equal(refused[0], 400);
  assert.match(refused[1], /sort: one of namespace, kind, name, status, updated/);
});

check('the Updated column fills, and its ages move on without a reload', async () => {
  // A browser of its own: a clock installed is its whole context's, and the other checks'
  // pages must keep the real one.
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const later = await browser.newPage();
    await later.clock.install();
    await later.goto(`${ADMIN}/resources?namespace=flux-system&kind=GitRepository`);
    const updated = later.locator('tbody tr').first().locator('td').last();
    await updated.waitFor();
    const before = await updated.innerText();
    assert.ok(before.trim(), 'the Updated column has a time');
    await later.clock.fastForward('02:00:00');
    await until('the age to move on without a reload', async () => (await updated.innerText()) !== before);
  } finally {
    await browser.close();
  }
});

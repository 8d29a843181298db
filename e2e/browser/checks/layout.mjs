// Layouts and screenshots: 360 px and 1440 px wide, light and dark.

import assert from 'node:assert/strict';
import { ADMIN, KS, WEB, check, page, shot } from '../lib.mjs';

check('works at 360 px wide without the page scrolling sideways', async () => {
  await page.setViewportSize({ width: 360, height: 740 });
  for (const path of ['/', '/resources', KS, WEB, '/events']) {
    await page.goto(`${ADMIN}${path}`);
    await page.locator('h1').first().waitFor();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 360, `${path} is ${wide} px wide`);
  }
  await page.goto(`${ADMIN}/resources?namespace=flux-system`);
  await page.locator('tbody tr').first().waitFor();
  await shot('resources-360-light.png');
  await page.setViewportSize({ width: 1280, height: 860 });
});

check('works at 1440 px wide: the header on one row, nothing scrolling sideways', async () => {
  await page.setViewportSize({ width: 1440, height: 900 });
  try {
    for (const path of ['/', '/resources', KS, WEB, '/events']) {
      await page.goto(`${ADMIN}${path}`);
      await page.locator('h1').first().waitFor();
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 1440, `${path} is ${wide} px wide`);
      const header = await page.locator('header.top').boundingBox();
      assert.ok(header.height < 64, `${path}: the header is ${header.height} px high`);
    }
    await page.goto(`${ADMIN}/`);
    await page.locator('.cards').waitFor();
    await shot('overview-1440-light.png');
  } finally {
    await page.setViewportSize({ width: 1280, height: 860 });
  }
});

check('screenshots of the resource and workload pages, light and dark', async () => {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${ADMIN}/resources?namespace=flux-system`);
    await page.locator('tbody tr').first().waitFor();
    await shot(`resources-${scheme}.png`);
    await page.goto(`${ADMIN}${KS}`);
    await page.locator('h2', { hasText: 'Conditions' }).waitFor();
    await shot(`kustomization-${scheme}.png`);
    await page.goto(`${ADMIN}${WEB}`);
    await page.locator('h2', { hasText: 'Workload' }).first().waitFor();
    await shot(`workload-${scheme}.png`);
  }
  await page.emulateMedia({ colorScheme: null });
});

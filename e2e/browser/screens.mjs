// The screenshots of e2e/bench/screens: each view of flux-web (OURS) and of the peer (PEER),
// side by side in docs/screenshots/peer/. `node screens.mjs --explore` prints the peer's
// links from its first pages instead, which is how its views are found.

import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { OURS, PEER, SCREENSHOTS, CHROMIUM } = process.env;
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'flux-web-screens-')), {
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  viewport: { width: 1440, height: 900 },
});
const page = context.pages()[0] ?? (await context.newPage());

// [view, flux-web's path, the peer's path, width, the peer's button to press there]
const VIEWS = [
  ['overview', '/', '/', 1440],
  ['failing-kustomization', '/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/infra',
    '/resource/Kustomization/flux-system/infra', 1440],
  ['deployment', '/apps/Deployment/demo-apps/web', '/workload/Deployment/demo-apps/web', 1440],
  ['list', '/resources', '/resources', 1440],
  ['logs', '/apps/Deployment/demo-apps/web?tab=logs', '/workload/Deployment/demo-apps/web', 1440, 'View logs'],
  ['phone-list', '/resources', '/resources', 360],
];

try {
  if (process.argv.includes('--explore')) {
    for (const path of process.argv.slice(3).length ? process.argv.slice(3) : ["/"]) {
      await page.goto(`${PEER}${path}`);
      await page.waitForTimeout(4000);
      const links = await page.locator('a[href]').evaluateAll((as) => as.map((a) => `${a.getAttribute('href')} ${a.innerText.trim().slice(0, 40)}`));
      console.log(`${path}: ${page.url()}\n  ${[...new Set(links)].join('\n  ')}`);
    }
  } else {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const [view, ours, theirs, width, press] of VIEWS) {
      await page.setViewportSize({ width, height: 900 });
      for (const [who, base, path] of [['flux-web', OURS, ours], ['peer', PEER, theirs]]) {
        await page.goto(`${base}${path}`);
        // Both load their data after the page: give each the same few seconds to settle.
        await page.waitForTimeout(4000);
        if (who === 'peer' && press) {
          await page.getByRole('button', { name: press }).first().click();
          await page.waitForTimeout(4000);
        }
        await page.screenshot({ path: join(SCREENSHOTS, `${view}-${who}.png`) });
        console.log(`${view}-${who}.png: ${page.url()}`);
      }
    }
  }
} finally {
  await context.close();
}

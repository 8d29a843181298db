// The first load of a page in a fresh headless Chromium, for `make bench` (e2e/bench/peer):
// prints {bytes, requests, rendered_ms, wasm} as JSON, where bytes are what came over the wire
// (compressed, headers included) until the page shows a link or cell whose text starts with
// the given prefix, rendered_ms is the time from navigation to then, and wasm the WebAssembly
// modules fetched.
//
//     node first-load.mjs <url> <prefix>

import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, prefix] = process.argv.slice(2);
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'flux-web-first-load-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1440, height: 900 },
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let bytes = 0;
  let requests = 0;
  const wasm = [];
  cdp.on('Network.requestWillBeSent', (e) => {
    requests += 1;
    if (new URL(e.request.url).pathname.endsWith('.wasm')) wasm.push(new URL(e.request.url).pathname);
  });
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
  const started = performance.now();
  await page.goto(url);
  await page.waitForFunction(
    (p) => [...document.querySelectorAll('a, td, span, div')].some((e) => e.childElementCount === 0 && e.textContent.trim().startsWith(p)),
    prefix, { timeout: 60000, polling: 'raf' });
  const rendered = performance.now() - started;
  await page.waitForTimeout(300); // what the list asked for lands
  console.log(JSON.stringify({ bytes, requests, rendered_ms: rendered, wasm }));
} finally {
  await context.close();
}

// What the browser checks (checks/*.mjs) share: the servers' URLs, the demo world's objects,
// the bed's admin for seeding and reading the cluster, the one Chromium page, and the check
// registry run.mjs runs from.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';

export const ADMIN = process.env.FLUX_WEB_ADMIN_URL;
export const VIEWER = process.env.FLUX_WEB_VIEWER_URL;
export const NOBODY = process.env.FLUX_WEB_NOBODY_URL;
export const SHOTS = process.env.SCREENSHOTS;
export const KS = '/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps';
export const REPO = '/source.toolkit.fluxcd.io/GitRepository/flux-system/flux-system';
export const WEB = '/apps/Deployment/demo-apps/web';
export const REPORT = '/batch/CronJob/demo-apps/report';
// The bed's Flux controllers leave objects with a shard key alone (see e2e/testbed): these checks
// set the statuses themselves.
export const INERT = { 'sharding.fluxcd.io/key': 'inert' };

/** Reads an object from kube-apiserver as the bed's admin. */
export async function kube(path) {
  const response = await fetch(process.env.APISERVER + path, {
    headers: { Authorization: `Bearer ${process.env.ADMIN_TOKEN}` },
  });
  return { status: response.status, body: await response.json() };
}

/** Commits `files` ({path: text}, a null text removes the file) to the bed's demo repository,
 * without asking source-controller to fetch it: what a check then does is what fetches. */
export function commit(files, message) {
  const work = mkdtempSync(join(tmpdir(), 'flux-web-git-'));
  const git = (...args) => execFileSync('git', ['-c', 'user.name=browser', '-c', 'user.email=browser@flux-web.invalid', ...args],
    { cwd: work, timeout: 60000, stdio: 'pipe' });
  try {
    git('clone', '--quiet', `${process.env.GIT_URL}/demo.git`, '.');
    for (const [path, text] of Object.entries(files)) {
      if (text === null) {
        rmSync(join(work, path), { force: true });
      } else {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), text);
      }
    }
    git('add', '--all');
    git('commit', '--quiet', '--message', message);
    git('push', '--quiet', 'origin', 'main');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Deletes an object as the bed's admin. */
export async function kubeDelete(path) {
  const response = await fetch(process.env.APISERVER + path, {
    method: 'DELETE', headers: { Authorization: `Bearer ${process.env.ADMIN_TOKEN}` },
  });
  assert.equal(response.status, 200, `${path}: ${await response.text()}`);
}

/** Merge-patches an object as the bed's admin. */
export async function kubePatch(path, body) {
  const response = await fetch(`${process.env.APISERVER}${path}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${process.env.ADMIN_TOKEN}`, 'Content-Type': 'application/merge-patch+json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, `${path}: ${await response.text()}`);
}

/** Merge-patches an object's status as the bed's admin, as its controller would. */
export async function kubeStatus(path, status) {
  await kubePatch(`${path}/status`, { status });
}

/** Creates an object as the bed's admin. */
export async function kubeCreate(path, body) {
  const response = await fetch(process.env.APISERVER + path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, `${path}: ${await response.text()}`);
}

export async function until(what, check, timeout = 10000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Chromium's flags here: headless, and nothing that reaches beyond loopback. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'flux-web-chromium-')), {
  executablePath: process.env.CHROMIUM,
  args: CHROMIUM_ARGS,
  viewport: { width: 1280, height: 860 },
  acceptDownloads: true,
});
export const page = context.pages()[0] ?? (await context.newPage());
export const consoleErrors = [];
// Errors of flux-web's pages only (the identity provider's login page fetches web fonts it
// cannot reach here); a 401 before logging in is how the API asks for a login.
const ours = (url) => [ADMIN, VIEWER, NOBODY, process.env.FLUX_WEB_OIDC_URL, process.env.FLUX_WEB_SUBPATH_URL]
  .some((base) => url.startsWith(base));
// Refusals a check provokes on purpose, as [url pattern, status]: the answer it tests.
const provoked = [[/\/nope(\/timeline)?$/, 404], [/\/actions\/reconcile(\?wait=\d+s)?$/, 403],
  [/\/resources\?sort=size(&limit=\d+)?$/, 400], [/\/actions\/suspend\?dryRun=true$/, 400],
  [/\/Kustomization\/flux-system\/apps\/preview$/, 403],
  // The resume of a Kustomization whose source does not exist: its forecast says why not.
  [/\/Kustomization\/long-n+\/kx+z\/preview$/, 404]];
page.on('console', (m) => {
  const url = m.location().url || '';
  const expected = provoked.some(([path, status]) => path.test(url) && m.text().includes(`status of ${status}`));
  if (m.type() === 'error' && ours(page.url()) && ours(url || page.url()) && !/status of 401/.test(m.text()) && !expected) {
    consoleErrors.push(`${m.location().url}: ${m.text()}`);
  }
});
page.on('pageerror', (e) => consoleErrors.push(e.message));

// The page's latest API calls, with when each began and how it ended: printed when a check
// fails, so that a failure in CI says what the page was waiting for.
const calls = [];
let since = Date.now();
const api = (r) => /\/api\//.test(r.url()) && ours(r.url());
const ended = (r, how) => {
  const call = calls.find((c) => c.request === r && !c.how);
  if (call) Object.assign(call, { how, end: Date.now() });
};
page.on('request', (r) => {
  if (!api(r)) return;
  calls.push({ request: r, start: Date.now() });
  if (calls.length > 40) calls.shift();
});
page.on('requestfinished', async (r) => ended(r, String((await r.response().catch(() => null))?.status() ?? 'answered')));
page.on('requestfailed', (r) => ended(r, r.failure()?.errorText ?? 'failed'));
/** Starts the record of calls afresh (each check's). */
export function forgetCalls() {
  calls.length = 0;
  since = Date.now();
}
/** The calls since the check began, as lines: start and end in seconds, method, path, status. */
export function recentCalls() {
  const at = (t) => ((t - since) / 1000).toFixed(1).padStart(6);
  return calls.map((c) => `${at(c.start)} ${c.end ? at(c.end) : '  open'} ${c.request.method()} ${c.request.url().replace(/^[a-z]+:\/\/[^/]+/, '')} ${c.how ?? ''}`);
}

/** Saves a screenshot of the page under docs/screenshots/. Times are masked: a screenshot
 * changes when the page does, not because an age moved on. */
export async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), mask: [page.locator('time')], maskColor: '#888' });
}

export async function toast(text, timeout = 10000) {
  const found = page.locator('.toast', { hasText: text }).first();
  await found.waitFor({ timeout });
  return found.innerText();
}

/** Takes `action` on the object at `path` (`/group/Kind/ns/name`) as the page's user, through
 * the API, with `body`: how a check seeds what it then looks at. */
export async function act(path, action, body = {}) {
  await page.evaluate(async ([path, action, body]) => {
    const r = await fetch(`/api/v1${path}/actions/${action}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${action} ${path}: ${r.status} ${await r.text()}`);
  }, [path, action, body]);
}

// axe-core runs inside the page through the DevTools protocol, which the page's content
// security policy (no inline script) does not govern.
const AXE = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

/** What axe-core finds wrong on the page as it is now, one line a rule and node. */
export async function axeViolations(on) {
  await on.evaluate(AXE);
  return on.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1).join(' ')}`));
  });
}

/** The checks, in the order their files register them: [file, name, fn]. */
export const checks = [];
let registering = '';

/** Registers the checks of `file` (its name without .mjs) that `load` declares. */
export async function register(file, load) {
  registering = file;
  await load();
  registering = '';
}

export const check = (name, fn) => checks.push([registering, name, fn]);

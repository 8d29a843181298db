// The browser checks of e2e/browser/run, in headless Chromium: checks/<page>.mjs a file a page,
// each check seeding what it looks at beyond the demo world, so that any of them runs alone.
//
//   node run.mjs                      every file, in the order below
//   node run.mjs bulk actions         the checks of checks/bulk.mjs and checks/actions.mjs
//   node run.mjs 'palette'            the checks whose name holds "palette"
//   node run.mjs --shuffle[=<seed>]   the files in an order drawn from <seed> (printed)
//
// The last check, always run, is that no page logged an error on the way.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

import { checks, consoleErrors, context, forgetCalls, recentCalls, register } from './lib.mjs';

// The order of a whole run: the pages people open first, then the ones that need the bed's
// controllers settled, then the sweeps over every page, and the many objects last.
const FILES = ['resources', 'object', 'actions', 'events', 'bulk', 'workloads', 'identity',
  'keyboard', 'overview', 'reading', 'release', 'why', 'preview', 'subpath', 'layout', 'axe', 'scale'];

const args = process.argv.slice(2);
const shuffle = args.find((a) => a.startsWith('--shuffle'));
const words = args.filter((a) => !a.startsWith('--'));
const file = (word) => word.replace(/^checks\//, '').replace(/\.mjs$/, '');
const named = words.filter((w) => FILES.includes(file(w))).map(file);
const unknown = words.filter((w) => !FILES.includes(file(w)) && existsSync(w));
assert.equal(unknown.length, 0, `not a file of checks/: ${unknown}`);
const phrases = words.filter((w) => !FILES.includes(file(w)));

let order = named.length > 0 ? named : [...FILES];
if (shuffle) {
  // A small seeded generator (mulberry32): an order that failed can be run again.
  let seed = Number(shuffle.split('=')[1] ?? Date.now() % 100000);
  console.log(`--shuffle=${seed}`);
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  order = order.map((f) => [next(), f]).sort(([a], [b]) => a - b).map(([, f]) => f);
}
for (const name of order) {
  await register(name, () => import(`./checks/${name}.mjs`));
}

let passed = 0;
let failed = 0;
const selected = checks.filter(([, name]) => phrases.length === 0 || phrases.some((p) => name.includes(p)));
assert.ok(selected.length > 0, `no check matches ${phrases.join(', ')}`);
console.log(`${selected.length} checks of ${order.join(', ')}`);
const run = async (name, fn) => {
  forgetCalls();
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}\n     ${String(e.stack || e).split('\n').slice(0, 4).join('\n     ')}`);
    console.log(`     the page's latest API calls (start, end, s):\n       ${recentCalls().join('\n       ')}`);
  }
};
for (const [, name, fn] of selected) {
  await run(name, fn);
}
await run('no console errors on the way', async () => {
  assert.equal(consoleErrors.length, 0, consoleErrors.join('\n'));
});
await context.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

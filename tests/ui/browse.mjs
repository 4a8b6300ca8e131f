// The web UI in headless chromium, driven by puppeteer-core: what tests/ui/test_ui.py filled
// the registry with must show up, through the DOM hooks of the UI contract (data-test=...,
// main#view[data-state]). Usage: node browse.mjs FACTS.json (NODE_PATH = the npm prefix of
// scripts/install-deps.sh --test).
//
// Each check prints "ok   what" or "FAIL what" with what it expected and what the page showed,
// and takes a screenshot of the failure; a step that cannot go on (a view that never becomes
// ready, a missing form) stops the run. Screenshots of every view go to facts.artifacts. Exit
// status 1 when anything failed.

import { createRequire } from 'node:module';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

const INSTALL_HINT = 'install the test dependencies with scripts/install-deps.sh --test';
const CHROMIUM = '/usr/bin/chromium';
const READY_TIMEOUT = 10000;
const EVENTUALLY_TIMEOUT = 5000;

function loadPuppeteer() {
  const require = createRequire(import.meta.url);
  try {
    return require('puppeteer-core');
  } catch (e) {
    console.log(`FAIL puppeteer-core not found (NODE_PATH=${process.env.NODE_PATH ?? ''}): ${INSTALL_HINT}`);
    process.exit(1);
  }
}

const t0 = Date.now();
const elapsed = () => `at ${((Date.now() - t0) / 1000).toFixed(1)} s`;
const facts = JSON.parse(readFileSync(process.argv[2], 'utf8'));
mkdirSync(facts.artifacts, { recursive: true });
const failures = [];
let checks = 0;
let shots = 0;

class Stop extends Error {}

const show = (value) => (typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value, null, 0));

async function screenshot(page, name) {
  shots += 1;
  const path = join(facts.artifacts, `${String(shots).padStart(2, '0')}-${name}.png`);
  try {
    await page.screenshot({ path, fullPage: true });
  } catch (e) {
    console.log(`     (no screenshot ${path}: ${e.message})`);
  }
  return path;
}

// What the view says about itself, for failure messages.
async function viewState(page) {
  return page.evaluate(() => {
    const view = document.querySelector('main#view');
    const error = document.querySelector('[data-test=error]');
    return {
      path: location.pathname + location.search,
      state: view ? view.dataset.state ?? null : 'no main#view',
      error: error ? error.textContent.trim().slice(0, 200) : null,
    };
  }).catch((e) => ({ unavailable: e.message }));
}

async function fail(page, label, lines) {
  failures.push(label);
  console.log(`FAIL ${label} (${elapsed()})`);
  for (const line of lines) console.log(`     ${line}`);
  console.log(`     view: ${show(await viewState(page))}`);
  console.log(`     screenshot: ${await screenshot(page, 'FAIL-' + label.replace(/[^a-z0-9]+/gi, '-').slice(0, 60))}`);
}

// A check that does not stop the run: expected vs what the page showed.
async function check(page, label, expected, actual, ok = isDeepStrictEqual(expected, actual)) {
  checks += 1;
  if (ok) {
    console.log(`ok   ${label} (${elapsed()})`);
    return true;
  }
  await fail(page, label, [`expected: ${show(expected)}`, `page:     ${show(actual)}`]);
  return false;
}

// Polls `probe` (a function run in the page, with args) until it returns `expected` or the
// timeout; then checks the last value. For what the UI updates asynchronously (search, delete).
async function eventually(page, label, expected, probe, ...args) {
  const deadline = Date.now() + EVENTUALLY_TIMEOUT;
  let actual;
  for (;;) {
    actual = await page.evaluate(probe, ...args).catch((e) => `<page not readable: ${e.message}>`);
    if (isDeepStrictEqual(actual, expected) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check(page, label, expected, actual);
}

// A check that stops the run when it fails (nothing after it could be meaningful).
async function must(page, label, ok, lines = []) {
  checks += 1;
  if (ok) return;
  await fail(page, label, lines);
  throw new Stop(label);
}

// Marks the view so that waitReady can tell the next view from the current one: the app sets
// data-state to "loading" when it starts a view; a MutationObserver notes that it happened.
async function arm(page) {
  await page.evaluate(() => {
    const view = document.querySelector('main#view');
    window.__regmirrorTest = 'armed';
    if (!view) return;
    new MutationObserver((records) => {
      if (records.some((r) => r.oldValue === 'loading' || view.dataset.state === 'loading')) {
        window.__regmirrorTest = 'navigated';
      }
    }).observe(view, { attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
  });
}

// Waits until main#view is "ready" or "error" (for a view started after arm(): once it has
// been "loading", or after a second without it) at `path`; returns the state.
async function waitReady(page, label, path = null) {
  const started = Date.now();
  try {
    await page.waitForFunction((path, started) => {
      const view = document.querySelector('main#view');
      const state = view && view.dataset.state;
      const here = path === null || location.pathname === path;
      const fresh = window.__regmirrorTest !== 'armed' || Date.now() - started > 1000;
      return here && fresh && (state === 'ready' || state === 'error');
    }, { timeout: READY_TIMEOUT, polling: 25 }, path, started);
  } catch (e) {
    await must(page, `${label}: the view becomes ready`, false,
      [`expected: main#view[data-state=ready|error]${path ? ' at ' + path : ''} within ${READY_TIMEOUT} ms`]);
  }
  return page.$eval('main#view', (view) => view.dataset.state);
}

async function expectReady(page, label, path = null) {
  const state = await waitReady(page, label, path);
  const error = state === 'error' ? await page.$eval('[data-test=error]', (e) => e.textContent.trim()).catch(() => '') : '';
  await must(page, `${label}: data-state`, state === 'ready', [`expected: "ready"`, `page:     "${state}" ${error}`]);
}

// Inputs (but hidden and button-like ones) without a <label>, aria-label or aria-labelledby.
const unlabelledInputs = () => [...document.querySelectorAll('input, select, textarea')]
  .filter((e) => !['hidden', 'submit', 'button', 'reset'].includes(e.type))
  .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')))
  .map((e) => e.outerHTML.slice(0, 120));

// A full page load; logs navigation timing and the time until the view was ready.
async function open(page, path, label, { expectState = 'ready' } = {}) {
  const started = Date.now();
  await page.goto(facts.base + path, { waitUntil: 'domcontentloaded' });
  const state = await waitReady(page, label, null);
  const ready = Date.now() - started;
  const timing = await page.evaluate(() => {
    const [nav] = performance.getEntriesByType('navigation');
    return nav ? { dcl: Math.round(nav.domContentLoadedEventEnd), load: Math.round(nav.loadEventEnd) } : {};
  });
  console.log(`load ${path}: DOMContentLoaded ${timing.dcl} ms, load ${timing.load} ms, view ${state} after ${ready} ms` +
    ` (${elapsed()})`);
  if (expectState) {
    const error = state === 'error' ? await page.$eval('[data-test=error]', (e) => e.textContent.trim()).catch(() => '') : '';
    await must(page, `${label}: data-state`, state === expectState, [`expected: "${expectState}"`, `page:     "${state}" ${error}`]);
  }
  if (state === 'ready') {
    // What a view shows for a value the API sent as null or not at all: "–" or nothing.
    const stray = await page.$eval('main#view', (view) =>
      (view.innerText.match(/(?<!\S)(null|undefined|NaN|\[object Object\])(?!\S)/g) ?? []));
    await check(page, `${label}: no "null", "undefined", "NaN" or "[object Object]" shown as text`, [], stray);
    await check(page, `${label}: every input has a label`, [], await page.evaluate(unlabelledInputs));
  }
  await screenshot(page, label);
  return state;
}

// Clicks (in-app navigation) and waits for the next view at `path`.
async function follow(page, selector, path, label) {
  await arm(page);
  const element = await page.$(selector);
  await must(page, `${label}: ${selector} exists`, element !== null);
  await element.click();
  await expectReady(page, label, path);
  await screenshot(page, label);
}

const repoLinks = () => [...document.querySelectorAll('a[data-test=repo-link]')].map((a) => a.textContent.trim());

async function search(page, query) {
  await page.click('#search', { clickCount: 3 });
  await page.keyboard.press('Backspace');
  if (query) await page.type('#search', query);
}

// -- sign-in --------------------------------------------------------------------------------

// The sign-in form: the one the view shows (the catalog answered 401), else /ui/login's.
async function loginForm(page) {
  await page.waitForFunction(() => document.querySelector('form#login') ||
    ['ready', 'error'].includes(document.querySelector('main#view')?.dataset.state), { timeout: READY_TIMEOUT }).catch(() => {});
  if (await page.$('form#login')) return;
  await page.goto(`${facts.base}/ui/login`, { waitUntil: 'domcontentloaded' });
  try {
    await page.waitForSelector('form#login', { timeout: READY_TIMEOUT });
  } catch {
    await must(page, 'a sign-in form (form#login) at / or /ui/login', false);
  }
}

async function login(page, user, password) {
  await loginForm(page);
  await page.click('#login-username', { clickCount: 3 });
  await page.type('#login-username', user);
  await page.click('#login-password', { clickCount: 3 });
  await page.type('#login-password', password);
  await arm(page);
  await page.click('form#login button[type=submit]');
}

async function signIn(page, user) {
  await login(page, user, facts.users[user]);
  try {
    await page.waitForFunction((user) => {
      const shown = document.querySelector('[data-test=user]');
      return shown && shown.textContent.includes(user);
    }, { timeout: READY_TIMEOUT }, user);
  } catch {
    const shown = await page.$eval('[data-test=user]', (e) => e.textContent.trim()).catch(() => null);
    const error = await page.$eval('[data-test=login-error]', (e) => e.textContent.trim()).catch(() => null);
    await must(page, `signed in as ${user}: [data-test=user] names them`, false,
      [`expected: text containing "${user}"`, `page:     ${show(shown)}; login-error: ${show(error)}`]);
  }
  await waitReady(page, `signed in as ${user}`);
  await screenshot(page, `signed-in-${user}`);
}

async function signOut(page) {
  await page.click('[data-test=logout]');
  await eventually(page, 'signed out: [data-test=user] no longer names a user', false, () => {
    const shown = document.querySelector('[data-test=user]');
    return Boolean(shown && shown.textContent.trim() && shown.offsetParent !== null &&
      /viewer|admin/.test(shown.textContent));
  });
  // A JWT starts with "eyJ"; Basic credentials or a user name would name the user.
  const stored = await page.evaluate(() => JSON.stringify(sessionStorage));
  await check(page, 'signed out: sessionStorage keeps no token, credentials or user', 'no "eyJ…", "viewer"',
    stored, !/eyJ|viewer/.test(stored));
}

// -- the views ------------------------------------------------------------------------------

async function repositoriesAsViewer(page) {
  const size = facts.page_size;
  const all = facts.viewer_repositories;
  await eventually(page, 'repositories: the first page', all.slice(0, size), repoLinks);
  await check(page, 'repositories: Previous disabled on the first page', true,
    await page.$eval('[data-test=prev-page]', (b) => b.disabled).catch(() => 'no [data-test=prev-page]'));
  await check(page, 'repositories: Next enabled', false,
    await page.$eval('[data-test=next-page]', (b) => b.disabled).catch(() => 'no [data-test=next-page]'));
  await page.click('[data-test=next-page]');
  await eventually(page, 'repositories: Next shows the second page', all.slice(size, 2 * size), repoLinks);
  await check(page, 'repositories: Previous enabled on the second page', false,
    await page.$eval('[data-test=prev-page]', (b) => b.disabled));
  await page.click('[data-test=prev-page]');
  await eventually(page, 'repositories: Previous shows the first page again', all.slice(0, size), repoLinks);

  await search(page, 'secret');
  await eventually(page, 'repositories: viewer searching "secret" finds nothing (secret/app hidden)', [], repoLinks);
  await check(page, 'repositories: the search is kept in the URL (?q=secret)', 'secret',
    await page.evaluate(() => new URLSearchParams(location.search).get('q')));
  await screenshot(page, 'repositories-search-secret-viewer');
  await search(page, 'APP-123');
  await eventually(page, 'repositories: search "APP-123" (any case)', ['bulk/app-123'], repoLinks);
  await search(page, 'team/');
  await eventually(page, 'repositories: search "team/"', ['team/multi', 'team/signed'], repoLinks);
  await screenshot(page, 'repositories-search-team');
}

const tagRows = () => [...document.querySelectorAll('table[data-test=tags] tr[data-test=tag-row]')].map((row) => ({
  tag: row.dataset.tag,
  digest: row.querySelector('[data-test=tag-digest]')?.dataset.digest ?? null,
  platforms: row.querySelector('[data-test=tag-platforms]')?.textContent ?? null,
  bytes: Number(row.querySelector('[data-test=tag-size]')?.dataset.bytes ?? NaN),
}));

async function sortBy(page, key) {
  await page.click(`button[data-sort=${key}]`);
  return page.evaluate((key) => {
    const header = document.querySelector(`button[data-sort=${key}]`).closest('th');
    const rows = [...document.querySelectorAll('table[data-test=tags] tr[data-test=tag-row]')];
    return { ariaSort: header ? header.getAttribute('aria-sort') : 'no <th> around the button',
      tags: rows.map((r) => r.dataset.tag),
      bytes: rows.map((r) => Number(r.querySelector('[data-test=tag-size]')?.dataset.bytes)) };
  }, key);
}

async function tagsOfMulti(page, { canDelete }) {
  const m = facts.multi;
  await eventually(page, 'tags of team/multi: rows', [m.tag, m.single.tag].sort(),
    () => [...document.querySelectorAll('tr[data-test=tag-row]')].map((r) => r.dataset.tag).sort());
  const rows = Object.fromEntries((await page.evaluate(tagRows)).map((row) => [row.tag, row]));
  const index = rows[m.tag] ?? {};
  await check(page, `tags of team/multi: ${m.tag} digest (data-digest)`, m.digest, index.digest);
  await check(page, `tags of team/multi: ${m.tag} size (data-bytes: index + manifests + blobs)`, m.total_size, index.bytes);
  const platforms = m.images.map((i) => i.platform);
  await check(page, `tags of team/multi: ${m.tag} platforms`, platforms,
    platforms.filter((p) => (index.platforms ?? '').includes(p)));
  const single = rows[m.single.tag] ?? {};
  await check(page, `tags of team/multi: ${m.single.tag} digest`, m.single.digest, single.digest);
  await check(page, `tags of team/multi: ${m.single.tag} size`, m.single.total_size, single.bytes);
  await check(page, `tags of team/multi: ${m.single.tag} platforms`, true, (single.platforms ?? '').includes('linux/amd64'));
  const deleteButtons = await page.$$eval('button[data-test=delete-tag]', (b) => b.length);
  await check(page, `tags of team/multi: delete buttons (${canDelete ? 'one per tag' : 'none for a pull-only user'})`,
    canDelete ? 2 : 0, deleteButtons);

  const first = await sortBy(page, 'size');
  const second = await sortBy(page, 'size');
  for (const [label, sorted] of [['first click', first], ['second click', second]]) {
    const ascending = [...sorted.bytes].sort((a, b) => a - b);
    const expected = sorted.ariaSort === 'descending' ? [...ascending].reverse() : ascending;
    await check(page, `tags of team/multi: sort by size, ${label} (aria-sort ${sorted.ariaSort})`, expected, sorted.bytes,
      ['ascending', 'descending'].includes(sorted.ariaSort) && isDeepStrictEqual(expected, sorted.bytes));
  }
  await check(page, 'tags of team/multi: sorting by size twice reverses the order', [...first.tags].reverse(), second.tags);
  const byName = await sortBy(page, 'name');
  const names = [...byName.tags].sort();
  await check(page, `tags of team/multi: sort by name (aria-sort ${byName.ariaSort})`,
    byName.ariaSort === 'descending' ? names.reverse() : names, byName.tags);
  await screenshot(page, 'tags-team-multi-sorted');
}

const platformSections = () => [...document.querySelectorAll('section[data-test=platform]')].map((section) => ({
  platform: section.dataset.platform,
  os: section.querySelector('[data-test=config-os]')?.textContent.trim() ?? null,
  arch: section.querySelector('[data-test=config-arch]')?.textContent.trim() ?? null,
  // Its text and every attribute in it: a relative "5 years ago" keeps the date in a title.
  created: ((element) => (element ? [element, ...element.querySelectorAll('*')]
    .flatMap((e) => [...e.attributes].map((a) => a.value)).concat(element.textContent).join(' ') : null))(
    section.querySelector('[data-test=config-created]')),
  layers: [...section.querySelectorAll('tr[data-test=layer]')].map((tr) => `${tr.dataset.digest} ${tr.dataset.bytes}`),
}));

async function imageOfMulti(page, { canDelete }) {
  const m = facts.multi;
  await check(page, 'image team/multi:1.0: digest', m.digest,
    await page.$eval('[data-test=image-digest]', (e) => e.textContent.trim()).catch(() => null));
  const sections = await page.evaluate(platformSections);
  await check(page, 'image team/multi:1.0: one section per platform', m.images.map((i) => i.platform),
    sections.map((s) => s.platform));
  for (const image of m.images) {
    const section = sections.find((s) => s.platform === image.platform) ?? {};
    await check(page, `image team/multi:1.0 ${image.platform}: layers (digest bytes)`,
      image.layers.map((l) => `${l.digest} ${l.size}`), section.layers);
    await check(page, `image team/multi:1.0 ${image.platform}: config os`, image.config.os, section.os);
    await check(page, `image team/multi:1.0 ${image.platform}: config arch`, `text containing ${image.config.architecture}`,
      section.arch, (section.arch ?? '').includes(image.config.architecture));
    await check(page, `image team/multi:1.0 ${image.platform}: config created (${image.config.created})`,
      'text, title or datetime naming 2021', section.created, /2021/.test(section.created ?? ''));
  }
  const copy = await page.evaluate(() => Object.fromEntries(['podman', 'skopeo', 'idms'].map((k) => [k, {
    text: document.querySelector(`[data-test=text-${k}]`)?.textContent.trim() ?? null,
    button: document.querySelector(`button[data-test=copy-${k}]`) !== null,
  }])));
  const pinned = `${facts.host}/${m.repository}@${m.digest}`;
  await check(page, 'image team/multi:1.0: podman pull text', `podman pull ${pinned}`, copy.podman.text);
  await check(page, 'image team/multi:1.0: skopeo copy text (--all for an index)',
    `skopeo copy --all docker://${pinned} oci:multi`, (copy.skopeo.text ?? '').replace(/\s+/g, ' '));
  await check(page, 'image team/multi:1.0: ImageDigestMirrorSet text names the kind and the mirror',
    `YAML with "kind: ImageDigestMirrorSet" and "- ${facts.host}/${m.repository}"`, copy.idms.text,
    /kind:\s*ImageDigestMirrorSet/.test(copy.idms.text ?? '') && (copy.idms.text ?? '').includes(`- ${facts.host}/${m.repository}`));
  await check(page, 'image team/multi:1.0: copy buttons', { podman: true, skopeo: true, idms: true },
    { podman: copy.podman.button, skopeo: copy.skopeo.button, idms: copy.idms.button });
  await check(page, `image team/multi:1.0: delete-manifest button ${canDelete ? 'offered' : 'not offered'}`, canDelete,
    (await page.$('button[data-test=delete-manifest]')) !== null);

  await must(page, 'image team/multi:1.0: details[data-test=raw-json]', (await page.$('details[data-test=raw-json]')) !== null);
  await page.click('details[data-test=raw-json] > summary');
  await eventually(page, 'image team/multi:1.0: raw JSON, once opened, shows the index', true,
    (digest) => {
      const details = document.querySelector('details[data-test=raw-json]');
      return details.open && details.textContent.includes(digest) && details.textContent.includes('"manifests"');
    }, m.images[1].digest);
  await screenshot(page, 'image-team-multi-raw-json');
}

async function imageOfSigned(page) {
  const s = facts.signed;
  await check(page, 'image team/signed:1.0: digest', s.digest,
    await page.$eval('[data-test=image-digest]', (e) => e.textContent.trim()).catch(() => null));
  await check(page, 'image team/signed:1.0: referrers (digest, artifact type)', [[s.referrer.digest, s.referrer.artifact_type]],
    await page.$$eval('tr[data-test=referrer]', (rows) => rows.map((r) => [r.dataset.digest, r.dataset.artifactType])));
  await check(page, 'image team/signed:1.0: signatures (cosign tags)', [s.signature_tag],
    await page.$$eval('tr[data-test=signature]', (rows) => rows.map((r) => r.dataset.tag)));
  await check(page, 'image team/signed:1.0: skopeo copy text (no --all for an image)',
    `skopeo copy docker://${facts.host}/${s.repository}@${s.digest} oci:signed`,
    await page.$eval('[data-test=text-skopeo]', (e) => e.textContent.trim().replace(/\s+/g, ' ')).catch(() => null));
}

async function keyboard(page) {
  await open(page, '/ui/', 'keyboard-repositories');
  await check(page, 'accessibility: a status region (aria-live)', true, (await page.$('[aria-live]')) !== null);
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => ({ html: document.activeElement?.outerHTML.slice(0, 120) ?? null,
    skip: document.activeElement?.matches('a[href^="#"]') ?? false }));
  await check(page, 'keyboard: the first Tab reaches a skip link', 'a[href^="#"]', first.html, first.skip);
  let reached = null;
  for (let i = 0; i < 25 && reached !== 'search'; i += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.id ?? null);
  }
  await check(page, 'keyboard: Tab reaches the search box', 'search', reached);
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('/');
  await check(page, 'keyboard: "/" focuses the search box (and types nothing)', { focused: 'search', value: '' },
    await page.evaluate(() => ({ focused: document.activeElement?.id ?? null, value: document.querySelector('#search').value })));
  let link = null;
  for (let i = 0; i < 40 && link === null; i += 1) {
    await page.keyboard.press('Tab');
    link = await page.evaluate(() => (document.activeElement?.matches('a[data-test=repo-link]') ? document.activeElement.textContent.trim() : null));
  }
  await must(page, 'keyboard: Tab from the search box reaches a repository link', link !== null);
  await arm(page);
  await page.keyboard.press('Enter');
  await expectReady(page, `keyboard: Enter on the focused link opens ${link}`, `/ui/repositories/${link}`);
  await check(page, 'keyboard: after navigation the focus is on the view\'s h1', 'H1',
    await page.evaluate(() => document.activeElement?.tagName ?? null));
}

async function narrow(page) {
  await page.setViewport({ width: 375, height: 800 });
  for (const [path, label] of [['/ui/', 'narrow-repositories'], [`/ui/repositories/${facts.multi.repository}`, 'narrow-tags'],
    [`/ui/repositories/${facts.multi.repository}/tags/${facts.multi.tag}`, 'narrow-image']]) {
    await open(page, path, label);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    await check(page, `${label}: no horizontal scrolling of the page (tables scroll in a wrapper)`,
      'document scrollWidth <= 375', width, width <= 375);
  }
  await page.setViewport({ width: 1280, height: 900 });
}

async function deleteTag(page) {
  const v = facts.victim;
  await open(page, `/ui/repositories/${v.repository}`, 'admin-tags-victim');
  await eventually(page, `admin: ${v.repository} lists its tags with a delete button each`, [[v.kept, true], [v.tag, true]].sort(),
    () => [...document.querySelectorAll('tr[data-test=tag-row]')]
      .map((r) => [r.dataset.tag, r.querySelector('button[data-test=delete-tag]') !== null]).sort());
  const button = `tr[data-test=tag-row][data-tag="${v.tag}"] button[data-test=delete-tag]`;
  await must(page, `admin: ${button}`, (await page.$(button)) !== null);
  const dialogOpen = () => document.querySelector('dialog[data-test=confirm]')?.open ?? false;
  await page.click(button);
  await eventually(page, 'admin: delete asks for confirmation (dialog[data-test=confirm] open)', true, dialogOpen);
  await screenshot(page, 'admin-confirm-delete');
  await page.click('dialog[data-test=confirm] [data-test=confirm-no]');
  await eventually(page, 'admin: "no" closes the dialog', false, dialogOpen);
  await check(page, 'admin: "no" keeps the tag', true, (await page.$(`tr[data-test=tag-row][data-tag="${v.tag}"]`)) !== null);
  await page.click(button);
  await eventually(page, 'admin: the dialog opens again', true, dialogOpen);
  await page.click('dialog[data-test=confirm] [data-test=confirm-yes]');
  await eventually(page, `admin: after "yes" ${v.tag} is gone from the table`, [v.kept],
    () => [...document.querySelectorAll('tr[data-test=tag-row]')].map((r) => r.dataset.tag));
  await screenshot(page, 'admin-after-delete');
}

async function storage(page) {
  await open(page, '/ui/storage', 'admin-storage');
  await check(page, 'admin storage: [data-test=storage-bytes] shows a number', true,
    await page.$eval('[data-test=storage-bytes]', (e) => /\d/.test(e.textContent)).catch(() => false));
  await check(page, 'admin storage: one quota row (bulk/**)', 1, await page.$$eval('tr[data-test=quota]', (r) => r.length));
  await check(page, 'admin storage: the GC run the test made', true,
    await page.$$eval('tr[data-test=gc-run]', (r) => r.length >= 1));
}

// The pull-through upstream on the Mirrors view, and an image cached from it: its
// ImageDigestMirrorSet names the upstream's host as the source.
async function mirrors(page) {
  const m = facts.mirrored;
  await open(page, '/ui/mirrors', 'mirrors');
  await check(page, 'mirrors: one upstream row, the hub/ namespace', [true],
    await page.$$eval('tr[data-test=upstream]', (rows) => rows.map((r) => r.textContent.includes('hub'))));
  await open(page, `/ui/repositories/${m.repository}/tags/${m.tag}`, 'image-pulled-through');
  await check(page, 'image pulled through: digest', m.digest,
    await page.$eval('[data-test=image-digest]', (e) => e.textContent.trim()).catch(() => null));
  const idms = await page.$eval('[data-test=text-idms]', (e) => e.textContent).catch(() => null);
  await check(page, 'image pulled through: ImageDigestMirrorSet source is the upstream host + the rest of the path',
    `"source: ${m.source}" and "- ${facts.host}/${m.repository}"`, idms,
    (idms ?? '').includes(`source: ${m.source}`) && (idms ?? '').includes(`- ${facts.host}/${m.repository}`));
}

const navLinks = () => ({
  storage: document.querySelector('a[href="/ui/storage"]') !== null,
  mirrors: document.querySelector('a[href="/ui/mirrors"]') !== null,
});

async function main(browser) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  // Nothing from elsewhere: no CDN, no framework fetched at run time.
  const foreign = new Set();
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(facts.base + '/') && !url.startsWith('data:')) foreign.add(url);
  });
  page.on('pageerror', (e) => {
    failures.push(`page error: ${e.message}`);
    console.log(`FAIL uncaught error in the page: ${e.message}`);
  });
  // A 401 is how token auth starts (the app then asks /token): not worth a line.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) console.log(`     console error: ${m.text()}`);
  });

  // Viewer.
  await page.goto(facts.base + '/', { waitUntil: 'domcontentloaded' });
  await loginForm(page);
  await screenshot(page, 'start-signed-out');
  await login(page, 'viewer', 'wrong-password');
  await eventually(page, 'login: a wrong password shows [data-test=login-error]', true,
    () => { const e = document.querySelector('[data-test=login-error]'); return Boolean(e && e.textContent.trim()); });
  await screenshot(page, 'login-error');
  await signIn(page, 'viewer');
  await open(page, '/ui/', 'repositories-viewer');
  await check(page, 'viewer: nav offers Mirrors (mirror mode) but not Storage (admin only)', { storage: false, mirrors: true },
    await page.evaluate(navLinks));
  await repositoriesAsViewer(page);
  await follow(page, 'a[data-test=repo-link][href$="/team/multi"]', '/ui/repositories/team/multi', 'tags-team-multi-viewer');
  await tagsOfMulti(page, { canDelete: false });
  await open(page, `/ui/repositories/team/multi/tags/${facts.multi.tag}`, 'image-team-multi-viewer');
  await imageOfMulti(page, { canDelete: false });
  await open(page, `/ui/repositories/team/multi/manifests/${facts.multi.single.digest}`, 'image-team-multi-amd64-by-digest');
  await check(page, 'image by digest: one platform section, linux/amd64', ['linux/amd64'],
    (await page.evaluate(platformSections)).map((s) => s.platform));
  await open(page, '/ui/repositories/team/signed', 'tags-team-signed');
  await check(page, 'tags of team/signed: 1.0 digest', facts.signed.digest,
    await page.$eval(`tr[data-test=tag-row][data-tag="${facts.signed.tag}"] [data-test=tag-digest]`, (e) => e.dataset.digest)
      .catch(() => 'no row'));
  await check(page, 'tags of team/signed: the signature tag is shown (as an attachment)', true,
    await page.$eval('main#view', (view, tag) => view.textContent.includes(tag), facts.signed.signature_tag));
  await open(page, `/ui/repositories/team/signed/tags/${facts.signed.tag}`, 'image-team-signed');
  await imageOfSigned(page);
  await open(page, `/ui/repositories/${facts.secret}`, 'forbidden-secret-viewer', { expectState: null });
  await check(page, 'viewer: /ui/repositories/secret/app is an error view', { state: 'error', errorShown: true },
    await page.evaluate(() => ({ state: document.querySelector('main#view').dataset.state,
      errorShown: document.querySelector('[data-test=error]') !== null })));
  await mirrors(page);
  await keyboard(page);
  await narrow(page);
  await signOut(page);

  // Admin.
  await page.goto(facts.base + '/', { waitUntil: 'domcontentloaded' });
  await signIn(page, 'admin');
  await open(page, '/ui/', 'repositories-admin');
  await check(page, 'admin: nav offers Storage', true, (await page.evaluate(navLinks)).storage);
  await search(page, 'secret');
  await eventually(page, 'admin: searching "secret" finds secret/app', [facts.secret], repoLinks);
  await open(page, `/ui/repositories/team/multi`, 'tags-team-multi-admin');
  await tagsOfMulti(page, { canDelete: true });
  await open(page, `/ui/repositories/team/multi/tags/${facts.multi.tag}`, 'image-team-multi-admin');
  await check(page, 'admin: delete-manifest button offered', true, (await page.$('button[data-test=delete-manifest]')) !== null);
  await deleteTag(page);
  await storage(page);
  await check(page, 'every request went to the registry itself (no CDN)', [], [...foreign]);
}

const puppeteer = loadPuppeteer();
let browser;
try {
  browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
} catch (e) {
  console.log(`FAIL chromium (${CHROMIUM}) does not start: ${e.message}\n     ${INSTALL_HINT}`);
  process.exit(1);
}
try {
  await main(browser);
} catch (e) {
  if (!(e instanceof Stop)) {
    failures.push(`stopped: ${e.message}`);
    console.log(`FAIL stopped by an error: ${e.stack}`);
  } else {
    console.log(`     (stopped: nothing after "${e.message}" could be checked)`);
  }
} finally {
  await browser.close();
}
console.log(`browse.mjs: ${checks} checks, ${failures.length} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${facts.artifacts}`);
process.exit(failures.length ? 1 : 0);

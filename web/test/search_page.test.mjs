// The buyers' search page in a real browser: Debian's chromium driven by
// playwright-core, at desktop and phone widths. Every widget is used (the
// search box, the searchable brand list, the category hierarchy, the price
// slider, condition and shipping, sorting, infinite hits, the empty state),
// every count shown is compared with the API's, and any console error or
// failed request fails the test. Screenshots at both widths are saved.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

let server;
let browser;
// The server has a search key: the page must search with the one it is given.
const searchKey = 'page-search-key';

before(async () => {
  server = await startServer({ searchKey });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function api(body) {
  const response = await fetch(`${server.url}/indexes/listings/search`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${searchKey}` },
    body: JSON.stringify({ hitsPerPage: 1, ...body }),
  });
  assert.equal(response.status, 200);
  return response.json();
}
const apiTotal = async (q, filter) => (await api({ q, filter })).totalHits;

// "1,234 results found in 3ms" -> 1234
async function shownTotal(page) {
  const text = await page.locator('.ais-Stats-text').innerText();
  return Number(/([\d,]+) results?/.exec(text)[1].replace(/,/g, ''));
}

// Waits until the page shows `expected` results.
function waitForTotal(page, expected) {
  return page.waitForFunction((total) => (document.querySelector('.ais-Stats-text')?.textContent ?? '')
    .replace(/,/g, '').startsWith(`${total} result`), expected);
}

function screenshotPath(width) {
  const base = process.env.SCREENSHOT_PATH || 'search-page.png';
  return width === 'desktop' ? base : path.join(path.dirname(base), `search-page-${width}.png`);
}

async function openPage(viewport) {
  const page = await browser.newPage({ viewport });
  const failures = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') failures.push(`console: ${message.text()}`); });
  page.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText}`));
  page.on('response', (response) => { if (response.status() >= 400) failures.push(`${response.url()}: ${response.status()}`); });
  await page.goto(server.url);
  await page.waitForSelector('.hit');
  return { page, failures };
}

// Everything a buyer does, the same at each width.
async function useEveryWidget(page, width) {
  if (width === 'phone') await page.locator('.filters summary').click();  // the filters are folded on phones
  const everything = await shownTotal(page);
  assert.equal(everything, await apiTotal('', []));

  // Results as the buyer types; matched words highlighted, snippets shown.
  await page.locator('#searchbox .ais-SearchBox-input').pressSequentially('sneakers', { delay: 20 });
  const sneakers = await apiTotal('sneakers', []);
  assert.ok(sneakers > 0 && sneakers < everything);
  await waitForTotal(page, sneakers);
  await page.locator('.hit .ais-Highlight-highlighted').first().waitFor();  // matched words are highlighted
  assert.ok(await page.locator('.hit .age').first().innerText(), 'each listing says its age');
  assert.ok(await page.locator('.hit .placeholder').count() > 0, 'a placeholder stands in for a missing image');

  // The searchable brand list: type part of a brand, with a typo, and pick it.
  const brandSearch = page.locator('#brand .ais-SearchBox-input');
  await brandSearch.fill('adidsa');
  const adidas = page.locator('#brand .ais-RefinementList-item', { hasText: /^Adidas/ }).first();
  await adidas.waitFor();
  const adidasCount = Number(await adidas.locator('.ais-RefinementList-count').innerText());
  await adidas.locator('input').check();
  await waitForTotal(page, adidasCount);
  assert.equal(adidasCount, await apiTotal('sneakers', ['brand = "Adidas"']));
  for (const meta of await page.locator('.hit .meta:first-of-type').allInnerTexts()) assert.match(meta, /^Adidas/);

  // The category hierarchy.
  const top = page.locator('#category .ais-HierarchicalMenu-item').first();
  const categoryName = (await top.locator('.ais-HierarchicalMenu-label').first().innerText()).trim();
  const categoryCount = Number(await top.locator('.ais-HierarchicalMenu-count').first().innerText());
  await top.locator('a').first().click();
  await waitForTotal(page, categoryCount);
  const filters = ['brand = "Adidas"', `category.lvl0 = "${categoryName}"`];
  assert.equal(categoryCount, await apiTotal('sneakers', filters));

  // The price slider: its bounds are the prices of the results.
  const stats = (await api({ q: 'sneakers', filter: filters, facets: ['price'] })).facetStats.price;
  const handles = page.locator('#price [role="slider"]');
  assert.equal(Number(await handles.first().getAttribute('aria-valuemin')), Math.floor(stats.min));
  assert.equal(Number(await handles.last().getAttribute('aria-valuemax')), Math.ceil(stats.max));
  await handles.last().focus();
  await page.keyboard.press('PageDown');
  await page.keyboard.press('PageDown');
  await page.waitForFunction(() => /price/i.test(document.querySelector('#current')?.textContent ?? ''));
  const high = Number(await handles.last().getAttribute('aria-valuenow'));
  assert.ok(high < Math.ceil(stats.max));
  const priced = await apiTotal('sneakers', [...filters, `price <= ${high}`]);
  await waitForTotal(page, priced);

  // Condition and shipping, each count checked against the API.
  for (const [attribute, value] of [['condition', null], ['shipping', null]]) {
    const item = page.locator(`#${attribute} .ais-RefinementList-item`).first();
    if (await item.count() === 0) continue;
    const count = Number(await item.locator('.ais-RefinementList-count').innerText());
    const chosen = value ?? await item.locator('input').getAttribute('value');
    await item.locator('input').check();
    await waitForTotal(page, count);
    filters.push(`${attribute} = "${chosen}"`);
    assert.equal(count, await apiTotal('sneakers', [...filters, `price <= ${high}`]));
    await item.locator('input').uncheck();
    filters.pop();
  }
  await waitForTotal(page, priced);

  // Sorting: lowest price first.
  await page.locator('.ais-SortBy-select').selectOption('listings:price:asc');
  await page.waitForFunction(() => {
    const prices = [...document.querySelectorAll('.hit .price')].map((p) => Number(p.textContent.replace('$', '')));
    return prices.length > 0 && prices.every((price, i) => i === 0 || prices[i - 1] <= price);
  });

  // Clear everything; infinite hits load the next page below the first.
  await page.locator('.ais-ClearRefinements-button').click();
  await page.locator('#searchbox .ais-SearchBox-input').fill('nike');
  await waitForTotal(page, await apiTotal('nike', []));
  const firstPage = await page.locator('.hit').count();
  await page.locator('.ais-InfiniteHits-loadMore').click();
  await page.waitForFunction((shown) => document.querySelectorAll('.hit').length > shown, firstPage);

  // A misspelt query says what it searched; nothing found offers to drop the filters.
  await page.locator('#searchbox .ais-SearchBox-input').fill('nikke');
  await page.waitForFunction(() => /Nike|nike/.test(document.querySelector('#spelling')?.textContent ?? ''));
  await page.locator('#searchbox .ais-SearchBox-input').fill('lego');
  const lego = page.locator('#brand .ais-RefinementList-item', { hasText: /^LEGO/i }).first();
  await lego.locator('input').check();
  assert.equal(await apiTotal('hoodie', ['brand = "LEGO"']), 0);
  await page.locator('#searchbox .ais-SearchBox-input').fill('hoodie');
  await page.locator('.drop-filters').click();
  await page.waitForSelector('.hit');
  assert.equal(await page.locator('.ais-CurrentRefinements-item').count(), 0);
}

for (const [width, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 375, height: 812 }]]) {
  test(`every widget at ${width} width, counts as the API says, no console errors`, async () => {
    const { page, failures } = await openPage(viewport);
    await useEveryWidget(page, width);
    await page.locator('#searchbox .ais-SearchBox-input').fill('nike');
    await waitForTotal(page, await apiTotal('nike', []));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page fits its width (${overflow} px too wide)`);
    if (width === 'phone') await page.locator('.filters summary').click();  // folded again, as a phone opens it
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath(width), fullPage: width === 'desktop' });
    assert.deepEqual(failures, []);
    await page.close();
  });
}

// The buyers' search page in a real browser: Debian's chromium driven by
// playwright-core types a query, refines by brand and category, checks the
// counts against the API, and saves a screenshot.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
});
after(async () => {
  await browser?.close();
  server?.stop();
});

async function apiTotal(filter) {
  const response = await fetch(`${server.url}/indexes/listings/search`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ q: 'nike', filter, hitsPerPage: 1 }),
  });
  return (await response.json()).totalHits;
}

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

test('type a query, refine by brand and category, sort, and see the counts agree with the API', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const failures = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText}`));
  await page.goto(server.url);

  await page.waitForSelector('.hit');  // the empty query shows every listing first
  const everything = await shownTotal(page);
  await page.locator('.ais-SearchBox-input').fill('nike');
  const nikeTotal = await apiTotal([]);
  assert.ok(nikeTotal > 0 && nikeTotal < everything);
  await waitForTotal(page, nikeTotal);
  assert.ok(await page.locator('.hit mark, .hit .ais-Highlight-highlighted').count() > 0, 'matched words are highlighted');

  // Refine by a brand: the count next to it is what the results then show.
  const nike = page.locator('.ais-RefinementList-item', { hasText: /^Nike/ }).first();
  const nikeCount = Number(await nike.locator('.ais-RefinementList-count').innerText());
  await nike.locator('input').check();
  await waitForTotal(page, nikeCount);
  assert.equal(await shownTotal(page), nikeCount);
  assert.equal(nikeCount, await apiTotal(['brand = "Nike"']));
  for (const brand of await page.locator('.hit .meta').allInnerTexts()) assert.match(brand, /^Nike/);

  // Then a category: its count, too, is the number of results.
  const men = page.locator('.ais-HierarchicalMenu-item', { hasText: /^Men/ }).first();
  const menCount = Number(await men.locator('.ais-HierarchicalMenu-count').first().innerText());
  await men.locator('a').first().click();
  await waitForTotal(page, menCount);
  assert.equal(menCount, await apiTotal(['brand = "Nike"', 'category.lvl0 = "Men"']));

  // Sort by price, lowest first.
  await page.locator('.ais-SortBy-select').selectOption('listings:price:asc');
  await page.waitForFunction(() => {
    const prices = [...document.querySelectorAll('.hit .price')].map((p) => Number(p.textContent.replace('$', '')));
    return prices.length > 1 && prices.every((price, i) => i === 0 || prices[i - 1] <= price);
  });

  await page.screenshot({ path: process.env.SCREENSHOT_PATH || 'search-page.png', fullPage: true });
  assert.deepEqual(failures, []);
  await page.close();
});

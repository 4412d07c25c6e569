// The official Meilisearch JS client against the real query server: the
// version instant-meilisearch needs (0.57, `meilisearch`) and the newest
// (0.62, `meilisearch-0.62`), chosen by MEILISEARCH_PACKAGE.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

const { Meilisearch, MeilisearchApiError } = await import(process.env.MEILISEARCH_PACKAGE || 'meilisearch');
import { adminKey, startServer } from './server.mjs';

let server;
let client;
let admin;

before(async () => {
  server = await startServer({ writes: true });
  client = new Meilisearch({ host: server.url });
  admin = new Meilisearch({ host: server.url, apiKey: adminKey });
});
after(async () => server.stop());

test('search with a filter, a sort and facets', async () => {
  const result = await client.index('listings').search('sneakers', {
    filter: ['brand = Nike', 'price >= 20'],
    sort: ['price:asc'],
    facets: ['brand', 'category.lvl0', 'price'],
    limit: 5,
  });
  assert.ok(result.hits.length > 0);
  for (const hit of result.hits) {
    assert.equal(hit.brand, 'Nike');
    assert.ok(hit.price >= 20);
  }
  const prices = result.hits.map((hit) => hit.price);
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b));
  assert.equal(result.facetDistribution.brand.Nike, result.estimatedTotalHits);
  assert.ok(result.facetStats.price.min >= 20);
  assert.equal(result.limit, 5);
});

test('page-based paging and highlights with custom tags', async () => {
  const result = await client.index('listings').search('nike hoodie', {
    hitsPerPage: 3, page: 2, attributesToHighlight: ['*'], highlightPreTag: '<mark>', highlightPostTag: '</mark>',
  });
  assert.equal(result.page, 2);
  assert.equal(result.hitsPerPage, 3);
  assert.ok(result.totalHits > 3);
  assert.equal(result.totalPages, Math.ceil(result.totalHits / 3));
  assert.match(result.hits[0]._formatted.title, /<mark>/);
});

test('multi-search and facet search', async () => {
  const { results } = await client.multiSearch({
    queries: [
      { indexUid: 'listings', q: 'lego', limit: 2 },
      { indexUid: 'listings', q: '', filter: 'shipping = buyer AND NOT condition = 5', facets: ['shipping'] },
    ],
  });
  assert.equal(results.length, 2);
  assert.equal(results[0].indexUid, 'listings');
  assert.deepEqual(Object.keys(results[1].facetDistribution.shipping), ['buyer']);
  const facets = await client.index('listings').searchForFacetValues({ facetName: 'brand', facetQuery: 'nik' });
  assert.equal(facets.facetHits[0].value, 'Nike');
  assert.ok(facets.facetHits[0].count > 0);
});

test('errors arrive in the Meilisearch format', async () => {
  await assert.rejects(client.index('products').search('nike'), (error) => {
    assert.ok(error instanceof MeilisearchApiError);
    assert.equal(error.cause.code, 'index_not_found');
    assert.equal(error.cause.type, 'invalid_request');
    return true;
  });
  await assert.rejects(client.index('listings').search('nike', { filter: 'colour = red' }), (error) => {
    assert.equal(error.cause.code, 'invalid_search_filter');
    return true;
  });
});

test('CORS: browsers on other origins may call the API, with any headers', async () => {
  const preflight = await fetch(`${server.url}/multi-search`, {
    method: 'OPTIONS',
    headers: {
      Origin: 'http://example.test',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type, authorization, x-meilisearch-client, x-custom',
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.equal(preflight.headers.get('access-control-allow-headers'), 'content-type, authorization, x-meilisearch-client, x-custom');
  const searches = async () => Number(/listing_search_duration_seconds_count (\d+)/
    .exec(await (await fetch(`${server.url}/metrics`)).text())[1]);
  const before = await searches();
  const search = await fetch(`${server.url}/indexes/listings/search`, { method: 'POST', body: '{}' });
  assert.match(search.headers.get('vary'), /Accept-Encoding/);
  assert.equal(await searches(), before + 1, 'Meilisearch searches count in the latency metric');
  assert.equal((await fetch(`${server.url}/favicon.ico`)).ok, true);
});

test('health, version, stats, the index, its settings and its documents', async () => {
  assert.equal(await client.isHealthy(), true);
  assert.deepEqual(await client.health(), { status: 'available' });
  assert.ok((await client.getVersion()).pkgVersion);
  const stats = await client.index('listings').getStats();
  assert.equal(stats.numberOfDocuments, 3000);
  assert.equal((await client.getStats()).indexes.listings.numberOfDocuments, 3000);
  assert.equal((await client.index('listings').getRawInfo()).primaryKey, 'id');
  const settings = await admin.index('listings').getSettings();  // settings need the admin key
  assert.deepEqual(settings.sortableAttributes, ['created_at', 'price']);
  assert.ok((await admin.index('listings').getFilterableAttributes()).includes('brand'));

  const { results, total } = await client.index('listings').getDocuments({ limit: 3, fields: ['id', 'price'] });
  assert.equal(results.length, 3);
  assert.equal(total, 3000);
  assert.deepEqual(Object.keys(results[0]).sort(), ['id', 'price']);
  const one = await client.index('listings').getDocument(results[0].id);
  assert.equal(one.id, results[0].id);
  const nikes = await client.index('listings').getDocuments({ filter: 'brand = Nike', limit: 1 });
  assert.ok(nikes.total > 0 && nikes.results[0].brand === 'Nike');
  await assert.rejects(client.index('listings').getDocument('no-such-listing'), (error) => {
    assert.equal(error.cause.code, 'document_not_found');
    return true;
  });
  const unknown = await fetch(`${server.url}/indexes/listings/nope`);
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).type, 'invalid_request');
});

test('every search parameter an InstantSearch storefront sends', async () => {
  const index = client.index('listings');
  const result = await index.search('nike', {
    facets: ['*'], attributesToRetrieve: ['id', 'title', 'price'], attributesToHighlight: ['title'],
    attributesToCrop: ['title:2'], cropMarker: '…', showMatchesPosition: true, showRankingScore: true, limit: 3,
  });
  for (const hit of result.hits) {
    assert.deepEqual(Object.keys(hit).filter((key) => !key.startsWith('_')).sort(), ['id', 'price', 'title']);
    assert.ok(hit._rankingScore > 0 && hit._rankingScore <= 1);
    assert.ok(hit._matchesPosition.title.length > 0);
    assert.ok(hit._formatted.title.split(' ').length <= 3);
  }
  assert.ok(Object.keys(result.facetDistribution.price).length > 0, 'price values for rangeSlider');
  assert.ok(result.facetDistribution.status.on_sale > 0);
  const nothing = await index.search('', { hitsPerPage: 0, filter: 'brand NOT EXISTS' });
  assert.equal(nothing.totalPages, 0);
  assert.ok(nothing.totalHits > 0);
  const oldest = await index.search('', { sort: ['created_at:asc'], limit: 2 });
  assert.ok(oldest.hits[0].created_at <= oldest.hits[1].created_at);
  const starts = await index.search('', { filter: 'brand STARTS WITH "nik"', facets: ['brand'] });
  assert.deepEqual(Object.keys(starts.facetDistribution.brand), ['Nike']);
  const facetHits = await index.searchForFacetValues({ facetName: 'brand', facetQuery: 'adidsa', q: '', filter: 'price > 0' });
  assert.equal(facetHits.facetHits[0].value, 'Adidas');
  const federated = await client.multiSearch({
    federation: { limit: 5 },
    queries: [{ indexUid: 'listings', q: 'lego' }, { indexUid: 'listings', q: 'nike' }],
  });
  assert.equal(federated.hits.length, 5);
  assert.equal(federated.hits[0]._federation.indexUid, 'listings');
  await assert.rejects(index.search('nike', { distinct: 'brand' }), (error) => error.cause.code === 'invalid_search_distinct');
  await assert.rejects(index.search('nike', { filter: 'brand CONTAINS ik' }), (error) => error.cause.code === 'invalid_search_filter');
});

test('writes: documents added, updated and deleted through tasks the client waits for', async () => {
  const index = admin.index('listings');
  await assert.rejects(client.index('listings').addDocuments([{ id: 'X', title: 'x', price: 1 }]),
    (error) => error.cause.code === 'missing_authorization_header');

  const added = await index.addDocuments([
    { id: 'W1', title: 'Brass ship telescope', price: 140, brand: 'Ross', category: 'Home/Decor', condition: 2 },
    { id: 'W2', title: 'Oak writing desk', price: 260, category: 'Home/Furniture' },
  ]).waitTask({ timeout: 10000, interval: 100 });
  assert.equal(added.status, 'succeeded');
  assert.equal(added.details.receivedDocuments, 2);
  const found = await index.search('telescope');
  assert.equal(found.hits[0].id, 'W1');

  const updated = await index.updateDocuments([{ id: 'W1', price: 99 }]).waitTask({ timeout: 10000, interval: 100 });
  assert.equal(updated.status, 'succeeded');
  const w1 = await index.getDocument('W1');
  assert.equal(w1.price, 99);
  assert.equal(w1.brand, 'Ross');

  const failed = await index.addDocuments([{ id: 'W3', title: 'No price' }]).waitTask({ timeout: 10000, interval: 100 });
  assert.equal(failed.status, 'failed');
  assert.match(failed.error.message, /price/);
  assert.equal((await admin.tasks.getTask(failed.uid)).status, 'failed');

  const deleted = await index.deleteDocuments(['W1', 'W2']).waitTask({ timeout: 10000, interval: 100 });
  assert.equal(deleted.status, 'succeeded');
  await assert.rejects(index.getDocument('W1'), (error) => error.cause.code === 'document_not_found');
  await assert.rejects(admin.tasks.getTask(999999), (error) => error.cause.code === 'task_not_found');
});

test('writes in batches larger than a search body, and the task list filtered as the client asks', async () => {
  const index = admin.index('listings');
  const documents = Array.from({ length: 2500 }, (_, n) => ({
    id: `B${n}`, title: `Batch lantern number ${n} in brushed copper with a long title`, price: n + 1,
    description: 'A listing written through the documents API in a batch of a thousand, as a migration does.',
  }));
  // About 200 kB per thousand: far over the 64 kB a search may send.
  const enqueued = await Promise.all(index.addDocumentsInBatches(documents, 1000));
  assert.equal(enqueued.length, 3);
  const tasks = await admin.tasks.waitForTasks(enqueued, { timeout: 20000, interval: 100 });
  assert.deepEqual(tasks.map((task) => task.status), ['succeeded', 'succeeded', 'succeeded']);
  assert.equal((await index.search('lantern', { filter: 'id = B2499' })).hits.length, 1);

  const failed = await index.addDocuments([{ id: 'B-bad', title: 'No price' }]).waitTask({ timeout: 10000, interval: 100 });
  const onlyFailed = await admin.tasks.getTasks({ statuses: ['failed'] });
  assert.ok(onlyFailed.results.some((task) => task.uid === failed.uid));
  assert.ok(onlyFailed.results.every((task) => task.status === 'failed'));
  const additions = await admin.tasks.getTasks({ types: ['documentAdditionOrUpdate'], limit: 2 });
  assert.equal(additions.results.length, 2);
  assert.ok(additions.next !== null);
  assert.equal((await admin.tasks.getTasks({ types: ['settingsUpdate'] })).results.length, 0);
  const oldestFirst = await admin.tasks.getTasks({ reverse: true, limit: 1 });
  assert.equal(oldestFirst.results[0].uid, 1);
  await assert.rejects(admin.tasks.getTasks({ statuses: ['done'] }), (error) => error.cause.code === 'invalid_task_statuses');
  await assert.rejects(admin.tasks.getTasks({ afterEnqueuedAt: new Date() }), (error) => error.cause.code === 'bad_request');

  // Filters in both of Meilisearch's forms: a string, and an array (items
  // ANDed, inner arrays ORed).
  const fetched = await index.getDocuments({ filter: [['id = B0', 'id = B1'], 'price < 100'], fields: ['id'] });
  assert.deepEqual(fetched.results.map((document) => document.id).sort(), ['B0', 'B1']);
  const byFilter = await index.deleteDocuments({ filter: ['id IN [B0, B1, B2]', 'price < 100'] }).waitTask({ timeout: 10000, interval: 100 });
  assert.equal(byFilter.status, 'succeeded');
  assert.equal(byFilter.details.deletedDocuments, 3);
  assert.equal((await index.search('lantern', { filter: 'id IN [B0, B1, B2, B3]' })).hits.length, 1);
  // Meilisearch's routes with no meaning here are refused by name.
  await assert.rejects(index.updateSettings({ searchableAttributes: ['title'] }),
    (error) => error.cause.code === 'feature_not_enabled' && /read only/.test(error.message));
  await assert.rejects(admin.getKeys(), (error) => error.cause.code === 'feature_not_enabled');
  await assert.rejects(admin.createIndex('products'), (error) => error.cause.code === 'feature_not_enabled');
});

test('keys: with a search key, searches need it (or the admin key), settings the admin key', async () => {
  const keyed = await startServer({ writes: true, searchKey: 'the-search-key' });
  try {
    const anonymous = new Meilisearch({ host: keyed.url });
    const searcher = new Meilisearch({ host: keyed.url, apiKey: 'the-search-key' });
    const keyedAdmin = new Meilisearch({ host: keyed.url, apiKey: adminKey });
    await assert.rejects(anonymous.index('listings').search('nike'),
      (error) => error.cause.code === 'missing_authorization_header');
    await assert.rejects(new Meilisearch({ host: keyed.url, apiKey: 'wrong' }).index('listings').search('nike'),
      (error) => error.cause.code === 'invalid_api_key');
    assert.ok((await searcher.index('listings').search('nike')).hits.length > 0);
    assert.ok((await searcher.index('listings').getDocuments({ limit: 1 })).results.length === 1);
    assert.ok((await keyedAdmin.index('listings').search('nike')).hits.length > 0);
    await assert.rejects(searcher.index('listings').getSettings(), (error) => error.cause.code === 'invalid_api_key');
    assert.ok((await keyedAdmin.index('listings').getSettings()).filterableAttributes.includes('price'));
    await assert.rejects(searcher.index('listings').addDocuments([{ id: 'K', title: 'k', price: 1 }]),
      (error) => error.cause.code === 'invalid_api_key');
    assert.equal(await anonymous.isHealthy(), true);  // health needs no key, as in Meilisearch
    // The page is given the search key.
    assert.match(await (await fetch(keyed.url)).text(), /<meta name="search-key" content="the-search-key">/);
    // Every listing deleted (this index is small enough for one request).
    const emptied = await keyedAdmin.index('listings').deleteAllDocuments().waitTask({ timeout: 20000, interval: 100 });
    assert.equal(emptied.status, 'succeeded');
    assert.equal(emptied.details.deletedDocuments, 3000);
    assert.equal((await keyedAdmin.index('listings').search('')).estimatedTotalHits, 0);
  } finally {
    await keyed.stop();
  }
});

// The official Meilisearch JS client against the real query server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Meilisearch, MeilisearchApiError } from 'meilisearch';
import { startServer } from './server.mjs';

let server;
let client;

before(async () => {
  server = await startServer();
  client = new Meilisearch({ host: server.url });
});
after(() => server.stop());

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

test('CORS: browsers on other origins may call the API', async () => {
  const preflight = await fetch(`${server.url}/multi-search`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-headers'), /Content-Type/);
});

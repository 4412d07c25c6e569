// The buyers' search page: InstantSearch widgets over the query server's
// Meilisearch-compatible API, through instant-meilisearch.
import { instantMeiliSearch } from '@meilisearch/instant-meilisearch';
import instantsearch from 'instantsearch.js';
import {
  configure, hierarchicalMenu, hits, pagination, rangeInput, refinementList, searchBox, sortBy, stats,
} from 'instantsearch.js/es/widgets';

const { searchClient } = instantMeiliSearch(window.location.origin, '', { finitePagination: true });

const search = instantsearch({ indexName: 'listings', searchClient });

const price = (value) => `$${Number(value).toFixed(2).replace(/\.00$/, '')}`;

search.addWidgets([
  configure({ hitsPerPage: 24 }),
  searchBox({ container: '#searchbox', placeholder: 'Search for anything: nike air max, ナイキ スニーカー…', autofocus: true }),
  stats({ container: '#stats' }),
  sortBy({
    container: '#sort',
    items: [
      { label: 'Best match', value: 'listings' },
      { label: 'Price: low to high', value: 'listings:price:asc' },
      { label: 'Price: high to low', value: 'listings:price:desc' },
      { label: 'Newest', value: 'listings:created_at:desc' },
    ],
  }),
  refinementList({ container: '#brand', attribute: 'brand', showMore: true, limit: 8, showMoreLimit: 30 }),
  hierarchicalMenu({
    container: '#category',
    attributes: ['category.lvl0', 'category.lvl1', 'category.lvl2'],
    separator: '/',
  }),
  rangeInput({ container: '#price', attribute: 'price' }),
  hits({
    container: '#hits',
    templates: {
      item: (hit, { html, components }) => html`
        <article class="hit" data-id="${hit.id}">
          <h3>${components.Highlight({ hit, attribute: 'title' })}</h3>
          <div class="price">${price(hit.price)}</div>
          <div class="meta">${hit.brand || 'No brand'} · ${hit.category}</div>
        </article>`,
      empty: (results, { html }) => html`<p>No listings for <q>${results.query}</q>.</p>`,
    },
  }),
  pagination({ container: '#pagination' }),
]);

search.start();

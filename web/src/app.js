// The buyers' search page: InstantSearch widgets over the query server's
// Meilisearch-compatible API, through instant-meilisearch.
import { instantMeiliSearch } from '@meilisearch/instant-meilisearch';
import instantsearch from 'instantsearch.js';
import { connectSearchBox } from 'instantsearch.js/es/connectors';
import {
  clearRefinements, configure, currentRefinements, hierarchicalMenu, infiniteHits, panel, rangeSlider, refinementList,
  searchBox, sortBy, stats,
} from 'instantsearch.js/es/widgets';

// The server writes its search key (if it has one) into the page.
const searchKey = document.querySelector('meta[name="search-key"]')?.content ?? '';
const { searchClient } = instantMeiliSearch(window.location.origin, searchKey, { finitePagination: false });

const search = instantsearch({ indexName: 'listings', searchClient, future: { preserveSharedStateOnUnmount: true } });

const price = (value) => `$${Number(value).toFixed(2).replace(/\.00$/, '')}`;
const conditions = { 1: 'New', 2: 'Like new', 3: 'Good', 4: 'Fair', 5: 'Poor' };
const shipping = { seller: 'Free shipping', buyer: 'Buyer pays shipping' };

// "3 days ago", from epoch seconds.
const ageFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
function age(createdAt) {
  const seconds = createdAt - Date.now() / 1000;
  const units = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]];
  for (const [unit, length] of units) {
    if (Math.abs(seconds) >= length) return ageFormat.format(Math.round(seconds / length), unit);
  }
  return 'just now';
}

// "Showing results for …" / "Did you mean …": the v1 API says how it read
// the query (the Meilisearch API has no field for it).
const spelling = connectSearchBox(({ query, refine, widgetParams }, isFirstRender) => {
  const { container } = widgetParams;
  if (isFirstRender) {
    container.addEventListener('click', (event) => {
      const suggestion = event.target.closest('[data-query]');
      if (suggestion) refine(suggestion.dataset.query);
    });
  }
  if (container.dataset.query === query) return;
  container.dataset.query = query;
  container.textContent = '';
  if (!query.trim()) return;
  fetch(`/v1/search?${new URLSearchParams({ q: query, limit: '1' })}`)
    .then((response) => (response.ok ? response.json() : null))
    .then((answer) => {
      if (!answer || container.dataset.query !== query) return;
      // Corrected: the results are for the suggestion; else a suggestion to
      // follow; else words read otherwise than typed ("northface").
      const shown = answer.suggestion ?? answer.interpreted;
      if (!shown) return;
      const link = document.createElement('button');
      link.type = 'button';
      link.className = 'link';
      link.dataset.query = shown;
      link.textContent = shown;
      const asked = answer.suggestion && !answer.corrected;
      container.append(asked ? 'Did you mean ' : 'Showing results for ', link, asked ? '?' : '');
    })
    .catch(() => {});
});

// A facet value shown by name ("New" for condition 1); the list shows `highlighted`.
const named = (item, names) => ({ ...item, label: names[item.value] ?? item.label, highlighted: names[item.value] ?? item.highlighted });

const facetPanel = (title, widget, options) => panel({ templates: { header: () => title } })(widget)(options);

search.addWidgets([
  configure({ hitsPerPage: 24, attributesToSnippet: ['description:14'], snippetEllipsisText: '…' }),
  searchBox({ container: '#searchbox', placeholder: 'Search for anything: nike air max, ナイキ スニーカー…', autofocus: true }),
  spelling({ container: document.querySelector('#spelling') }),
  stats({ container: '#stats' }),
  currentRefinements({
    container: '#current',
    transformItems: (items) => items.map((item) => ({
      ...item,
      refinements: item.refinements.map((refinement) => ({
        ...refinement,
        label: item.attribute === 'condition' ? conditions[refinement.value] ?? refinement.label
          : item.attribute === 'shipping' ? shipping[refinement.value] ?? refinement.label : refinement.label,
      })),
    })),
  }),
  clearRefinements({ container: '#clear', templates: { resetLabel: () => 'Clear all filters' } }),
  sortBy({
    container: '#sort',
    items: [
      { label: 'Best match', value: 'listings' },
      { label: 'Price: low to high', value: 'listings:price:asc' },
      { label: 'Price: high to low', value: 'listings:price:desc' },
      { label: 'Newest', value: 'listings:created_at:desc' },
      { label: 'Oldest', value: 'listings:created_at:asc' },
    ],
  }),
  facetPanel('Brand', refinementList, {
    container: '#brand', attribute: 'brand', searchable: true, searchablePlaceholder: 'Search brands',
    showMore: true, limit: 8, showMoreLimit: 30,
  }),
  facetPanel('Category', hierarchicalMenu, {
    container: '#category', attributes: ['category.lvl0', 'category.lvl1', 'category.lvl2'], separator: '/',
  }),
  facetPanel('Price', rangeSlider, { container: '#price', attribute: 'price', pips: false, tooltips: { format: price } }),
  facetPanel('Condition', refinementList, {
    container: '#condition', attribute: 'condition', sortBy: ['name:asc'],
    transformItems: (items) => items.map((item) => named(item, conditions)),
  }),
  facetPanel('Shipping', refinementList, {
    container: '#shipping', attribute: 'shipping',
    transformItems: (items) => items.map((item) => named(item, shipping)),
  }),
  infiniteHits({
    container: '#hits',
    templates: {
      item: (hit, { html, components }) => html`
        <article class="hit" data-id="${hit.id}">
          <div class="image">${hit.image_url
            ? html`<img src="${hit.image_url}" alt="" loading="lazy" />`
            : html`<span class="placeholder" aria-hidden="true">${(hit.brand || hit.title || '?').slice(0, 1)}</span>`}</div>
          <h3>${components.Highlight({ hit, attribute: 'title' })}</h3>
          <div class="price">${price(hit.price)}</div>
          <p class="snippet">${components.Snippet({ hit, attribute: 'description' })}</p>
          <div class="meta">${hit.brand || 'No brand'} · ${hit.category ?? ''}</div>
          <div class="meta"><span class="condition">${conditions[hit.condition] ?? ''}</span>
            <span class="age" title="${new Date(hit.created_at * 1000).toISOString()}">${age(hit.created_at)}</span></div>
        </article>`,
      empty: (results, { html }) => html`
        <div class="empty">
          <p>No listings for <q>${results.query}</q>${results.getRefinements().length ? ' with these filters' : ''}.</p>
          ${results.getRefinements().length
            ? html`<button type="button" class="drop-filters">Drop the filters</button>` : ''}
        </div>`,
      showMoreText: () => 'Show more listings',
    },
  }),
]);

// The empty state's button drops every filter and keeps the query.
document.addEventListener('click', (event) => {
  if (!event.target.closest('.drop-filters')) return;
  search.setUiState((state) => ({ listings: { query: state.listings?.query, sortBy: state.listings?.sortBy } }));
});

// Phones start with the filters folded away.
if (window.matchMedia('(max-width: 700px)').matches) document.querySelector('.filters').open = false;

search.start();

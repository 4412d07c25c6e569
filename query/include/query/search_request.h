// What a buyer asks the search engine: the words, filters, facets, sort
// and page. Plain values, shared by the engine and its callers.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace query {

struct FilterExpression;  // query/filter_expression.h

enum class StatusFilter { on_sale, sold, any };  // sold listings are hidden unless asked for
enum class SortOrder { relevance, price_asc, price_desc, newest, oldest };

// Which listings match when all the words together find too few
// (Meilisearch's matchingStrategy):
//   all        only listings with every word: never relaxed;
//   last       drop words from the end: listings with the first words first;
//   frequency  drop the most common words first: listings with more of the
//              words, and with the rarer words, first.
enum class MatchingStrategy { all, last, frequency };

struct Filters {
    std::vector<std::string> brands;         // any of these, as typed (brand aliases apply)
    std::string category;                    // a category or any ancestor path: "Women/Tops & Blouses"
    std::optional<double> price_min, price_max;
    std::vector<int> conditions;             // any of these, 1 (new) .. 5 (poor)
    std::string shipping;                    // "seller", "buyer" or empty for either
    StatusFilter status = StatusFilter::on_sale;
    // Any other boolean filter (the Meilisearch-style API's), on top of
    // the above. The fast paths for facets and sorting handle only the above.
    std::shared_ptr<const FilterExpression> expression;
};

// Facets a request asks for. Counts are exact over all matches, and
// disjunctive: a facet's counts ignore the facet's own filter, so a buyer
// who picked "Nike" still sees how many Adidas listings there are.
struct FacetRequest {
    bool brand = false;
    bool category = false;  // each of the three levels
    bool condition = false;
    bool shipping = false;
    bool price = false;     // min, max, average and a histogram
    bool price_values = false;  // with `price`: also how many listings at each price (PriceSummary::values)
    bool status = false;    // on_sale and sold counts
    bool created_at = false;  // the dates listings have (FacetCounts::created_at)
    // Each facet ignores its own filter (as buyers expect); off, every
    // facet counts the filtered results (as Meilisearch does).
    bool disjunctive = true;

    bool any() const { return brand || category || condition || shipping || price || status || created_at; }
};

// How hits mark the words a query matched.
struct HighlightOptions {
    std::string pre = "<em>", post = "</em>";
    bool escape_html = true;  // escape the listing's own text (for HTML); tags are never escaped
    bool all_fields = false;  // title, description, brand and category; else the title only
};

struct SearchRequest {
    std::string text;
    std::size_t offset = 0;
    std::size_t limit = 20;
    Filters filters;
    SortOrder sort = SortOrder::relevance;
    FacetRequest facets;
    std::size_t facet_limit = 20;  // values per facet, most frequent first
    HighlightOptions highlight;
    bool exact_total = false;  // count every match even without facets (a few ms at 1M listings)
    // Never answered from the result cache, which may serve a result up to
    // result_cache_max_stale old: for reads that must see the newest commit
    // (a document by id, a write's task status).
    bool latest = false;
    std::optional<MatchingStrategy> matching;  // unset: the ranking config's
};

}  // namespace query

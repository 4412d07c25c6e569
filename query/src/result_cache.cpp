#include "result_cache.h"

#include <fmt/format.h>

#include "query/filter_expression.h"

namespace query {

ResultCache::ResultCache(std::size_t max_entries, std::chrono::milliseconds max_stale)
    : max_entries_(max_entries), max_stale_(max_stale) {}

std::optional<SearchResult> ResultCache::find(const std::string& key, const IndexVersion& version, const Ranking& ranking) {
    if (!enabled()) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto found = index_.find(key);
    if (found == index_.end()) return std::nullopt;
    const Entry& entry = *found->second;
    if (entry.ranking != ranking) return std::nullopt;
    // An entry from later commits than this searcher's view is as good; one
    // from another generation, even with the same number (an index built
    // again from scratch), is not.
    const bool current = entry.version.covers(version);
    if (!current && Clock::now() - entry.stored_at > max_stale_) return std::nullopt;
    entries_.splice(entries_.begin(), entries_, found->second);
    return entry.result;
}

void ResultCache::store(const std::string& key, IndexVersion version, Ranking ranking, const SearchResult& result) {
    if (!enabled()) return;
    std::lock_guard lock(mutex_);
    if (auto found = index_.find(key); found != index_.end()) {
        entries_.erase(found->second);
        index_.erase(found);
    }
    entries_.push_front(
        {.key = key, .version = std::move(version), .stored_at = Clock::now(), .ranking = std::move(ranking), .result = result});
    index_[key] = entries_.begin();
    if (entries_.size() > max_entries_) {
        index_.erase(entries_.back().key);
        entries_.pop_back();
    }
}

std::string cache_key(const SearchRequest& request) {
    std::string key;
    const auto add = [&key](const auto& part) { fmt::format_to(std::back_inserter(key), "{}\x1f", part); };
    const Filters& f = request.filters;
    const FacetRequest& facets = request.facets;
    const HighlightOptions& highlight = request.highlight;
    add(request.text), add(request.offset), add(request.limit), add(static_cast<int>(request.sort));
    add(fmt::format("{}", fmt::join(f.brands, "\x1e"))), add(f.category), add(f.price_min ? fmt::format("{}", *f.price_min) : "");
    add(f.price_max ? fmt::format("{}", *f.price_max) : ""), add(fmt::format("{}", fmt::join(f.conditions, ","))), add(f.shipping);
    add(static_cast<int>(f.status)), add(f.expression ? to_string(*f.expression) : "");
    add(fmt::format("{:d}{:d}{:d}{:d}{:d}{:d}{:d}{:d}{:d}", facets.brand, facets.category, facets.condition,
                    facets.shipping, facets.price, facets.price_values, facets.status, facets.created_at,
                    facets.disjunctive));
    add(request.facet_limit), add(request.exact_total);
    add(highlight.pre), add(highlight.post), add(highlight.escape_html), add(highlight.all_fields);
    return key;
}

}  // namespace query

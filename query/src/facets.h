// Exact facet counts: brand, each category level, condition, shipping, and
// price statistics over all matches, disjunctive as buyers expect.
//
// Counting runs shard by shard over the shard's in-memory snapshot (see
// shard_snapshot.h): the boolean query is evaluated on bitmaps and each
// match costs a few array lookups. Listings newer than the snapshot are
// counted through Xapian from their values.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "query/search_request.h"
#include "facet_names.h"
#include "query/search_result.h"
#include "shard_snapshot.h"
#include "shard_view.h"

namespace query {

// Which dimensions a pass counts, by FacetDimension.
using FacetDimensions = std::array<bool, facet_dimension_count>;

// Price statistics of a run of listings, one price at a time.
struct PriceTally {
    double low = INFINITY, high = -INFINITY, sum = 0;
    std::uint64_t count = 0;
    std::array<std::uint64_t, 8> histogram{};
    bool keep_values = false;  // also count listings at each price
    std::unordered_map<double, std::uint64_t> values;

    void add(double price);
};

// Counts merged over shards (and over the passes of disjunctive facets):
// by the values' ids in the snapshots' numbering (FacetNames) as they
// count them, and by display name as Xapian reads them.
class FacetTally {
public:
    // `price_values`: count listings at each price too (FacetRequest::price_values).
    // `created_at`: count the listings' dates only (a pass of its own).
    explicit FacetTally(bool price_values = false, bool created_at = false)
        : price_values_wanted_(price_values), created_at_wanted_(created_at) {}
    bool wants_price_values() const { return price_values_wanted_; }
    bool wants_created_at() const { return created_at_wanted_; }
    void add_created_at(double date, std::uint64_t count = 1) {
        if (count > 0) created_at_values_[date] += count;
    }
    // The dates counted, as FacetCounts::created_at.
    void write_created_at_to(FacetCounts& counts, std::size_t limit) const;
    void add(FacetDimension dimension, std::string_view name, std::uint64_t count);
    // One shard's counts by its snapshot's value ids (`by_id`, index 0 for
    // no value), added up by the values' ids in `names` (`shared_ids`, the
    // snapshot's shared_facet_ids in its facet_names()): no name is hashed.
    void add_by_ids(FacetDimension dimension, const std::shared_ptr<FacetNames>& names,
                    const std::vector<std::uint32_t>& shared_ids, const std::vector<std::uint64_t>& by_id);
    void add_price(double price, std::uint64_t count = 1);  // `count` listings at this price
    void add_prices(const PriceTally& prices);
    void add_all(const FacetTally& other);
    // Sets, in `counts`, the top `limit` values of each dimension that was
    // tallied (most first) and the price summary if prices were tallied.
    void write_to(FacetCounts& counts, std::size_t limit) const;
    void mark_tallied(FacetDimensions dimensions, bool price);

private:
    // Names read through Xapian, keyed by views of owned_names_.
    using Counts = std::unordered_map<std::string_view, std::uint64_t>;

    void count_name(Counts& counts, std::string_view name, std::uint64_t count);
    // Every value of `dimension` counted, with its count (in no order).
    std::vector<std::pair<std::string_view, std::uint64_t>> merged_counts(FacetDimension dimension) const;

    std::array<Counts, facet_dimension_count> counts_;
    std::shared_ptr<FacetNames> names_;  // the numbering of by_shared_id_ (the first one added)
    std::array<std::vector<std::uint64_t>, facet_dimension_count> by_shared_id_;
    std::deque<std::string> owned_names_;  // a deque: adding never moves the others
    std::array<bool, facet_dimension_count> tallied_{};
    bool prices_tallied_ = false;
    std::uint64_t price_count_ = 0;
    double price_min_ = 0, price_max_ = 0, price_sum_ = 0;
    std::array<std::uint64_t, 8> price_histogram_{};
    bool price_values_wanted_ = false;
    std::unordered_map<double, std::uint64_t> price_values_;
    bool created_at_wanted_ = false;
    std::unordered_map<double, std::uint64_t> created_at_values_;
};

struct FacetCountingResult {
    FacetCounts counts;
    std::uint64_t matches = 0;  // exact number of listings matching all filters
};

// Counts the requested facets over every match, shard by shard: one pass
// with all filters for the facets whose own filter is unused, and one pass
// per facet whose own filter is in use, without that filter (disjunctive).
// `known`, when the caller has it already: each shard's snapshot listings
// matching the request with all its filters (the pass that counts those
// then skips evaluating the query again). `side_by_side`: the shards are
// counted on two threads when a helper is idle (run_shard_tasks).
FacetCountingResult count_facets(const std::vector<ShardView>& shards, const SearchRequest& request,
                                 const FilteredQueries& queries, const std::vector<DocidSet>* known = nullptr,
                                 bool side_by_side = false);

// The same through Xapian's ValueCountMatchSpy over `database`, for shards
// behind a remote backend, where there are no snapshots (slower: every
// match is visited through Xapian).
FacetCountingResult count_facets_by_values(const Xapian::Database& database, const SearchRequest& request,
                                           const FilteredQueries& queries);

}  // namespace query

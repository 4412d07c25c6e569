#include "facets.h"

#include <algorithm>
#include <cmath>

#include "analyzers/document_layout.h"
#include "shard_tasks.h"

namespace query {
namespace {

std::size_t index_of(FacetDimension dimension) { return static_cast<std::size_t>(dimension); }

// Price bands of the histogram: [0, 10), [10, 25), ... [1000, no limit).
constexpr std::array<double, 9> price_band_edges{0, 10, 25, 50, 100, 250, 500, 1000, 0};

std::size_t price_band(double price) {
    std::size_t band = 0;  // branch-free: the band is how many edges the price reaches
    for (std::size_t edge = 1; edge + 1 < price_band_edges.size(); ++edge) band += price >= price_band_edges[edge];
    return band;
}

std::vector<FacetValueCount>& counts_of(FacetCounts& counts, FacetDimension dimension) {
    switch (dimension) {
        case FacetDimension::brand: return counts.brand;
        case FacetDimension::category_1: return counts.category_1;
        case FacetDimension::category_2: return counts.category_2;
        case FacetDimension::category_3: return counts.category_3;
        case FacetDimension::condition: return counts.condition;
        case FacetDimension::shipping: break;
    }
    return counts.shipping;
}

// Counts through Xapian's own ValueCountMatchSpy, reading each match's
// values: for listings a snapshot does not hold yet, and for shards behind
// a remote backend (xapian-tcpsrv runs this spy on the shard servers).
std::uint64_t count_pass_by_values(const Xapian::Database& database, const Xapian::Query& query,
                                   FacetDimensions dimensions, bool price, FacetTally& tally) {
    tally.mark_tallied(dimensions, price);
    const bool any_category = dimensions[index_of(FacetDimension::category_1)];
    Xapian::ValueCountMatchSpy brands(analyzers::slot::brand), categories(analyzers::slot::category),
        conditions(analyzers::slot::condition), shipping(analyzers::slot::shipping), prices(analyzers::slot::price);
    Xapian::Enquire enquire(database);
    enquire.set_query(query);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    if (dimensions[index_of(FacetDimension::brand)]) enquire.add_matchspy(&brands);
    if (any_category) enquire.add_matchspy(&categories);
    if (dimensions[index_of(FacetDimension::condition)]) enquire.add_matchspy(&conditions);
    if (dimensions[index_of(FacetDimension::shipping)]) enquire.add_matchspy(&shipping);
    if (price) enquire.add_matchspy(&prices);
    Xapian::ValueCountMatchSpy dates(analyzers::slot::created_at);
    if (tally.wants_created_at()) enquire.add_matchspy(&dates);
    const auto matches = enquire.get_mset(0, 0, database.get_doccount()).get_matches_estimated();
    const auto each = [](const Xapian::ValueCountMatchSpy& spy, auto visit) {
        for (auto value = spy.values_begin(); value != spy.values_end(); ++value) visit(*value, value.get_termfreq());
    };
    each(brands, [&](const std::string& name, std::uint64_t count) { tally.add(FacetDimension::brand, name, count); });
    each(categories, [&](const std::string& path, std::uint64_t count) {
        for (std::size_t level = 1; level <= 3; ++level) {
            const std::string prefix = analyzers::category_prefix(path, level);
            tally.add(static_cast<FacetDimension>(index_of(FacetDimension::category_1) + level - 1), prefix, count);
            if (prefix == path) break;
        }
    });
    each(conditions, [&](const std::string& value, std::uint64_t count) {
        tally.add(FacetDimension::condition, condition_name(value), count);
    });
    each(shipping, [&](const std::string& name, std::uint64_t count) { tally.add(FacetDimension::shipping, name, count); });
    each(prices, [&](const std::string& value, std::uint64_t count) {
        tally.add_price(Xapian::sortable_unserialise(value), count);
    });
    each(dates, [&](const std::string& value, std::uint64_t count) {
        tally.add_created_at(Xapian::sortable_unserialise(value), count);
    });
    return matches;
}

// Counts the listings of one shard from its docid `from` on, through Xapian.
std::uint64_t count_through_xapian(const ShardView& shard, const Xapian::Query& query, Xapian::docid from,
                                   FacetDimensions dimensions, bool price, FacetTally& tally) {
    return count_pass_by_values(shard.database, Xapian::Query(Xapian::Query::OP_FILTER, query, listings_from(from)),
                                dimensions, price, tally);
}

// One facet's matches by value id (0: no value), read from one column.
struct ValueCounter {
    FacetDimension facet;
    const IdColumn* column;
    std::vector<std::uint64_t> by_id;
};

bool is_category_level(FacetDimension facet) {
    return facet == FacetDimension::category_1 || facet == FacetDimension::category_2 ||
           facet == FacetDimension::category_3;
}

// One category level's counts by id, added up from the counts by path.
std::vector<std::uint64_t> level_counts(const ShardSnapshot& snapshot, FacetDimension level,
                                        const std::vector<std::uint64_t>& by_path) {
    const std::size_t level_index = index_of(level) - index_of(FacetDimension::category_1);
    std::vector<std::uint64_t> by_id(snapshot.facet_value_count(level) + 1, 0);
    const auto& paths = snapshot.category_paths();
    for (std::size_t path = 1; path < by_path.size(); ++path) by_id[paths[path - 1].level_ids[level_index]] += by_path[path];
    return by_id;
}

void add_counts(FacetTally& tally, const ShardSnapshot& snapshot, FacetDimension facet,
                const std::vector<std::uint64_t>& by_id) {
    tally.add_by_ids(facet, snapshot.facet_names(), snapshot.shared_facet_ids(facet), by_id);
}

// One shard's matches counted by value id, by array lookups in one pass
// over the bitmap per column (a few nanoseconds a match): what can be
// counted on a thread of its own. The category levels are counted by path
// (one column read a match instead of three) and added up by level
// afterwards, over ~1,300 paths.
struct ShardCounts {
    std::uint64_t matches = 0;
    std::vector<ValueCounter> counters;
    std::vector<FacetDimension> levels_by_path;  // counted in the last counter, by path
    PriceTally prices;
};

ShardCounts count_columns(const ShardSnapshot& snapshot, const DocidSet& matching, FacetDimensions dimensions,
                          bool price, bool price_values) {
    ShardCounts counts;
    const bool by_path = !snapshot.category_paths().empty();
    for (std::size_t dimension = 0; dimension < facet_dimension_count; ++dimension) {
        if (!dimensions[dimension]) continue;
        const auto facet = static_cast<FacetDimension>(dimension);
        if (by_path && is_category_level(facet)) {
            counts.levels_by_path.push_back(facet);
            continue;
        }
        counts.counters.push_back({facet, &snapshot.facet_column(facet),
                                   std::vector<std::uint64_t>(snapshot.facet_value_count(facet) + 1, 0)});
    }
    if (!counts.levels_by_path.empty()) {
        counts.counters.push_back({FacetDimension::category_1, &snapshot.category_path_column(),
                                   std::vector<std::uint64_t>(snapshot.category_paths().size() + 1, 0)});
    }
    counts.prices.keep_values = price_values;
    counts.matches = matching.count();
    // Two columns a walk over the bitmap's bits (brand and category,
    // usually all there is), and the prices in the first walk: one walk
    // for all of them. A loop over the counters inside the walk reloaded
    // each counter's arrays at every match.
    PriceTally* prices = price ? &counts.prices : nullptr;
    const std::vector<double>& price_column = snapshot.prices();
    const auto walk = [&](auto count_one) {
        if (prices == nullptr) return matching.for_each(count_one);
        matching.for_each([&](Xapian::docid docid) {
            count_one(docid);
            prices->add(price_column[docid]);
        });
        prices = nullptr;  // counted once
    };
    std::size_t next = 0;
    for (; next + 1 < counts.counters.size(); next += 2) {
        std::uint64_t* first_by_id = counts.counters[next].by_id.data();
        std::uint64_t* second_by_id = counts.counters[next + 1].by_id.data();
        counts.counters[next].column->with_ids([&](const auto* first_column) {
            counts.counters[next + 1].column->with_ids([&](const auto* second_column) {
                walk([=](Xapian::docid docid) {
                    ++first_by_id[first_column[docid]];
                    ++second_by_id[second_column[docid]];
                });
            });
        });
    }
    if (next < counts.counters.size()) {
        std::uint64_t* by_id = counts.counters[next].by_id.data();
        counts.counters[next].column->with_ids([&](const auto* column) {
            walk([=](Xapian::docid docid) { ++by_id[column[docid]]; });
        });
    }
    if (prices != nullptr) matching.for_each([&](Xapian::docid docid) { prices->add(price_column[docid]); });
    return counts;
}

// Adds one shard's counts to the request's tally, by name.
void add_to_tally(const ShardSnapshot& snapshot, ShardCounts& counts, bool price, FacetTally& tally) {
    if (!counts.levels_by_path.empty()) {
        const std::vector<std::uint64_t> by_path_counts = std::move(counts.counters.back().by_id);
        counts.counters.pop_back();
        for (FacetDimension level : counts.levels_by_path) {
            add_counts(tally, snapshot, level, level_counts(snapshot, level, by_path_counts));
        }
    }
    for (const ValueCounter& counter : counts.counters) add_counts(tally, snapshot, counter.facet, counter.by_id);
    if (price) tally.add_prices(counts.prices);
}

// One counting pass over every shard (their snapshots side by side when
// `side_by_side`); returns the number of matches.
std::uint64_t count_pass(const std::vector<ShardView>& shards, const Filters& filters, const FilteredQueries& queries,
                         FacetDimensions dimensions, bool price, FacetTally& tally,
                         const std::vector<DocidSet>* known, bool side_by_side) {
    tally.mark_tallied(dimensions, price);
    // Read out of Xapian's query objects here, once (see MatchExpression).
    const std::optional<MatchExpression> matching =
        known ? std::nullopt : std::optional(MatchExpression::of(queries.with_term_filters(filters)));
    std::vector<std::optional<DocidSet>> evaluated(shards.size());
    std::vector<std::optional<ShardCounts>> counted(shards.size());
    // The dates go into the tally as they are read: one thread.
    run_shard_tasks(
        shards.size(),
        [&](std::size_t n) {
            if (!known) evaluated[n] = matches_in_snapshot(shards[n], filters, *matching);
            const DocidSet* in_snapshot = known ? &(*known)[n] : evaluated[n] ? &*evaluated[n] : nullptr;
            if (in_snapshot == nullptr) return;  // not a query the snapshot can evaluate: all through Xapian
            counted[n] = count_columns(*shards[n].snapshot, *in_snapshot, dimensions, price, tally.wants_price_values());
        },
        side_by_side && !tally.wants_created_at());
    std::uint64_t matches = 0;
    for (std::size_t shard_index = 0; shard_index < shards.size(); ++shard_index) {
        const ShardView& shard = shards[shard_index];
        const ShardSnapshot& snapshot = *shard.snapshot;
        if (!counted[shard_index]) {
            matches += count_through_xapian(shard, queries.with_all_filters(filters), 1, dimensions, price, tally);
            continue;
        }
        if (tally.wants_created_at()) {
            const DocidSet& in_snapshot = known ? (*known)[shard_index] : *evaluated[shard_index];
            in_snapshot.for_each([&](Xapian::docid docid) { tally.add_created_at(snapshot.created_at(docid)); });
        }
        matches += counted[shard_index]->matches;
        add_to_tally(snapshot, *counted[shard_index], price, tally);
        if (shard.database.get_lastdocid() >= snapshot.size()) {
            matches += count_through_xapian(shard, queries.with_all_filters(filters),
                                            static_cast<Xapian::docid>(snapshot.size()), dimensions, price, tally);
        }
    }
    return matches;
}

FacetDimensions only(std::initializer_list<FacetDimension> dimensions) {
    FacetDimensions mask{};
    for (auto dimension : dimensions) mask[index_of(dimension)] = true;
    return mask;
}

}  // namespace

void FacetTally::add(FacetDimension dimension, std::string_view name, std::uint64_t count) {
    tallied_[index_of(dimension)] = true;
    if (count > 0) count_name(counts_[index_of(dimension)], name, count);
}

void FacetTally::count_name(Counts& counts, std::string_view name, std::uint64_t count) {
    if (const auto found = counts.find(name); found != counts.end()) {
        found->second += count;
    } else {
        counts.emplace(owned_names_.emplace_back(name), count);  // a copy: the name may not last
    }
}

void FacetTally::add_by_ids(FacetDimension dimension, const std::shared_ptr<FacetNames>& names,
                            const std::vector<std::uint32_t>& shared_ids, const std::vector<std::uint64_t>& by_id) {
    tallied_[index_of(dimension)] = true;
    if (!names_) names_ = names;
    if (names_ != names) {
        // Counted in another numbering (snapshots of two generations, which
        // a request never mixes): added by name.
        const FacetNames::Reader reader(*names);
        for (std::size_t id = 1; id < by_id.size(); ++id) {
            if (by_id[id] > 0) add(dimension, reader.name(dimension, shared_ids[id]), by_id[id]);
        }
        return;
    }
    std::vector<std::uint64_t>& counts = by_shared_id_[index_of(dimension)];
    // Every id the snapshot holds was numbered before the snapshot was shared.
    const std::size_t numbered = names_->size(dimension);
    if (counts.size() < numbered) counts.resize(numbered, 0);
    for (std::size_t id = 1; id < by_id.size(); ++id) counts[shared_ids[id]] += by_id[id];
}

void FacetTally::mark_tallied(FacetDimensions dimensions, bool price) {
    for (std::size_t dimension = 0; dimension < facet_dimension_count; ++dimension) {
        tallied_[dimension] = tallied_[dimension] || dimensions[dimension];
    }
    prices_tallied_ = prices_tallied_ || price;
}

void FacetTally::add_price(double price, std::uint64_t count) {
    if (count == 0) return;
    price_min_ = price_count_ == 0 ? price : std::min(price_min_, price);
    price_max_ = price_count_ == 0 ? price : std::max(price_max_, price);
    price_sum_ += price * static_cast<double>(count);
    price_count_ += count;
    price_histogram_[price_band(price)] += count;
    if (price_values_wanted_) price_values_[price] += count;
}

void FacetTally::add_prices(const PriceTally& prices) {
    if (prices.count == 0) return;
    FacetTally batch;
    batch.price_values_ = prices.values;
    batch.price_count_ = prices.count;
    batch.price_min_ = prices.low;
    batch.price_max_ = prices.high;
    batch.price_sum_ = prices.sum;
    batch.price_histogram_ = prices.histogram;
    add_all(batch);
}

std::vector<std::pair<std::string_view, std::uint64_t>> FacetTally::merged_counts(FacetDimension dimension) const {
    std::vector<std::pair<std::string_view, std::uint64_t>> entries;
    if (!names_) {
        for (const auto& [name, count] : counts_[index_of(dimension)]) entries.emplace_back(name, count);
        return entries;
    }
    const FacetNames& names = *names_;
    // A name read through Xapian that a snapshot also counted adds to its count.
    std::vector<std::uint64_t> by_id = by_shared_id_[index_of(dimension)];
    for (const auto& [name, count] : counts_[index_of(dimension)]) {
        const auto id = names.find(dimension, name);
        if (id && *id < by_id.size()) {
            by_id[*id] += count;
        } else {
            entries.emplace_back(name, count);
        }
    }
    // The names outlive the reader: they are never moved or removed.
    const FacetNames::Reader reader(names);
    for (std::uint32_t id = 0; id < by_id.size(); ++id) {
        if (by_id[id] > 0) entries.emplace_back(reader.name(dimension, id), by_id[id]);
    }
    return entries;
}

void FacetTally::write_created_at_to(FacetCounts& counts, std::size_t limit) const {
    PriceSummary summary;
    for (const auto& [date, count] : created_at_values_) {
        summary.min = summary.count == 0 ? date : std::min(summary.min, date);
        summary.max = summary.count == 0 ? date : std::max(summary.max, date);
        summary.count += count;
        summary.values.emplace_back(date, count);
    }
    // Most first; ties oldest first, so that results are stable.
    std::sort(summary.values.begin(), summary.values.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (summary.values.size() > limit) summary.values.resize(limit);
    counts.created_at = std::move(summary);
}

void PriceTally::add(double price) {
    low = std::min(low, price);
    high = std::max(high, price);
    sum += price;
    ++count;
    ++histogram[price_band(price)];
    if (keep_values) ++values[price];
}

void FacetTally::add_all(const FacetTally& other) {
    if (!names_) names_ = other.names_;
    for (std::size_t dimension = 0; dimension < facet_dimension_count; ++dimension) {
        for (const auto& [name, count] : other.counts_[dimension]) count_name(counts_[dimension], name, count);
        const auto& theirs = other.by_shared_id_[dimension];
        if (other.names_ != names_) {  // another numbering (never within one request): by name
            if (theirs.empty()) continue;
            const FacetNames::Reader reader(*other.names_);
            const auto facet = static_cast<FacetDimension>(dimension);
            for (std::uint32_t id = 0; id < theirs.size(); ++id) {
                if (theirs[id] > 0) count_name(counts_[dimension], reader.name(facet, id), theirs[id]);
            }
            continue;
        }
        auto& ours = by_shared_id_[dimension];
        if (ours.size() < theirs.size()) ours.resize(theirs.size(), 0);
        for (std::size_t id = 0; id < theirs.size(); ++id) ours[id] += theirs[id];
    }
    if (other.price_count_ == 0) return;
    price_min_ = price_count_ == 0 ? other.price_min_ : std::min(price_min_, other.price_min_);
    price_max_ = price_count_ == 0 ? other.price_max_ : std::max(price_max_, other.price_max_);
    price_sum_ += other.price_sum_;
    price_count_ += other.price_count_;
    for (std::size_t band = 0; band < price_histogram_.size(); ++band) {
        price_histogram_[band] += other.price_histogram_[band];
    }
    if (price_values_wanted_) {
        for (const auto& [price, count] : other.price_values_) price_values_[price] += count;
    }
}

void FacetTally::write_to(FacetCounts& counts, std::size_t limit) const {
    for (std::size_t dimension = 0; dimension < facet_dimension_count; ++dimension) {
        if (!tallied_[dimension]) continue;
        auto& values = counts_of(counts, static_cast<FacetDimension>(dimension));
        values.clear();
        const auto entries = merged_counts(static_cast<FacetDimension>(dimension));
        using Entry = std::pair<std::string_view, std::uint64_t>;
        std::vector<const Entry*> order;
        order.reserve(entries.size());
        for (const Entry& entry : entries) order.push_back(&entry);
        // Only the top `limit` of thousands of brands are sorted and copied.
        const std::size_t kept = std::min(limit, order.size());
        // Most first; ties by name so that results are stable.
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(kept), order.end(),
                          [](const Entry* a, const Entry* b) {
                              return a->second != b->second ? a->second > b->second : a->first < b->first;
                          });
        for (std::size_t n = 0; n < kept; ++n) values.push_back({std::string(order[n]->first), order[n]->second});
    }
    if (!prices_tallied_) return;
    PriceSummary summary;
    summary.count = price_count_;
    summary.min = price_min_;
    summary.max = price_max_;
    summary.average = price_count_ > 0 ? price_sum_ / static_cast<double>(price_count_) : 0;
    for (std::size_t band = 0; band < price_histogram_.size(); ++band) {
        summary.histogram.push_back(
            {.from = price_band_edges[band], .to = price_band_edges[band + 1], .count = price_histogram_[band]});
    }
    if (price_values_wanted_) {
        for (const auto& [price, count] : price_values_) summary.values.emplace_back(price, count);
        // Most first; ties cheapest first, so that results are stable.
        std::sort(summary.values.begin(), summary.values.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        if (summary.values.size() > limit) summary.values.resize(limit);
    }
    counts.price = summary;
}

namespace {

// One counting pass: the listings matching `filters` (with the caller's
// text), counted in the given dimensions. Returns how many matched.
// `request_filters`: `filters` are the request's own, all of them.
using CountPass = std::function<std::uint64_t(const Filters& filters, bool request_filters, FacetDimensions dimensions,
                                              bool price, FacetTally& tally)>;

// The disjunctive passes: one with all filters for the facets whose own
// filter is unused, and one per facet whose own filter is in use, without it.
FacetCountingResult count_in_passes(const SearchRequest& request, const CountPass& count_pass) {
    const FacetRequest& wanted = request.facets;
    const Filters& filters = request.filters;
    // Without disjunction every facet simply counts the filtered results.
    const bool disjunctive = wanted.disjunctive;
    const bool brand_filtered = disjunctive && !filters.brands.empty();
    const bool category_filtered = disjunctive && !filters.category.empty();
    const bool condition_filtered = disjunctive && !filters.conditions.empty();
    const bool shipping_filtered = disjunctive && !filters.shipping.empty();
    const bool price_filtered = disjunctive && (filters.price_min || filters.price_max);

    FacetTally tally(wanted.price_values);
    FacetCountingResult result;
    FacetDimensions unfiltered{};
    unfiltered[index_of(FacetDimension::brand)] = wanted.brand && !brand_filtered;
    for (auto level : {FacetDimension::category_1, FacetDimension::category_2, FacetDimension::category_3}) {
        unfiltered[index_of(level)] = wanted.category && !category_filtered;
    }
    unfiltered[index_of(FacetDimension::condition)] = wanted.condition && !condition_filtered;
    unfiltered[index_of(FacetDimension::shipping)] = wanted.shipping && !shipping_filtered;
    result.matches = count_pass(filters, true, unfiltered, wanted.price && !price_filtered, tally);

    const auto count_without = [&](auto clear_filter, FacetDimensions dimensions, bool price) {
        Filters without = filters;
        clear_filter(without);
        count_pass(without, false, dimensions, price, tally);
    };
    if (wanted.brand && brand_filtered) {
        count_without([](Filters& f) { f.brands.clear(); }, only({FacetDimension::brand}), false);
    }
    if (wanted.category && category_filtered) {
        count_without([](Filters& f) { f.category.clear(); },
                      only({FacetDimension::category_1, FacetDimension::category_2, FacetDimension::category_3}),
                      false);
    }
    if (wanted.condition && condition_filtered) {
        count_without([](Filters& f) { f.conditions.clear(); }, only({FacetDimension::condition}), false);
    }
    if (wanted.shipping && shipping_filtered) {
        count_without([](Filters& f) { f.shipping.clear(); }, only({FacetDimension::shipping}), false);
    }
    if (wanted.price && price_filtered) {
        count_without([](Filters& f) { f.price_min.reset(), f.price_max.reset(); }, {}, true);
    }
    tally.write_to(result.counts, request.facet_limit);
    if (wanted.created_at) {  // a pass of its own: only the request's filters, whatever the disjunction
        FacetTally dates(false, true);
        count_pass(filters, true, FacetDimensions{}, false, dates);
        dates.write_created_at_to(result.counts, request.facet_limit);
    }
    return result;
}

}  // namespace

FacetCountingResult count_facets(const std::vector<ShardView>& shards, const SearchRequest& request,
                                 const FilteredQueries& queries, const std::vector<DocidSet>* known,
                                 bool side_by_side) {
    return count_in_passes(request, [&](const Filters& filters, bool request_filters, FacetDimensions dimensions,
                                        bool price, FacetTally& tally) {
        return count_pass(shards, filters, queries, dimensions, price, tally, request_filters ? known : nullptr,
                          side_by_side);
    });
}

FacetCountingResult count_facets_by_values(const Xapian::Database& database, const SearchRequest& request,
                                           const FilteredQueries& queries) {
    return count_in_passes(request, [&](const Filters& filters, bool, FacetDimensions dimensions, bool price,
                                        FacetTally& tally) {
        return count_pass_by_values(database, queries.with_all_filters(filters), dimensions, price, tally);
    });
}

}  // namespace query

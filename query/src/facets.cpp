#include "facets.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analyzers/document_layout.h"

namespace query {
namespace {

std::size_t index_of(FacetDimension dimension) { return static_cast<std::size_t>(dimension); }

// "Women/Tops & Blouses/Blouse" cut to `levels` levels.
std::string category_prefix(const std::string& path, std::size_t levels) {
    std::size_t end = 0, from = 0;
    for (std::size_t level = 0; level < levels; ++level) {
        end = path.find('/', from);
        if (end == std::string::npos) return path;
        from = end + 1;
    }
    return path.substr(0, end);
}

std::string condition_name(const std::string& serialised) {
    return std::to_string(static_cast<int>(Xapian::sortable_unserialise(serialised)));
}

// Price bands of the histogram: [0, 10), [10, 25), ... [1000, no limit).
constexpr std::array<double, 9> price_band_edges{0, 10, 25, 50, 100, 250, 500, 1000, 0};

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

}  // namespace

std::shared_ptr<const FacetColumns> FacetColumns::build(const Xapian::Database& database) {
    auto columns = std::make_shared<FacetColumns>();
    const std::size_t size = static_cast<std::size_t>(database.get_lastdocid()) + 1;
    for (auto& column : columns->ids_) column.assign(size, 0);
    columns->price_.assign(size, std::numeric_limits<float>::quiet_NaN());

    const auto intern = [&](FacetDimension dimension, const std::string& name) -> std::uint32_t {
        auto& ids = columns->id_of_name_[index_of(dimension)];
        auto [found, added] = ids.try_emplace(name, static_cast<std::uint32_t>(ids.size() + 1));
        if (added) columns->names_[index_of(dimension)].push_back(name);
        return found->second;
    };
    const auto fill_from_values = [&](Xapian::valueno slot, FacetDimension dimension, auto name_of) {
        auto& column = columns->ids_[index_of(dimension)];
        for (auto value = database.valuestream_begin(slot); value != database.valuestream_end(slot); ++value) {
            column[value.get_docid()] = intern(dimension, name_of(*value));
        }
    };
    for (auto value = database.valuestream_begin(analyzers::slot::price);
         value != database.valuestream_end(analyzers::slot::price); ++value) {
        columns->price_[value.get_docid()] = static_cast<float>(Xapian::sortable_unserialise(*value));
    }
    fill_from_values(analyzers::slot::condition, FacetDimension::condition, condition_name);
    fill_from_values(analyzers::slot::shipping, FacetDimension::shipping, [](const std::string& v) { return v; });

    // Brands and categories by canonical key, so "Nike" and "NIKE" are one
    // brand; each key is shown as its first listing wrote it.
    const std::string brand_prefix(analyzers::prefix::brand), category_prefix_terms(analyzers::prefix::category);
    for (auto term = database.allterms_begin(brand_prefix); term != database.allterms_end(brand_prefix); ++term) {
        auto posting = database.postlist_begin(*term);
        if (posting == database.postlist_end(*term)) continue;
        const std::string display = database.get_document(*posting).get_value(analyzers::slot::brand);
        const std::uint32_t id = intern(FacetDimension::brand, display.empty() ? (*term).substr(2) : display);
        auto& column = columns->ids_[index_of(FacetDimension::brand)];
        for (; posting != database.postlist_end(*term); ++posting) column[*posting] = id;
    }
    for (auto term = database.allterms_begin(category_prefix_terms);
         term != database.allterms_end(category_prefix_terms); ++term) {
        auto posting = database.postlist_begin(*term);
        if (posting == database.postlist_end(*term)) continue;
        const std::string key = (*term).substr(2);
        const std::size_t level = static_cast<std::size_t>(std::count(key.begin(), key.end(), '/')) + 1;
        if (level > 3) continue;
        const auto dimension = static_cast<FacetDimension>(index_of(FacetDimension::category_1) + level - 1);
        const std::string path = database.get_document(*posting).get_value(analyzers::slot::category);
        const std::uint32_t id = intern(dimension, path.empty() ? key : category_prefix(path, level));
        auto& column = columns->ids_[index_of(dimension)];
        for (; posting != database.postlist_end(*term); ++posting) column[*posting] = id;
    }
    return columns;
}

void FacetTally::add(FacetDimension dimension, const std::string& name, std::uint64_t count) {
    tallied_[index_of(dimension)] = true;
    if (count > 0) counts_[index_of(dimension)][name] += count;
}

void FacetTally::add_price(double price) {
    price_min_ = price_count_ == 0 ? price : std::min(price_min_, price);
    price_max_ = price_count_ == 0 ? price : std::max(price_max_, price);
    price_sum_ += price;
    ++price_count_;
    std::size_t band = 0;
    while (band + 2 < price_band_edges.size() && price >= price_band_edges[band + 1]) ++band;
    ++price_histogram_[band];
}

void FacetTally::write_to(FacetCounts& counts, std::size_t limit) const {
    for (std::size_t dimension = 0; dimension < facet_dimension_count; ++dimension) {
        if (!tallied_[dimension]) continue;
        auto& values = counts_of(counts, static_cast<FacetDimension>(dimension));
        values.clear();
        for (const auto& [name, count] : counts_[dimension]) values.push_back({name, count});
        // Most first; ties by name so that results are stable.
        std::sort(values.begin(), values.end(), [](const FacetValueCount& a, const FacetValueCount& b) {
            return a.count != b.count ? a.count > b.count : a.value < b.value;
        });
        if (values.size() > limit) values.resize(limit);
    }
    if (!prices_tallied_) return;
    PriceSummary summary;
    summary.count = price_count_;
    summary.min = price_min_;
    summary.max = price_max_;
    summary.average = price_count_ > 0 ? price_sum_ / static_cast<double>(price_count_) : 0;
    for (std::size_t band = 0; band < price_histogram_.size(); ++band) {
        summary.histogram.push_back({price_band_edges[band], price_band_edges[band + 1], price_histogram_[band]});
    }
    counts.price = summary;
}

FacetSpy::FacetSpy(std::shared_ptr<const FacetColumns> columns, FacetDimensions dimensions, bool price)
    : columns_(std::move(columns)), dimensions_(dimensions), price_(price) {
    for (std::size_t dimension = 0; dimension < facet_dimension_count; ++dimension) {
        if (dimensions_[dimension]) counts_[dimension].assign(columns_->names_[dimension].size() + 1, 0);
    }
    own_.prices_tallied_ = price;
}

void FacetSpy::operator()(const Xapian::Document& document, double) {
    const Xapian::docid docid = document.get_docid();
    if (docid >= columns_->size() || std::isnan(columns_->price_[docid])) {
        count_from_values(document);
        return;
    }
    for (std::size_t dimension = 0; dimension < facet_dimension_count; ++dimension) {
        if (dimensions_[dimension]) ++counts_[dimension][columns_->ids_[dimension][docid]];
    }
    if (price_) own_.add_price(columns_->price_[docid]);
}

// A listing newer than the columns: slower, but there are few of them.
void FacetSpy::count_from_values(const Xapian::Document& document) {
    const auto count = [&](FacetDimension dimension, const std::string& name) {
        if (dimensions_[index_of(dimension)] && !name.empty()) own_.add(dimension, name, 1);
    };
    const std::string category = document.get_value(analyzers::slot::category);
    count(FacetDimension::brand, document.get_value(analyzers::slot::brand));
    for (std::size_t level = 1; level <= 3 && !category.empty(); ++level) {
        const std::string prefix = category_prefix(category, level);
        count(static_cast<FacetDimension>(index_of(FacetDimension::category_1) + level - 1), prefix);
        if (prefix == category) break;
    }
    const std::string condition = document.get_value(analyzers::slot::condition);
    if (!condition.empty()) count(FacetDimension::condition, condition_name(condition));
    count(FacetDimension::shipping, document.get_value(analyzers::slot::shipping));
    const std::string price = document.get_value(analyzers::slot::price);
    if (price_ && !price.empty()) own_.add_price(Xapian::sortable_unserialise(price));
}

void FacetSpy::add_to(FacetTally& tally) const {
    for (std::size_t dimension = 0; dimension < facet_dimension_count; ++dimension) {
        if (!dimensions_[dimension]) continue;
        const auto facet = static_cast<FacetDimension>(dimension);
        const auto& names = columns_->names_[dimension];
        for (std::size_t id = 1; id < counts_[dimension].size(); ++id) tally.add(facet, names[id - 1], counts_[dimension][id]);
        for (const auto& [name, count] : own_.counts_[dimension]) tally.add(facet, name, count);
        tally.add(facet, "", 0);  // tallied, even with no matches
    }
    if (!price_) return;
    tally.prices_tallied_ = true;
    if (own_.price_count_ == 0) return;
    tally.price_min_ = tally.price_count_ == 0 ? own_.price_min_ : std::min(tally.price_min_, own_.price_min_);
    tally.price_max_ = tally.price_count_ == 0 ? own_.price_max_ : std::max(tally.price_max_, own_.price_max_);
    tally.price_sum_ += own_.price_sum_;
    tally.price_count_ += own_.price_count_;
    for (std::size_t band = 0; band < own_.price_histogram_.size(); ++band) {
        tally.price_histogram_[band] += own_.price_histogram_[band];
    }
}

namespace {

bool price_filtered(const Filters& filters) { return filters.price_min || filters.price_max; }

// Runs one counting pass over every shard; returns the number of matches.
std::uint64_t count_pass(const std::vector<ShardView>& shards, const Xapian::Query& query, FacetDimensions dimensions,
                         bool price, FacetTally& tally) {
    std::uint64_t matches = 0;
    for (const ShardView& shard : shards) {
        Xapian::Enquire enquire(shard.database);
        enquire.set_query(query);
        FacetSpy spy(shard.columns, dimensions, price);
        enquire.add_matchspy(&spy);
        // No hits wanted, but every match visited: exact counts.
        matches += enquire.get_mset(0, 0, shard.database.get_doccount()).get_matches_estimated();
        spy.add_to(tally);
    }
    return matches;
}

FacetDimensions only(std::initializer_list<FacetDimension> dimensions) {
    FacetDimensions mask{};
    for (auto dimension : dimensions) mask[index_of(dimension)] = true;
    return mask;
}

}  // namespace

FacetCountingResult count_facets(const std::vector<ShardView>& shards, const SearchRequest& request,
                                 const FilteredQuery& filtered_query) {
    const FacetRequest& wanted = request.facets;
    const Filters& filters = request.filters;
    const bool brand_filtered = !filters.brands.empty(), category_filtered = !filters.category.empty();
    const bool condition_filtered = !filters.conditions.empty(), shipping_filtered = !filters.shipping.empty();

    FacetTally tally;
    FacetCountingResult result;
    FacetDimensions unfiltered{};
    unfiltered[index_of(FacetDimension::brand)] = wanted.brand && !brand_filtered;
    for (auto level : {FacetDimension::category_1, FacetDimension::category_2, FacetDimension::category_3}) {
        unfiltered[index_of(level)] = wanted.category && !category_filtered;
    }
    unfiltered[index_of(FacetDimension::condition)] = wanted.condition && !condition_filtered;
    unfiltered[index_of(FacetDimension::shipping)] = wanted.shipping && !shipping_filtered;
    result.matches = count_pass(shards, filtered_query(filters), unfiltered,
                                wanted.price && !price_filtered(filters), tally);

    const auto count_without = [&](auto clear_filter, FacetDimensions dimensions, bool price) {
        Filters without = filters;
        clear_filter(without);
        count_pass(shards, filtered_query(without), dimensions, price, tally);
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
    if (wanted.price && price_filtered(filters)) {
        count_without([](Filters& f) { f.price_min.reset(), f.price_max.reset(); }, {}, true);
    }
    tally.write_to(result.counts, request.facet_limit);
    return result;
}

}  // namespace query

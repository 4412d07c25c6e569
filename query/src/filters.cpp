#include "filters.h"

#include "analyzers/document_layout.h"

namespace query {
namespace {

using Xapian::Query;

Query any_of(std::vector<Query> alternatives) {
    return Query(Query::OP_OR, alternatives.begin(), alternatives.end());
}

Query exact_value(Xapian::valueno slot, const std::string& value) {
    return Query(Query::OP_VALUE_RANGE, slot, value, value);
}

std::optional<Query> brand_filter(const Filters& filters, analyzers::TextAnalyzer& analyzer,
                                  const analyzers::Lexicon& lexicon) {
    if (filters.brands.empty()) return std::nullopt;
    std::vector<Query> brands;
    for (const auto& brand : filters.brands) {
        brands.emplace_back(std::string(analyzers::prefix::brand) + analyzers::brand_key(brand, analyzer, lexicon.brands));
    }
    return any_of(std::move(brands));
}

// A category filter takes the whole subtree: every listing carries a key
// for each level of its path.
std::optional<Query> category_filter(const Filters& filters, analyzers::TextAnalyzer& analyzer) {
    const auto keys = analyzers::category_keys(filters.category, analyzer);
    if (keys.empty()) return std::nullopt;
    return Query(std::string(analyzers::prefix::category) + keys.back());
}

std::optional<Query> price_filter(const Filters& filters) {
    const Xapian::valueno slot = analyzers::slot::price;
    if (filters.price_min && filters.price_max) {
        return Query(Query::OP_VALUE_RANGE, slot, Xapian::sortable_serialise(*filters.price_min),
                     Xapian::sortable_serialise(*filters.price_max));
    }
    if (filters.price_min) return Query(Query::OP_VALUE_GE, slot, Xapian::sortable_serialise(*filters.price_min));
    if (filters.price_max) return Query(Query::OP_VALUE_LE, slot, Xapian::sortable_serialise(*filters.price_max));
    return std::nullopt;
}

std::optional<Query> condition_filter(const Filters& filters) {
    if (filters.conditions.empty()) return std::nullopt;
    std::vector<Query> conditions;
    for (int condition : filters.conditions) {
        conditions.push_back(exact_value(analyzers::slot::condition, Xapian::sortable_serialise(condition)));
    }
    return any_of(std::move(conditions));
}

std::optional<Query> shipping_filter(const Filters& filters) {
    if (filters.shipping.empty()) return std::nullopt;
    return exact_value(analyzers::slot::shipping, filters.shipping);
}

}  // namespace

Query apply_term_filters(const Query& matches, const Filters& filters, analyzers::TextAnalyzer& analyzer,
                         const analyzers::Lexicon& lexicon) {
    Query result = matches;
    for (const auto& filter : {brand_filter(filters, analyzer, lexicon), category_filter(filters, analyzer)}) {
        if (filter) result = Query(Query::OP_FILTER, result, *filter);
    }
    const Query sold{std::string(analyzers::sold_term)};
    switch (filters.status) {
        case StatusFilter::on_sale: return Query(Query::OP_AND_NOT, result, sold);
        case StatusFilter::sold: return Query(Query::OP_FILTER, result, sold);
        case StatusFilter::any: break;
    }
    return result;
}

Query apply_filters(const Query& matches, const Filters& filters, analyzers::TextAnalyzer& analyzer,
                    const analyzers::Lexicon& lexicon) {
    Query result = apply_term_filters(matches, filters, analyzer, lexicon);
    for (const auto& filter : {price_filter(filters), condition_filter(filters), shipping_filter(filters)}) {
        if (filter) result = Query(Query::OP_FILTER, result, *filter);
    }
    return result;
}

}  // namespace query

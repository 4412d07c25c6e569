#include "ranking_signals.h"

#include <cmath>

#include "analyzers/document_layout.h"
#include "posting_sources.h"

namespace query {
namespace {

using Xapian::Query;
using Op = QueryTree::Op;

// Xapian::Query owns a posting source only once it is released to it.
Query owned(Xapian::PostingSource* source) { return Query(source->release()); }

// A constant bonus for the listings matching `which`.
QueryTree bonus_for(double weight, QueryTree which) {
    return QueryTree::combine(Op::filter, {constant_weight(weight), std::move(which)});
}

QueryTree any_term(const std::vector<std::string>& terms) {
    std::vector<QueryTree> leaves;
    for (const auto& term : terms) leaves.push_back(QueryTree::term(term));
    return QueryTree::combine(Op::any_of, std::move(leaves));
}

}  // namespace

Query ConstantLeaf::to_xapian() const { return owned(new Xapian::FixedWeightPostingSource(weight_)); }

QueryTree constant_weight(double weight) { return QueryTree::leaf(std::make_shared<ConstantLeaf>(weight)); }

Query FreshnessLeaf::to_xapian() const {
    return owned(new FreshnessPostingSource(curve_, snapshots_));
}

std::optional<QueryTree> business_signals(const TextQuery& text, const RankingConfig& config,
                                          const RankingContext& context) {
    std::vector<QueryTree> signals;
    if (config.freshness_weight > 0 && context.with_freshness) {
        signals.push_back(QueryTree::leaf(
            std::make_shared<FreshnessLeaf>(config.freshness_at(context.now_seconds), context.snapshots)));
    }
    if (config.brand_match_weight > 0 && !text.named_brands.empty()) {
        signals.push_back(bonus_for(config.brand_match_weight, any_term(text.named_brands)));
    }
    if (config.category_match_weight > 0 && !text.named_categories.empty()) {
        signals.push_back(bonus_for(config.category_match_weight, any_term(text.named_categories)));
    }
    if (config.on_sale_weight > 0 && context.sold_shown) {
        signals.push_back(QueryTree::combine(
            Op::and_not, {constant_weight(config.on_sale_weight), QueryTree::term(std::string(analyzers::sold_term))}));
    }
    if (signals.empty()) return std::nullopt;
    return QueryTree::combine(Op::any_of, std::move(signals));
}

Query with_business_signals(const Query& matches, const TextQuery& text, const RankingConfig& config,
                            const RankingContext& context) {
    const auto signals = business_signals(text, config, context);
    if (!signals) return matches;
    return Query(Query::OP_AND_MAYBE, matches, signals->to_xapian());
}

QueryTree with_business_signals(const QueryTree& matches, const TextQuery& text,
                                const RankingConfig& config, const RankingContext& context) {
    auto signals = business_signals(text, config, context);
    if (!signals) return matches;
    return QueryTree::combine(Op::and_maybe, {matches, std::move(*signals)});
}

Bm25Parameters bm25_parameters(const RankingConfig& config) { return {config.bm25_k1, config.bm25_b, 0.5}; }

Xapian::BM25Weight bm25_of(const RankingConfig& config) {
    const Bm25Parameters parameters = bm25_parameters(config);
    return Xapian::BM25Weight(parameters.k1, 0, 1, parameters.b, parameters.min_normlen);
}

void set_order(Xapian::Enquire& enquire, SortOrder sort, bool empty_query) {
    switch (sort) {
        case SortOrder::relevance:
            if (empty_query) enquire.set_sort_by_relevance_then_value(analyzers::slot::created_at, true);
            break;
        case SortOrder::price_asc: enquire.set_sort_by_value_then_relevance(analyzers::slot::price, false); break;
        case SortOrder::price_desc: enquire.set_sort_by_value_then_relevance(analyzers::slot::price, true); break;
        case SortOrder::newest: enquire.set_sort_by_value_then_relevance(analyzers::slot::created_at, true); break;
        case SortOrder::oldest: enquire.set_sort_by_value_then_relevance(analyzers::slot::created_at, false); break;
    }
}

std::uint64_t relaxed_below_matches(const TextQuery& text, const RankingConfig& config) {
    return text.clauses.size() > 1 ? static_cast<std::uint64_t>(config.relax_min_matches) : 0;
}

}  // namespace query

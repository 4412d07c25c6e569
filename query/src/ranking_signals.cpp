#include "ranking_signals.h"

#include <cmath>

#include "analyzers/document_layout.h"

namespace query {
namespace {

using Xapian::Query;

// Xapian::Query owns a posting source only once it is released to it.
Query owned(Xapian::PostingSource* source) { return Query(source->release()); }

// A constant bonus for the listings matching `which`.
Query bonus_for(double weight, const Query& which) {
    return Query(Query::OP_FILTER, owned(new Xapian::FixedWeightPostingSource(weight)), which);
}

Query any_term(const std::vector<std::string>& terms) {
    return Query(Query::OP_OR, terms.begin(), terms.end());
}

}  // namespace

FreshnessPostingSource::FreshnessPostingSource(double weight, double half_life_seconds, double now_seconds)
    : Xapian::ValuePostingSource(analyzers::slot::created_at),
      weight_(weight),
      half_life_seconds_(half_life_seconds),
      now_seconds_(now_seconds) {}

double FreshnessPostingSource::get_weight() const {
    const double age = std::max(0.0, now_seconds_ - Xapian::sortable_unserialise(get_value()));
    return weight_ * std::exp2(-age / half_life_seconds_);
}

FreshnessPostingSource* FreshnessPostingSource::clone() const {
    return new FreshnessPostingSource(weight_, half_life_seconds_, now_seconds_);
}

void FreshnessPostingSource::init(const Xapian::Database& database) {
    Xapian::ValuePostingSource::init(database);
    set_maxweight(weight_);
}

Query with_business_signals(const Query& matches, const analyzers::TextQuery& text, const RankingConfig& config,
                            const RankingContext& context) {
    std::vector<Query> signals;
    if (config.freshness_weight > 0) {
        signals.push_back(owned(new FreshnessPostingSource(
            config.freshness_weight, config.freshness_half_life_days * 86400.0, context.now_seconds)));
    }
    if (config.brand_match_weight > 0 && !text.named_brands.empty()) {
        signals.push_back(bonus_for(config.brand_match_weight, any_term(text.named_brands)));
    }
    if (config.category_match_weight > 0 && !text.named_categories.empty()) {
        signals.push_back(bonus_for(config.category_match_weight, any_term(text.named_categories)));
    }
    if (config.on_sale_weight > 0 && context.sold_shown) {
        signals.emplace_back(Query::OP_AND_NOT, owned(new Xapian::FixedWeightPostingSource(config.on_sale_weight)),
                             Query(std::string(analyzers::sold_term)));
    }
    if (signals.empty()) return matches;
    return Query(Query::OP_AND_MAYBE, matches, Query(Query::OP_OR, signals.begin(), signals.end()));
}

Xapian::BM25Weight bm25_of(const RankingConfig& config) {
    // k2 = 0 and k3 = 1 as in Xapian's defaults; min_normlen 0.5 as well.
    return Xapian::BM25Weight(config.bm25_k1, 0, 1, config.bm25_b, 0.5);
}

}  // namespace query

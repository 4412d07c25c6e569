// The business signals of the ranking config as Xapian queries, added to a
// text query's matches with OP_AND_MAYBE: they change the order of the
// matches, never which listings match.
#pragma once

#include <xapian.h>

#include "analyzers/query_builder.h"
#include "query/ranking.h"

namespace query {

// Freshness bonus: weight x 2^(-age / half life), from the created_at value.
// A listing dated in the future counts as brand new.
class FreshnessPostingSource : public Xapian::ValuePostingSource {
public:
    FreshnessPostingSource(double weight, double half_life_seconds, double now_seconds);

    double get_weight() const override;
    FreshnessPostingSource* clone() const override;
    std::string name() const override { return "listing.Freshness"; }
    void init(const Xapian::Database& database) override;

private:
    double weight_, half_life_seconds_, now_seconds_;
};

struct RankingContext {
    bool sold_shown = false;  // the on-sale bonus only matters when sold listings can match
    double now_seconds = 0;   // "now" for freshness (epoch seconds)
};

// `matches` ranked by the config's business signals on top of its own weight.
Xapian::Query with_business_signals(const Xapian::Query& matches, const analyzers::TextQuery& text,
                                    const RankingConfig& config, const RankingContext& context);

Xapian::BM25Weight bm25_of(const RankingConfig& config);

}  // namespace query

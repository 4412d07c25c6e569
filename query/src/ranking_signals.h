// The business signals of the ranking config as Xapian queries, added to a
// text query's matches with OP_AND_MAYBE: they change the order of the
// matches, never which listings match.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <xapian.h>

#include "query_builder.h"
#include "replaced_listings.h"
#include "query_tree.h"
#include "query/ranking.h"
#include "query/search_request.h"
#include "shard_snapshot.h"

namespace query {

// A constant weight for every listing (Xapian's FixedWeightPostingSource):
// the brand, category and on-sale bonuses, filtered to the listings they
// reward, and relaxation's bonus per word matched.
class ConstantLeaf : public WeightedLeaf {
public:
    explicit ConstantLeaf(double weight) : weight_(weight) {}
    double weight() const { return weight_; }
    Xapian::Query to_xapian() const override;
    bool same_as(const WeightedLeaf& other) const override {
        const auto* constant = dynamic_cast<const ConstantLeaf*>(&other);
        return constant != nullptr && constant->weight_ == weight_;
    }

private:
    double weight_;
};
QueryTree constant_weight(double weight);

// The freshness signal over every listing (FreshnessPostingSource).
class FreshnessLeaf : public WeightedLeaf {
public:
    FreshnessLeaf(FreshnessCurve curve, std::shared_ptr<const ShardSnapshots> snapshots)
        : curve_(curve), snapshots_(std::move(snapshots)) {}
    double bonus(double created_at) const { return curve_.bonus(created_at); }
    Xapian::Query to_xapian() const override;

private:
    FreshnessCurve curve_;
    std::shared_ptr<const ShardSnapshots> snapshots_;
};

struct RankingContext {
    bool sold_shown = false;  // the on-sale bonus only matters when sold listings can match
    double now_seconds = 0;   // "now" for freshness (epoch seconds)
    std::shared_ptr<const ShardSnapshots> snapshots;  // may be null: values are read then
    // Off where the freshness posting source cannot run (xapian-tcpsrv
    // cannot unserialise our own posting sources): the signal is left out.
    bool with_freshness = true;
    // A frozen generation's replaced base listings, which no ranked query
    // matches (null or empty: none).
    std::shared_ptr<const ReplacedListings> replaced;
};

// The config's business signals for a text query, as one tree that adds
// its weight to the matches' (with and_maybe); nullopt when none applies.
std::optional<QueryTree> business_signals(const TextQuery& text, const RankingConfig& config,
                                                     const RankingContext& context);

// `matches` ranked by the config's business signals on top of its own weight.
Xapian::Query with_business_signals(const Xapian::Query& matches, const TextQuery& text,
                                    const RankingConfig& config, const RankingContext& context);
QueryTree with_business_signals(const QueryTree& matches, const TextQuery& text,
                                           const RankingConfig& config, const RankingContext& context);

// Xapian::BM25Weight's parameters as the config sets them (k2 = 0 and
// k3 = 1, Xapian's defaults, are left as they are).
struct Bm25Parameters {
    double k1 = 1.2;
    double b = 0.75;
    double min_normlen = 0.5;
};
Bm25Parameters bm25_parameters(const RankingConfig& config);
Xapian::BM25Weight bm25_of(const RankingConfig& config);

// Orders Xapian's matches as the request asks: by relevance, or by price or
// age with relevance breaking ties. An empty query is ranked by the signals
// alone, and its equal scores go newest first, as the column ranking has them.
void set_order(Xapian::Enquire& enquire, SortOrder sort, bool empty_query);

// An all-words query with fewer matches than this is relaxed to any word
// (0: never; a one-word query has nothing to relax).
std::uint64_t relaxed_below_matches(const TextQuery& text, const RankingConfig& config);

}  // namespace query

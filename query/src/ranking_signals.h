// The business signals of the ranking config as Xapian queries, added to a
// text query's matches with OP_AND_MAYBE: they change the order of the
// matches, never which listings match.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <xapian.h>

#include "query_builder.h"
#include "query_tree.h"
#include "query/ranking.h"
#include "query/search_service.h"
#include "shard_snapshot.h"

namespace query {

using ShardSnapshots = std::vector<std::shared_ptr<const ShardSnapshot>>;

// weight x 2^(-age / half life); a listing dated in the future is brand new.
double freshness_bonus(double weight, double half_life_seconds, double now_seconds, double created_at);

// The freshness bonus as a posting source over every listing. Reading the
// created_at value of each match through Xapian doubled query time, so
// listings in a shard's snapshot are read from its in-memory column (the
// shard is recognised by its UUID); newer ones from their value.
class FreshnessPostingSource : public Xapian::PostingSource {
public:
    FreshnessPostingSource(double weight, double half_life_seconds, double now_seconds,
                           std::shared_ptr<const ShardSnapshots> snapshots);

    void init(const Xapian::Database& database) override;
    Xapian::doccount get_termfreq_min() const override { return doccount_; }
    Xapian::doccount get_termfreq_est() const override { return doccount_; }
    Xapian::doccount get_termfreq_max() const override { return doccount_; }
    void next(double min_weight) override;
    void skip_to(Xapian::docid docid, double min_weight) override;
    // Every listing has a created_at: any docid asked about is a match.
    bool check(Xapian::docid docid, double min_weight) override;
    bool at_end() const override { return at_end_; }
    Xapian::docid get_docid() const override { return docid_; }
    double get_weight() const override;
    FreshnessPostingSource* clone() const override;
    std::string name() const override { return "listing.Freshness"; }

private:
    double weight_, half_life_seconds_, now_seconds_;
    std::shared_ptr<const ShardSnapshots> snapshots_;
    // Set by init, for one shard.
    Xapian::Database database_;
    const ShardSnapshot* snapshot_ = nullptr;
    Xapian::PostingIterator all_listings_;
    Xapian::doccount doccount_ = 0;
    Xapian::docid docid_ = 0;
    bool at_end_ = false;
};

// A constant weight for every listing (Xapian's FixedWeightPostingSource):
// the brand, category and on-sale bonuses, filtered to the listings they
// reward, and relaxation's bonus per word matched.
class ConstantLeaf : public WeightedLeaf {
public:
    explicit ConstantLeaf(double weight) : weight_(weight) {}
    double weight() const { return weight_; }
    Xapian::Query to_xapian() const override;

private:
    double weight_;
};
QueryTree constant_weight(double weight);

// The freshness signal over every listing (FreshnessPostingSource).
class FreshnessLeaf : public WeightedLeaf {
public:
    FreshnessLeaf(double weight, double half_life_seconds, double now_seconds,
                  std::shared_ptr<const ShardSnapshots> snapshots)
        : weight_(weight), half_life_seconds_(half_life_seconds), now_seconds_(now_seconds),
          snapshots_(std::move(snapshots)) {}
    double bonus(double created_at) const {
        return freshness_bonus(weight_, half_life_seconds_, now_seconds_, created_at);
    }
    Xapian::Query to_xapian() const override;

private:
    double weight_, half_life_seconds_, now_seconds_;
    std::shared_ptr<const ShardSnapshots> snapshots_;
};

struct RankingContext {
    bool sold_shown = false;  // the on-sale bonus only matters when sold listings can match
    double now_seconds = 0;   // "now" for freshness (epoch seconds)
    std::shared_ptr<const ShardSnapshots> snapshots;  // may be null: values are read then
    // Searching through xapian-tcpsrv, which cannot run our own posting
    // source: the freshness signal is left out.
    bool remote = false;
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

// Whether an all-words query with this many matches is relaxed to any word.
bool relaxes(std::uint64_t all_words_matches, const TextQuery& text, const RankingConfig& config);

}  // namespace query

// Text relevance ranked on the shard snapshots, so that Xapian's matcher
// only weighs a short list of candidates.
//
// Xapian 1.4's matcher weighs every match of a query through a tree of
// posting lists (~45 ns a posting; no block-max pruning): 30 ms for
// "nike" and its 163,000 matches at 1M listings. Here the matches come
// from the snapshot's bitmaps, each query term's postings (cached for
// frequent terms) add their BM25 weight into an array, and the signals
// read the snapshot's columns: a few nanoseconds a posting. The formula is
// Xapian's BM25Weight with the combined database's statistics, so a
// listing weighs the same (up to rounding) as through the matcher.
//
// With many matches in a shard, only those whose score bound may reach the
// page are weighed (MaxScore over the whole tree: terms, the relaxation's
// per-word bonuses, business signals); the top is the same.
//
// The candidates are the best `count` over all shards plus a margin; the
// caller runs Xapian's matcher over them and the listings newer than the
// snapshots, so the scores and order shown are Xapian's own.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <xapian.h>

#include "query_tree.h"
#include "shard_view.h"
#include "ranking_signals.h"

namespace query {

// A candidate listing and its score on the snapshot.
struct ScoredCandidate {
    double score;
    std::size_t shard;
    Xapian::docid docid;  // within its shard
};

struct SnapshotCandidates {
    // The candidates in Xapian's order (higher score first, equal scores by
    // docid in the combined database).
    std::vector<ScoredCandidate> ranked;
    // Per shard, the docids (below its snapshot's size) that may rank in
    // the top `count` of the whole query, ascending: the best `count` and
    // a margin on the snapshots' scores, and any whose scores nearly tie
    // the last of those.
    std::vector<std::vector<Xapian::docid>> docids;
    std::uint64_t matches = 0;  // the snapshots' listings matching the query
    std::vector<DocidSet> matching;  // those listings, per shard (for facet counting)
    std::uint64_t candidate_count() const;
};

// How candidates are chosen: top_k weighs only the matches whose score
// bound may reach the best `count` (MaxScore over the query tree) in the
// shards with many matches, top_k_always in every shard, `all` weighs all
// of them. The candidates are the same.
enum class ScoringBound { top_k, top_k_always, all };

// Candidates for the best `count` listings of `scored` (the text query
// with its ranking signals) among those matching `filters`. nullopt when a
// shard's snapshot cannot evaluate the filters or the tree holds something
// it cannot weigh: the caller then ranks through Xapian alone.
// `side_by_side`: the shards are matched and weighed on two threads when a
// helper is idle (run_shard_tasks); the candidates are the same. Fewer
// matches than `ranked_from_matches` are counted and not weighed: no
// candidates (a query the searcher relaxes when too few listings have
// every word).
std::optional<SnapshotCandidates> snapshot_candidates(const std::vector<ShardView>& shards,
                                                      const Xapian::Database& combined,
                                                      const QueryTree& scored, const Bm25Parameters& bm25,
                                                      const Filters& filters, const FilteredQueries& queries,
                                                      std::size_t count, ScoringBound bound = ScoringBound::top_k,
                                                      bool side_by_side = false, std::uint64_t ranked_from_matches = 0);

// The scores under `scored` of `listings` (each below its snapshot's size
// and matching the query), in that order, as snapshot_candidates weighs
// them: Xapian's own up to rounding. nullopt when a tree part cannot be
// weighed here or a listing is beyond its snapshot. With `side_by_side`,
// the shards are weighed on two threads when a helper is idle.
std::optional<std::vector<double>> snapshot_scores(const std::vector<ShardView>& shards,
                                                   const Xapian::Database& combined, const QueryTree& scored,
                                                   const Bm25Parameters& bm25,
                                                   const std::vector<ListingAddress>& listings,
                                                   bool side_by_side = false);

// Whether two scores are close enough for rounding to order them either
// way: the snapshots add a listing's weights in another order than Xapian's
// matcher (its trees of posting lists), so their sums differ by a few units
// in the last place (~1e-15 relative; the weights are never negative:
// BM25, Xapian's scale factors and the signals' posting sources). Freshness
// adds tiny amounts: two listings 1e-15 apart through the matcher were equal
// on the snapshots, and so ordered by docid the other way.
bool nearly_tied(double a, double b);

// Whether `unsure(start, end)` holds for a run of ranks [start, end) whose
// neighbours' scores nearly tie (two ranks or more; `score_at(rank)` for
// ranks [0, count), best first), among the runs starting before `until`.
// A run is ordered as Xapian's matcher orders it only if each two
// neighbours are: the scores may round otherwise there.
template <typename ScoreAt, typename Unsure>
bool any_tie_run(std::size_t count, std::size_t until, ScoreAt score_at, Unsure unsure) {
    for (std::size_t start = 0; start < std::min(until, count);) {
        std::size_t end = start + 1;
        while (end < count && nearly_tied(score_at(end - 1), score_at(end))) ++end;
        if (end - start > 1 && unsure(start, end)) return true;
        start = end;
    }
    return false;
}

// Tells whether Xapian's matcher surely orders two candidates as the
// snapshots do, `above` before `below`, however their scores round: both
// are weighed from the same parts (the same terms of `scored` with the same
// wdfs, lengths BM25 normalises alike: the same, or both below its
// shortest, `bm25`'s min_normlen of `combined`'s average), but for a
// freshness that gives `above` no less, and `above` comes first by docid.
// Xapian then adds the same weights in the same order for both, but for
// freshness; each addition can only keep or raise the fresher one's sum
// (rounding is monotonic), so it scores `above` no lower and orders equal
// scores by docid. Old listings tie so: their freshness (2^-age/14 days)
// falls below the last bit of their scores. Listings scoring the same
// from other parts may differ in Xapian's last bits, as it adds in another
// order. The tree's terms are listed once, at the first pair asked about.
class OrderedAlike {
public:
    OrderedAlike(std::vector<ShardView> shards, const Xapian::Database& combined,
                 std::shared_ptr<const QueryTree> scored, const Bm25Parameters& bm25);
    bool operator()(const ScoredCandidate& above, const ScoredCandidate& below) const;

private:
    const std::vector<std::string>& terms() const;

    const std::vector<ShardView> shards_;
    const std::shared_ptr<const QueryTree> scored_;
    const Bm25Parameters bm25_;
    const double average_length_;
    mutable std::optional<std::vector<std::string>> terms_;  // the tree's, distinct
};

// Matches the candidates and every listing newer than its shard's snapshot,
// to combine with OP_FILTER over the combined database.
Xapian::Query candidates_query(const std::vector<ShardView>& shards, const SnapshotCandidates& candidates);

}  // namespace query

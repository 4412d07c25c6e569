// Top listings by sort order (price, newest) or, for an empty query, by the
// business signals alone, read from the shard snapshots' columns instead of
// through Xapian's matcher, which had to visit every match (75 ms for the
// 930,000 listings of an empty query at 1M listings; ~2 ms here).
//
// The matches are the same as Xapian's (the same queries, evaluated on the
// snapshots; listings newer than a snapshot are read through Xapian), and
// the count is exact.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "shard_view.h"
#include "query/ranking.h"
#include "query/search_request.h"

namespace query {

struct ColumnRanking {
    std::vector<ListingAddress> page;  // the requested page, best first
    std::uint64_t matches = 0;        // every listing matching, exactly
    std::vector<DocidSet> matching;   // the snapshots' listings matching, per shard (for facet counting)
};

// How listings are ordered: the request's sort, ties broken by newest then
// by docid; for relevance (an empty query only), the signals' score.
struct ColumnOrder {
    SortOrder sort = SortOrder::relevance;
    const RankingConfig* ranking = nullptr;  // for relevance
    bool sold_shown = false;
    double now_seconds = 0;
};

// nullopt if a shard's query cannot be evaluated on its snapshot. With
// `side_by_side`, the shards' snapshots are read on two threads (see
// run_shard_tasks) when the work is worth it.
std::optional<ColumnRanking> rank_by_columns(const std::vector<ShardView>& shards, const Filters& filters,
                                             const FilteredQueries& queries, const ColumnOrder& order,
                                             std::size_t offset, std::size_t limit, bool side_by_side = false);

}  // namespace query

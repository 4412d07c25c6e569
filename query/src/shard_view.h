// A shard as the engine reads it (its live database and its in-memory
// snapshot), the queries a request's filters make, and the listings of a
// snapshot matching them: what facet counting, column ranking and snapshot
// scoring all start from.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <xapian.h>

#include "docid_set.h"
#include "query/search_request.h"
#include "shard_snapshot.h"

namespace query {

// Where a listing is: its shard and its docid there.
struct ListingAddress {
    std::size_t shard = 0;
    Xapian::docid docid = 0;  // within its shard
};

// Xapian numbers the documents of a combined database by interleaving its
// shards: docid d of shard s, of n shards, is (d - 1) * n + s + 1.
inline Xapian::docid combined_docid(const ListingAddress& listing, std::size_t shard_count) {
    return static_cast<Xapian::docid>((listing.docid - 1) * shard_count + listing.shard + 1);
}
inline ListingAddress address_in_combined(Xapian::docid combined, std::size_t shard_count) {
    return {(combined - 1) % shard_count, static_cast<Xapian::docid>((combined - 1) / shard_count + 1)};
}

// One shard as the engine reads it: its live database and its snapshot,
// and, for a frozen generation's base, the listings its delta replaced
// (left out of every match; null when none).
struct ShardView {
    Xapian::Database database;
    std::shared_ptr<const ShardSnapshot> snapshot;
    std::shared_ptr<const DocidSet> replaced = nullptr;
};

// The query for a set of filters, built from the caller's text query:
// with only the term filters (brand, category, status), which the
// snapshot evaluates on bitmaps, and with all of them, for Xapian.
struct FilteredQueries {
    std::function<Xapian::Query(const Filters&)> with_term_filters;
    std::function<Xapian::Query(const Filters&)> with_all_filters;
};

// The listings in `shard`'s snapshot matching the query and all of
// `filters`; nullopt if the snapshot cannot evaluate the query.
std::optional<DocidSet> matches_in_snapshot(const ShardView& shard, const Filters& filters,
                                            const FilteredQueries& queries);
// The same for the text query with the term filters already read
// (`with_term_filters`, safe on any thread: see MatchExpression).
std::optional<DocidSet> matches_in_snapshot(const ShardView& shard, const Filters& filters,
                                            const MatchExpression& with_term_filters);
// The same for every shard, the query read out of Xapian's objects once;
// with `side_by_side`, on two threads when the query reads enough terms
// (see run_shard_tasks).
std::vector<std::optional<DocidSet>> matches_in_snapshots(const std::vector<ShardView>& shards,
                                                          const Filters& filters, const FilteredQueries& queries,
                                                          bool side_by_side);

}  // namespace query

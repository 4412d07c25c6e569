#include "shard_view.h"

#include "shard_tasks.h"

namespace query {

std::optional<DocidSet> matches_in_snapshot(const ShardView& shard, const Filters& filters,
                                            const FilteredQueries& queries) {
    // An empty shard (a frozen generation's delta, until the follower
    // writes to it) matches nothing, without a lookup per query term (2% of
    // the long-tail log's time with two empty deltas beside 1M listings).
    if (shard.snapshot->size() <= 1) return DocidSet(shard.snapshot->size());
    return matches_in_snapshot(shard, filters, MatchExpression::of(queries.with_term_filters(filters)));
}

std::optional<DocidSet> matches_in_snapshot(const ShardView& shard, const Filters& filters,
                                            const MatchExpression& with_term_filters) {
    const ShardSnapshot& snapshot = *shard.snapshot;
    if (snapshot.size() <= 1) return DocidSet(snapshot.size());
    auto matches = snapshot.evaluate(with_term_filters, shard.database);
    if (!matches) return std::nullopt;
    if (shard.replaced) matches->subtract(*shard.replaced);
    const auto value_filter =
        snapshot.value_filter(filters.price_min, filters.price_max, filters.conditions, filters.shipping);
    if (value_filter.none()) return matches;
    DocidSet passing(snapshot.size());
    matches->for_each([&](Xapian::docid docid) {
        if (snapshot.passes(value_filter, docid)) passing.add(docid);
    });
    return passing;
}

std::vector<std::optional<DocidSet>> matches_in_snapshots(const std::vector<ShardView>& shards,
                                                          const Filters& filters, const FilteredQueries& queries,
                                                          bool side_by_side) {
    // Read out of Xapian's query objects here, once: see MatchExpression.
    const MatchExpression matching = MatchExpression::of(queries.with_term_filters(filters));
    std::vector<std::optional<DocidSet>> matches(shards.size());
    run_shard_tasks(
        shards.size(), [&](std::size_t n) { matches[n] = matches_in_snapshot(shards[n], filters, matching); },
        side_by_side && matching.term_count() >= min_terms_side_by_side);
    return matches;
}

}  // namespace query

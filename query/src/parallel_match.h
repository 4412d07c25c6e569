// One relevance query matched on all shards at once, one thread per shard,
// with exactly the results of a single Enquire over the combined database.
//
// Xapian's matcher visits every match of a broad query ("nike": 163,000
// listings at 1M, ~30 ms) one shard after the other. Here each thread runs
// the same Enquire on its own handle of the combined database, restricted
// to one shard's listings by ShardOnlySource: the weights use the combined
// statistics, so the merged top is what the single Enquire would give.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <xapian.h>

namespace query {

struct RankedDocument {
    double weight = 0;
    Xapian::docid docid = 0;  // in the combined database
};

struct ParallelMatches {
    std::vector<RankedDocument> top;  // best first, ties by docid
    std::uint64_t estimated = 0;
    bool exact = true;
};

// `query` restricted to the listings of the shard with this UUID.
Xapian::Query restricted_to_shard(const Xapian::Query& query, const std::string& shard_uuid);

// Runs queries[i] on combined[i] in thread i and merges the top `count`.
// Xapian's objects are not thread-safe, reference counts included: each
// thread needs its own database handle and its own query tree, built
// before the threads start (restricted_to_shard on separately built
// queries), sharing no Xapian object with another thread.
ParallelMatches match_shards_in_parallel(std::vector<Xapian::Database>& combined, std::vector<Xapian::Query> queries,
                                         const Xapian::Weight& weighting, Xapian::doccount count);

}  // namespace query

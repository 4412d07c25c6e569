// Readiness: whether every shard of the serving index opens and answers a
// small read now, on fresh handles (a searcher's open handles can go on
// reading files that are gone or damaged on disk).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace query {

struct ShardHealth {
    std::string name;  // "gen-000002/shard-01", or the remote stub
    std::uint64_t documents = 0;
    std::string problem;  // empty when it read
    // Something to fix that does not stop it serving (an index analysed
    // otherwise than its queries: see analyzers::analysis_version).
    std::string warning;
};

// What a frozen generation's deltas hold (analyzers/frozen_generation.h):
// the larger, the slower searches get until the next build. Zero for a
// usual generation.
struct DeltaCounts {
    std::uint64_t listings = 0;  // in the deltas: new listings and new versions
    std::uint64_t replaced = 0;  // base listings they replaced, deleted or marked sold
};

struct IndexHealth {
    std::uint64_t generation = 0;
    std::vector<ShardHealth> shards;
    std::string problem;  // the index as a whole (no index yet, CURRENT unreadable)

    bool ready() const {
        if (!problem.empty() || shards.empty()) return false;
        for (const auto& shard : shards) {
            if (!shard.problem.empty()) return false;
        }
        return true;
    }
    std::uint64_t documents() const {
        std::uint64_t total = 0;
        for (const auto& shard : shards) total += shard.documents;
        return total;
    }
};

}  // namespace query

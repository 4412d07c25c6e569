// Request counts and search latency, exported in Prometheus text format at
// GET /metrics. Lock-free counters: recording costs a few atomic adds.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "query/index_health.h"
#include "query/search_request.h"
#include "query/search_result.h"

namespace server {

// Thread-safe: every request thread records into the same atomics.
class Metrics {
public:
    enum class Route { search, meili, healthz, metrics, page, other };

    void count_request(Route route, int status);
    void observe_search_latency(double milliseconds);
    void count_search(const query::SearchResult& result);

    // The exposition text; the gauges are read by the caller.
    std::string render(std::uint64_t generation, std::uint64_t documents, const query::DeltaCounts& deltas) const;

private:
    static constexpr std::array<double, 11> latency_buckets_ms{0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000};
    static constexpr std::size_t route_count = 6;
    static constexpr std::array<int, 4> status_classes{2, 3, 4, 5};

    std::array<std::array<std::atomic<std::uint64_t>, status_classes.size()>, route_count> requests_{};
    std::array<std::atomic<std::uint64_t>, latency_buckets_ms.size() + 1> latency_counts_{};  // last: +Inf
    std::atomic<std::uint64_t> latency_sum_us_{0};
    std::atomic<std::uint64_t> cache_hits_{0};
    std::atomic<std::uint64_t> relaxed_{0};
    std::array<std::atomic<std::uint64_t>, 4> ranked_by_{};  // by RankedBy
};

}  // namespace server

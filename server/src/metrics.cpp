#include "metrics.h"

#include <fmt/format.h>

namespace server {
namespace {

constexpr std::array<std::string_view, 6> route_names{"search", "meili", "healthz", "metrics", "page", "other"};
// By RankedBy.
constexpr std::array<std::string_view, 4> ranking_path_names{"matcher", "snapshot_candidates", "final_pass",
                                                             "columns"};

}  // namespace

void Metrics::count_request(Route route, int status) {
    const int status_class = status / 100;
    for (std::size_t i = 0; i < status_classes.size(); ++i) {
        if (status_classes[i] == status_class) {
            requests_[static_cast<std::size_t>(route)][i].fetch_add(1, std::memory_order_relaxed);
        }
    }
}

void Metrics::count_search(const query::SearchResult& result) {
    if (result.relaxed) relaxed_.fetch_add(1, std::memory_order_relaxed);
    if (result.cached) {
        cache_hits_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    ranked_by_[static_cast<std::size_t>(result.ranked_by)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::observe_search_latency(double milliseconds) {
    std::size_t bucket = 0;
    while (bucket < latency_buckets_ms.size() && milliseconds > latency_buckets_ms[bucket]) ++bucket;
    latency_counts_[bucket].fetch_add(1, std::memory_order_relaxed);
    latency_sum_us_.fetch_add(static_cast<std::uint64_t>(milliseconds * 1000), std::memory_order_relaxed);
}

std::string Metrics::render(std::uint64_t generation, std::uint64_t documents, const query::DeltaCounts& deltas) const {
    std::string text;
    auto out = std::back_inserter(text);
    fmt::format_to(out, "# HELP listing_http_requests_total HTTP requests by route and status class.\n"
                        "# TYPE listing_http_requests_total counter\n");
    for (std::size_t route = 0; route < route_count; ++route) {
        for (std::size_t i = 0; i < status_classes.size(); ++i) {
            fmt::format_to(out, "listing_http_requests_total{{route=\"{}\",status=\"{}xx\"}} {}\n",
                           route_names[route], status_classes[i], requests_[route][i].load());
        }
    }
    fmt::format_to(out, "# HELP listing_search_duration_seconds Time to answer a search (/v1/search and the Meilisearch routes).\n"
                        "# TYPE listing_search_duration_seconds histogram\n");
    std::uint64_t cumulative = 0;
    for (std::size_t bucket = 0; bucket < latency_buckets_ms.size(); ++bucket) {
        cumulative += latency_counts_[bucket].load();
        fmt::format_to(out, "listing_search_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                       latency_buckets_ms[bucket] / 1000, cumulative);
    }
    cumulative += latency_counts_.back().load();
    fmt::format_to(out, "listing_search_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
    fmt::format_to(out, "listing_search_duration_seconds_sum {}\n", latency_sum_us_.load() / 1e6);
    fmt::format_to(out, "listing_search_duration_seconds_count {}\n", cumulative);
    fmt::format_to(out, "# HELP listing_search_cache_hits_total Searches answered from the result cache.\n"
                        "# TYPE listing_search_cache_hits_total counter\nlisting_search_cache_hits_total {}\n",
                   cache_hits_.load());
    fmt::format_to(out, "# HELP listing_search_relaxed_total Searches relaxed to listings matching some of the words.\n"
                        "# TYPE listing_search_relaxed_total counter\nlisting_search_relaxed_total {}\n",
                   relaxed_.load());
    fmt::format_to(out, "# HELP listing_search_ranked_total Searches ranked (not from the cache), by how: Xapian's "
                        "matcher alone, the snapshots' scores of their candidates, Xapian's final pass over those "
                        "candidates (scores tied on the page, or snapshots behind their shards), or the snapshots' "
                        "columns.\n"
                        "# TYPE listing_search_ranked_total counter\n");
    for (std::size_t path = 0; path < ranking_path_names.size(); ++path) {
        fmt::format_to(out, "listing_search_ranked_total{{by=\"{}\"}} {}\n", ranking_path_names[path],
                       ranked_by_[path].load());
    }
    fmt::format_to(out, "# HELP listing_index_generation The serving index generation.\n"
                        "# TYPE listing_index_generation gauge\nlisting_index_generation {}\n", generation);
    fmt::format_to(out, "# HELP listing_index_documents Listings in the serving index.\n"
                        "# TYPE listing_index_documents gauge\nlisting_index_documents {}\n", documents);
    fmt::format_to(out, "# HELP listing_index_delta_listings Listings in a frozen generation's deltas (0 otherwise): "
                        "searches slow down as they grow, until the next build.\n"
                        "# TYPE listing_index_delta_listings gauge\nlisting_index_delta_listings {}\n", deltas.listings);
    fmt::format_to(out, "# HELP listing_index_replaced_listings Base listings a frozen generation's deltas replaced "
                        "(0 otherwise).\n"
                        "# TYPE listing_index_replaced_listings gauge\nlisting_index_replaced_listings {}\n",
                   deltas.replaced);
    return text;
}

}  // namespace server

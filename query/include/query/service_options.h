// How the search service is set up: where the index and data are, and the
// knobs for freshness, caching and ranking paths.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>

namespace query {

struct ServiceOptions {
    std::filesystem::path index_dir;
    std::filesystem::path data_dir;  // synonyms.txt, brand_aliases.txt
    std::filesystem::path ranking_config;  // empty: built-in defaults
    // A Xapian stub of "remote HOST:PORT" lines, one per shard served by
    // xapian-tcpsrv: search those instead of index_dir. Facets then go
    // through Xapian's ValueCountMatchSpy and the freshness signal is off
    // (the stock server cannot run our posting source).
    std::filesystem::path remote_stub;
    // How stale a searcher may be before it looks for new commits. Looking
    // costs a few small file reads, so by default every request does: a
    // handle even 100 ms old made ~10% of requests under a 50 listings/s
    // feed fail on a discarded revision and start again.
    std::chrono::milliseconds refresh_interval{0};
    // Recent results kept (0 turns the cache off), and how long one may be
    // served after the index changed under it.
    std::size_t result_cache_entries = 4096;
    std::chrono::milliseconds result_cache_max_stale{250};
    // Rank text queries' candidates on the shard snapshots before Xapian's
    // matcher weighs them (off: the matcher weighs every match; same results).
    bool snapshot_scoring = true;
    // Weigh on the snapshots only the matches whose score bound may reach
    // the page: in shards with many matches, always (for tests), or never
    // (every match weighed). The same results.
    enum class TopKBound { many_matches, always, off };
    TopKBound top_k_bound = TopKBound::many_matches;
    // Match, weigh and count a request's shards on two threads when a
    // helper thread is idle (a quiet server), one after another otherwise.
    // The same results.
    bool parallel_shards = true;
};

}  // namespace query
